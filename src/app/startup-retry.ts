// The startup reconcile must run before workers and consumers (CONTRACT §8) and needs
// Docker and PostgreSQL: it is retried with the shared Backoff until it succeeds or
// shutdown begins.
import type { Logger } from 'pino';
import { abortableSleep } from '../timing/abortable-sleep.js';
import { Backoff, type BackoffSettings } from '../timing/backoff.policy.js';

export const STARTUP_RETRY_BACKOFF: BackoffSettings = { initialMs: 500, maxMs: 10_000 };

/** Runs `task` until it resolves (true) or `signal` aborts first (false). */
export async function retryUntilDone<T>(
  what: string,
  task: () => Promise<T>,
  opts: { signal: AbortSignal; logger: Logger; backoff?: BackoffSettings },
): Promise<{ done: true; value: T } | { done: false }> {
  const backoff = new Backoff(opts.backoff ?? STARTUP_RETRY_BACKOFF);
  while (!opts.signal.aborted) {
    try {
      return { done: true, value: await task() };
    } catch (err) {
      const delayMs = backoff.next();
      opts.logger.warn({ err, retry_in_ms: delayMs }, `${what} failed; retrying`);
      if (!(await abortableSleep(delayMs, opts.signal))) break;
    }
  }
  return { done: false };
}
