// PostgreSQL driver errors -> the port's fault classification: "cannot reach / answer in
// time" becomes DependencyUnavailable('postgres'); everything else (a SQL bug, a
// constraint) is rethrown as is and reaches callers as a bug (internal_error).
import { DependencyUnavailable } from '../../ports/infrastructure-fault.js';

// Socket-level failures (node system error codes).
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

// pg / pg-pool failures that carry no code, recognised by their fixed messages.
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection timeout/i,
  /the database system is (starting up|shutting down)/i,
  /Client has encountered a connection error and is not queryable/i,
];

/** SQLSTATE class 08 (connection exception), 53 (insufficient resources), 57P0x (shutdown). */
function isUnavailableSqlState(code: string): boolean {
  return /^[0-9A-Z]{5}$/.test(code) && (code.startsWith('08') || code.startsWith('53') || code.startsWith('57P'));
}

/** True when `err` (or anything in its cause chain / AggregateError) says PostgreSQL is unreachable. */
export function isPostgresUnreachable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.size < 16) {
    const e = queue.shift();
    if (e === null || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const { code, message, cause, errors } = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || isUnavailableSqlState(code))) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => m.test(message))) return true;
    if (cause !== undefined) queue.push(cause);
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
  }
  return false;
}

/** Runs one store call; an unreachable PostgreSQL is rethrown as DependencyUnavailable. */
export async function classifyPostgresFaults<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isPostgresUnreachable(err)) throw new DependencyUnavailable('postgres', `${what}: PostgreSQL unavailable`, { cause: err });
    throw err;
  }
}
