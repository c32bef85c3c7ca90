// PostgreSQL faults, classified once for every store: unreachable, shutting down, out of
// connections or timed out -> DependencyUnavailable('postgres'); anything else (a SQL
// error, a constraint, a bug) passes through unchanged. Applied to every query by the
// Kysely dialect in database.ts.
import { DependencyUnavailable } from '../../ports/infrastructure-fault.js';
import { isConnectionFault, type ConnectionFaultSigns } from '../connection-fault.js';

const POSTGRES_SIGNS: ConnectionFaultSigns = {
  // SQLSTATE class 08 connection exception, 53 insufficient resources, 57P0x shutdown/crash.
  code: (code) => /^[0-9A-Z]{5}$/.test(code) && (code.startsWith('08') || code.startsWith('53') || code.startsWith('57P')),
  // pg / pg-pool errors that carry no code.
  messages: [
    /connection terminated/i,
    /timeout exceeded when trying to connect/i,
    /not queryable/i,
    /the database system is (starting up|shutting down)/i,
    /cannot use a pool after calling end/i,
  ],
};

export function toPostgresFault(err: unknown): unknown {
  if (err instanceof DependencyUnavailable || !isConnectionFault(err, POSTGRES_SIGNS)) return err;
  return new DependencyUnavailable('postgres', `PostgreSQL unavailable: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
}

/** Runs one driver call, rethrowing its failure classified. */
export async function classifyingPostgresFaults<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toPostgresFault(err);
  }
}
