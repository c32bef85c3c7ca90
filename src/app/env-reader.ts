// Reading RTMANAGER_* values: every problem is collected by variable name (loadConfig
// throws them all at once), never thrown one by one.
export type Env = Record<string, string | undefined>;

export class EnvReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  private raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }

  required(name: string): string {
    const v = this.raw(name);
    if (v === undefined) this.problems.push(`${name} is required but not set`);
    return v ?? '';
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optional(name: string): string | null {
    return this.raw(name) ?? null;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.problems.push(`${name}=${v} is not one of ${allowed.join(', ')}`);
    return fallback;
  }

  /** Seconds (fractions allowed) -> milliseconds. */
  seconds(name: string, fallbackSeconds: number, opts: { min?: number } = {}): number {
    return Math.round(this.number(name, fallbackSeconds, { min: opts.min ?? 0, integer: false }) * 1000);
  }

  number(name: string, fallback: number, opts: { min?: number; max?: number; integer?: boolean } = {}): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    const integer = opts.integer ?? true;
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || (opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
      const range = `${opts.min ?? '-inf'}..${opts.max ?? 'inf'}`;
      this.problems.push(`${name}=${v} is not a valid ${integer ? 'integer' : 'number'} in ${range}`);
      return fallback;
    }
    return n;
  }

  list(name: string): string[] {
    const v = this.raw(name);
    return v === undefined ? [] : v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  }

  parsed<T>(name: string, fallback: T, parse: (v: string) => T | null, expected: string): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const p = parse(v);
    if (p === null) {
      this.problems.push(`${name}=${v} is invalid: expected ${expected}`);
      return fallback;
    }
    return p;
  }

  flag(name: string, fallback: boolean): boolean {
    return this.oneOf(name, ['true', 'false'] as const, fallback ? 'true' : 'false') === 'true';
  }

  problem(message: string): void {
    this.problems.push(message);
  }
}

export function parseHostPort(v: string): { host: string; port: number } | null {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:]*):([0-9]{1,5})$/.exec(v);
  if (!m || m[2] === undefined) return null;
  const port = Number(m[2]);
  if (port > 65535) return null;
  const host = (m[1] ?? '').replace(/^\[|\]$/g, '');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** Seconds > 0 (fractions allowed) -> milliseconds. */
export function parsePositiveSeconds(v: string): number | null {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? Math.round(n * 1000) : null;
}

export function parseId(v: string): number | null {
  return /^[0-9]{1,10}$/.test(v) ? Number(v) : null;
}

export function parseKeyValues(v: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const part of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf('=');
    if (i <= 0) return null;
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

/** OTEL_RESOURCE_ATTRIBUTES (OpenTelemetry spec): `key=value,…`, values percent-encoded. */
export function parseResourceAttributes(v: string): Record<string, string> | null {
  const pairs = parseKeyValues(v);
  if (pairs === null) return null;
  const out: Record<string, string> = {};
  try {
    for (const [key, value] of Object.entries(pairs)) out[key.trim()] = decodeURIComponent(value.trim());
  } catch {
    return null; // a malformed percent-escape
  }
  return out;
}

export function parseUrl(protocols: string[]) {
  return (v: string): string | null => {
    try {
      const u = new URL(v);
      return protocols.includes(u.protocol) ? v : null;
    } catch {
      return null;
    }
  };
}

/** ioredis takes a unix socket as a bare path (`/run/redis.sock?db=0`), not as a unix:// URL. */
export function redisConnectionTarget(url: string): string {
  if (!url.startsWith('unix:')) return url;
  const u = new URL(url);
  return `${decodeURIComponent(u.pathname)}${u.search}`;
}
