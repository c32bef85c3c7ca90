// PostgreSQL faults, classified once: unreachable, shutting down, out of connections or
// timed out -> DependencyUnavailable('postgres'); anything else (a SQL error, a
// constraint, a bug) passes through unchanged and reaches callers as a bug (internal_error).
// Applied by every store call (`classifyPostgresFaults`, which names the call), at the
// adapter's edge: a caller never sees a raw pg connection error.
import { DependencyUnavailable } from '../../ports/infrastructure-fault.js';
import { isConnectionFault, type ConnectionFaultSigns } from '../connection-fault.js';

const POSTGRES_SIGNS: ConnectionFaultSigns = {
  // SQLSTATE class 08 connection exception, 53 insufficient resources, 57P0x shutdown/crash.
  code: (code) => /^[0-9A-Z]{5}$/.test(code) && (code.startsWith('08') || code.startsWith('53') || code.startsWith('57P')),
  // pg / pg-pool errors that carry no code.
  messages: [
    /connection terminated/i,
    /timeout exceeded when trying to connect/i,
    /connection timeout/i,
    /not queryable/i,
    /the database system is (starting up|shutting down)/i,
    /cannot use a pool after calling end/i,
  ],
};

/** True when `err` (or anything in its cause chain / AggregateError) says PostgreSQL is unreachable. */
export function isPostgresUnreachable(err: unknown): boolean {
  return err instanceof DependencyUnavailable ? err.dependency === 'postgres' : isConnectionFault(err, POSTGRES_SIGNS);
}

export function toPostgresFault(err: unknown, what = 'PostgreSQL call'): unknown {
  if (err instanceof DependencyUnavailable || !isConnectionFault(err, POSTGRES_SIGNS)) return err;
  return new DependencyUnavailable('postgres', `${what}: PostgreSQL unavailable: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Runs one store call; an unreachable PostgreSQL is rethrown as DependencyUnavailable. */
export function classifyPostgresFaults<T>(what: string, work: () => Promise<T>): Promise<T> {
  return work().catch((err: unknown) => {
    throw toPostgresFault(err, what);
  });
}
