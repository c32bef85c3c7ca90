// Parses rtmctl's arguments: one command path (`runtimes ls`, `start`...), its positionals
// and options. Anything unknown or missing is a UsageError (exit 2), never a guess.
import { parseArgs } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Shown in --help, e.g. "--status S  only runtimes in status S". */
  help: string;
  /** The values it takes, when they are a closed list (offered by the shell completion). */
  values?: readonly string[];
}

export type ParsedOptions = Record<string, string | boolean | undefined>;

/** Options every command accepts. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  url: { type: 'string', help: 'RTM base URL (default $RTM_URL, else http://127.0.0.1:8090)' },
  token: { type: 'string', help: 'bearer token (default $RTM_TOKEN)' },
  timeout: { type: 'string', help: "seconds to wait for RTM's answer (default $RTM_TIMEOUT, else 30; 330 for start, restart, patch)" },
  json: { type: 'boolean', help: 'print JSON instead of tables' },
  help: { type: 'boolean', short: 'h', help: 'show help' },
};

export function parseOptions(args: readonly string[], specs: Record<string, OptionSpec>): { positionals: string[]; options: ParsedOptions } {
  const all = { ...GLOBAL_OPTIONS, ...specs };
  const options = Object.fromEntries(
    Object.entries(all).map(([name, s]) => [name, s.short !== undefined ? { type: s.type, short: s.short } : { type: s.type }]),
  );
  try {
    const parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    return { positionals: parsed.positionals, options: parsed.values as ParsedOptions };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err));
  }
}

export function positiveInteger(value: string | boolean | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

export function oneOf<T extends string>(value: string | boolean | undefined, name: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
}


export function positiveSeconds(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = /^[0-9]+(\.[0-9]+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number of seconds, got ${JSON.stringify(value)}`);
  return n;
}
