// The startup reconcile must run before workers and consumers (CONTRACT §8) and needs
// Docker and PostgreSQL: it is retried (src/timing/retry.ts) until it succeeds or
// shutdown begins.
import type { Logger } from 'pino';
import type { BackoffSettings } from '../timing/backoff.policy.js';
import { retryWithBackoff, type Retried } from '../timing/retry.js';

export const STARTUP_RETRY_BACKOFF: BackoffSettings = { initialMs: 500, maxMs: 10_000 };

/** Runs `task` until it resolves (done) or `signal` aborts first (not done). */
export function retryUntilDone<T>(
  what: string,
  task: () => Promise<T>,
  opts: { signal: AbortSignal; logger: Logger; backoff?: BackoffSettings },
): Promise<Retried<T>> {
  return retryWithBackoff(task, {
    backoff: opts.backoff ?? STARTUP_RETRY_BACKOFF,
    signal: opts.signal,
    onRetry: (err, delayMs) => opts.logger.warn({ err, retry_in_ms: delayMs }, `${what} failed; retrying`),
  });
}
