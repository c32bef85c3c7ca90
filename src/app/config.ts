// The one typed, validated configuration object, built from RTMANAGER_* at startup.
// Nothing else in src/ reads process.env. Every problem is reported at once, by name.
import path from 'node:path';
import type { ConfiguredCeilings, EngineHardening, ResourceLimits } from '../domain/container-spec.js';
import { DEFAULT_MAX_PIDS_LIMIT, LIMIT_SETTINGS, parseCpus, parseMemory, parsePidsLimit, runsAsRoot } from '../domain/container-spec.js';

import { IMAGE_PULL_POLICIES, type ImagePullPolicy } from '../domain/image-pull-policy.js';
import type { ProbeTarget } from '../domain/probe-target.js';
export type { ProbeTarget };
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface RtmConfig {
  listener: { host: string; port: number };
  docker: {
    /** unix:///path or tcp://host:port / http(s)://host:port */
    host: string;
    network: string;
    apiTimeoutMs: number;
    pullTimeoutMs: number;
    pullPolicy: ImagePullPolicy;
    imageAllowlist: string[];
  };
  postgres: { url: string; poolMax: number };
  redis: { url: string; keyPrefix: string };
  streams: {
    startJobs: string;
    stopJobs: string;
    jobResults: string;
    healthEvents: string;
    notificationIntents: string;
    blockMs: number;
    batchSize: number;
    /** Jobs for different games run concurrently up to this bound. */
    jobConcurrency: number;
    /** A job older than this is answered with its next outcome, even a retryable failure; null = never. */
    jobMaxAgeMs: number | null;
  };
  container: {
    enginePort: number;
    stateRoot: string;
    stateDirMode: number;
    stateDirUid: number | null;
    stateDirGid: number | null;
    defaultLimits: ResourceLimits;
    ceilings: ConfiguredCeilings;
    hardening: EngineHardening;
    logDriver: string;
    logOptions: Record<string, string>;
    stopTimeoutSeconds: number;
  };
  health: {
    probeIntervalMs: number;
    probeTimeoutMs: number;
    probeFailuresThreshold: number;
    probeStartPeriodMs: number;
    probeTarget: ProbeTarget;
    probeConcurrency: number;
    inspectIntervalMs: number;
    eventsReconnectMaxMs: number;
  };
  reconcile: { intervalMs: number; graceMs: number };
  cleanup: { intervalMs: number; retentionMs: number };
  coordination: { leaseTtlMs: number };
  lobby: { baseUrl: string | null; timeoutMs: number };
  auth: { internalApiTokens: string[] };
  logging: { level: LogLevel };
  lifecycle: { shutdownTimeoutMs: number };
  telemetry: { otlpEndpoint: string | null; serviceName: string };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

class EnvReader {
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

function parseHostPort(v: string): { host: string; port: number } | null {
  const m = /^(\[[0-9a-fA-F:]+\]|[^:]*):([0-9]{1,5})$/.exec(v);
  if (!m || m[2] === undefined) return null;
  const port = Number(m[2]);
  if (port > 65535) return null;
  const host = (m[1] ?? '').replace(/^\[|\]$/g, '');
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** Seconds > 0 (fractions allowed) -> milliseconds. */
function parsePositiveSeconds(v: string): number | null {
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? Math.round(n * 1000) : null;
}

function parseId(v: string): number | null {
  return /^[0-9]{1,10}$/.test(v) ? Number(v) : null;
}

function parseKeyValues(v: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  for (const part of v.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf('=');
    if (i <= 0) return null;
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

function parseUrl(protocols: string[]) {
  return (v: string): string | null => {
    try {
      const u = new URL(v);
      return protocols.includes(u.protocol) ? v : null;
    } catch {
      return null;
    }
  };
}

export function loadConfig(env: Env): RtmConfig {
  const r = new EnvReader(env);

  const listener = r.parsed('RTMANAGER_INTERNAL_HTTP_ADDR', { host: '127.0.0.1', port: 8090 }, parseHostPort, 'host:port');
  const postgresUrl = r.required('RTMANAGER_POSTGRES_URL');
  if (postgresUrl && parseUrl(['postgres:', 'postgresql:'])(postgresUrl) === null)
    r.problem('RTMANAGER_POSTGRES_URL is not a postgres:// URL');
  const redisUrl = r.required('RTMANAGER_REDIS_URL');
  if (redisUrl && parseUrl(['redis:', 'rediss:'])(redisUrl) === null) r.problem('RTMANAGER_REDIS_URL is not a redis:// URL');
  const network = r.required('RTMANAGER_DOCKER_NETWORK');
  const stateRoot = r.required('RTMANAGER_GAME_STATE_ROOT');
  if (stateRoot && !path.isAbsolute(stateRoot)) r.problem(`RTMANAGER_GAME_STATE_ROOT=${stateRoot} must be an absolute path`);

  const dockerHost = r.parsed('RTMANAGER_DOCKER_HOST', 'unix:///var/run/docker.sock', parseUrl(['unix:', 'tcp:', 'http:', 'https:']), 'unix:///path or tcp://host:port');
  const prefix = r.string('RTMANAGER_REDIS_KEY_PREFIX', '');
  const defaultLimits: ResourceLimits = {
    cpus: r.parsed('RTMANAGER_DEFAULT_CPUS', 1.0, parseCpus, 'a positive decimal such as 1.0'),
    memoryBytes: r.parsed('RTMANAGER_DEFAULT_MEMORY', 512 * 1024 ** 2, parseMemory, 'a size such as 512m'),
    pidsLimit: r.parsed('RTMANAGER_DEFAULT_PIDS_LIMIT', 512, parsePidsLimit, 'a positive integer'),
  };

  const config: RtmConfig = {
    listener,
    docker: {
      host: dockerHost,
      network,
      apiTimeoutMs: r.seconds('RTMANAGER_DOCKER_API_TIMEOUT', 30, { min: 0.1 }),
      pullTimeoutMs: r.seconds('RTMANAGER_IMAGE_PULL_TIMEOUT', 300, { min: 1 }),
      pullPolicy: r.oneOf('RTMANAGER_IMAGE_PULL_POLICY', IMAGE_PULL_POLICIES, 'if_not_present'),
      imageAllowlist: r.list('RTMANAGER_IMAGE_ALLOWLIST'),
    },
    postgres: { url: postgresUrl, poolMax: r.number('RTMANAGER_POSTGRES_POOL_MAX', 10, { min: 1, max: 200 }) },
    redis: { url: redisUrl, keyPrefix: prefix },
    streams: {
      startJobs: `${prefix}runtime:start_jobs`,
      stopJobs: `${prefix}runtime:stop_jobs`,
      jobResults: `${prefix}runtime:job_results`,
      healthEvents: `${prefix}runtime:health_events`,
      notificationIntents: `${prefix}notification:intents`,
      blockMs: r.seconds('RTMANAGER_STREAM_BLOCK', 2, { min: 0.05 }),
      batchSize: r.number('RTMANAGER_STREAM_BATCH_SIZE', 32, { min: 1, max: 1000 }),
      jobConcurrency: r.number('RTMANAGER_JOB_CONCURRENCY', 4, { min: 1, max: 64 }),
      jobMaxAgeMs: r.parsed<number | null>('RTMANAGER_JOB_MAX_AGE', null, parsePositiveSeconds, 'seconds > 0 (fractions allowed)'),
    },
    container: {
      enginePort: r.number('RTMANAGER_ENGINE_PORT', 8080, { min: 1, max: 65535 }),
      stateRoot,
      stateDirMode: r.parsed('RTMANAGER_GAME_STATE_DIR_MODE', 0o750, (v) => (/^0?[0-7]{3,4}$/.test(v) ? parseInt(v, 8) : null), 'an octal mode such as 0750'),
      stateDirUid: r.parsed<number | null>('RTMANAGER_GAME_STATE_DIR_UID', null, parseId, 'a numeric uid'),
      stateDirGid: r.parsed<number | null>('RTMANAGER_GAME_STATE_DIR_GID', null, parseId, 'a numeric gid'),
      defaultLimits,
      ...engineConfinement(r, defaultLimits),
      logDriver: r.string('RTMANAGER_CONTAINER_LOG_DRIVER', 'json-file'),
      logOptions: r.parsed('RTMANAGER_CONTAINER_LOG_OPTS', { 'max-size': '10m', 'max-file': '3' }, parseKeyValues, 'key=value,key=value'),
      stopTimeoutSeconds: r.number('RTMANAGER_STOP_TIMEOUT', 10, { min: 0, max: 3600 }),
    },
    health: {
      probeIntervalMs: r.seconds('RTMANAGER_PROBE_INTERVAL', 10, { min: 0.05 }),
      probeTimeoutMs: r.seconds('RTMANAGER_PROBE_TIMEOUT', 2, { min: 0.05 }),
      probeFailuresThreshold: r.number('RTMANAGER_PROBE_FAILURES_THRESHOLD', 3, { min: 1, max: 1000 }),
      probeStartPeriodMs: r.seconds('RTMANAGER_PROBE_START_PERIOD', 0, { min: 0 }),
      probeTarget: r.oneOf('RTMANAGER_PROBE_TARGET', ['dns', 'container_ip', 'auto'] as const, 'auto'),
      probeConcurrency: r.number('RTMANAGER_PROBE_CONCURRENCY', 16, { min: 1, max: 256 }),
      inspectIntervalMs: r.seconds('RTMANAGER_INSPECT_INTERVAL', 30, { min: 0.05 }),
      eventsReconnectMaxMs: r.seconds('RTMANAGER_EVENTS_RECONNECT_MAX', 30, { min: 0.05 }),
    },
    reconcile: {
      intervalMs: r.seconds('RTMANAGER_RECONCILE_INTERVAL', 60, { min: 0.05 }),
      graceMs: r.seconds('RTMANAGER_RECONCILE_GRACE', 30, { min: 0 }),
    },
    cleanup: {
      intervalMs: r.seconds('RTMANAGER_CLEANUP_INTERVAL', 3600, { min: 0.05 }),
      retentionMs: Math.round(r.number('RTMANAGER_CONTAINER_RETENTION_DAYS', 7, { min: 0, integer: false }) * 86_400_000),
    },
    coordination: { leaseTtlMs: r.seconds('RTMANAGER_LEASE_TTL', 30, { min: 0.1 }) },
    lobby: {
      baseUrl: r.parsed<string | null>('RTMANAGER_LOBBY_BASE_URL', null, parseUrl(['http:', 'https:']), 'an http(s) URL'),
      timeoutMs: r.seconds('RTMANAGER_LOBBY_TIMEOUT', 2, { min: 0.05 }),
    },
    auth: { internalApiTokens: r.list('RTMANAGER_INTERNAL_API_TOKENS') },
    logging: { level: r.oneOf('RTMANAGER_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const, 'info') },
    lifecycle: { shutdownTimeoutMs: r.seconds('RTMANAGER_SHUTDOWN_TIMEOUT', 30, { min: 0.1 }) },
    telemetry: {
      otlpEndpoint: r.parsed<string | null>('RTMANAGER_OTLP_ENDPOINT', null, parseUrl(['http:', 'https:']), 'an http(s) URL'),
      serviceName: r.string('RTMANAGER_SERVICE_NAME', 'rtmanager'),
    },
  };

  if (config.health.probeTimeoutMs > config.health.probeIntervalMs)
    r.problem('RTMANAGER_PROBE_TIMEOUT must not exceed RTMANAGER_PROBE_INTERVAL');
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

/** Ceilings (defaults within the configured ones; host-derived ones are checked at each start) and hardening (no forced root unless allowed). */
function engineConfinement(r: EnvReader, defaults: ResourceLimits): { ceilings: ConfiguredCeilings; hardening: EngineHardening } {
  const ceilings = {
    cpus: r.parsed<number | null>('RTMANAGER_MAX_CPUS', null, parseCpus, 'a positive decimal such as 2.0'),
    memoryBytes: r.parsed<number | null>('RTMANAGER_MAX_MEMORY', null, parseMemory, 'a size such as 8g'),
    pidsLimit: r.parsed('RTMANAGER_MAX_PIDS_LIMIT', DEFAULT_MAX_PIDS_LIMIT, parsePidsLimit, 'a positive integer'),
  };
  for (const { key, defaultVar, ceilingVar, show } of LIMIT_SETTINGS) {
    const ceiling = ceilings[key];
    if (ceiling !== null && defaults[key] > ceiling) r.problem(`${defaultVar} (${show(defaults[key])}) is above the ceiling ${ceilingVar} (${show(ceiling)})`);
  }
  const hardening = {
    user: r.parsed<string | null>('RTMANAGER_ENGINE_USER', null, (v) => (/^[0-9]{1,10}:[0-9]{1,10}$/.test(v) ? v : null), 'a numeric uid:gid such as 10001:10001'),
    allowRoot: r.flag('RTMANAGER_ALLOW_ROOT_ENGINES', false),
    readOnlyRootfs: r.flag('RTMANAGER_ENGINE_READ_ONLY_ROOTFS', false),
  };
  if (hardening.user !== null && runsAsRoot(hardening.user) && !hardening.allowRoot)
    r.problem(`RTMANAGER_ENGINE_USER=${hardening.user} runs engines as root; use a non-root uid:gid or set RTMANAGER_ALLOW_ROOT_ENGINES=true`);
  return { ceilings, hardening };
}
