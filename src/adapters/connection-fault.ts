// Is this exception a dependency that cannot be reached (or answered too late)? Shared by
// the PostgreSQL and Redis adapters, which turn such errors into DependencyUnavailable and
// let everything else through as a bug. Drivers wrap socket errors, so `cause` chains and
// AggregateErrors are looked through.

// Node system errors of a connection that failed, broke or timed out.
const SOCKET_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

export interface ConnectionFaultSigns {
  /** Driver error codes meaning "not reachable now" beside the socket codes (e.g. SQLSTATE classes). */
  code?: (code: string) => boolean;
  /** Driver errors without a code, recognised by their fixed messages or names. */
  messages: readonly RegExp[];
}

export function isConnectionFault(err: unknown, signs: ConnectionFaultSigns): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.size < 16) {
    const e = queue.shift();
    if (e === null || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const { code, name, message, cause, errors } = e as Record<string, unknown>;
    if (typeof code === 'string' && (SOCKET_CODES.has(code) || signs.code?.(code) === true)) return true;
    const text = `${typeof name === 'string' ? name : ''}: ${typeof message === 'string' ? message : ''}`;
    if (signs.messages.some((m) => m.test(text))) return true;
    if (cause !== undefined) queue.push(cause);
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
  }
  return false;
}
