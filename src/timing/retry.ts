// The one retry loop of the codebase: try, and on failure wait the next Backoff step (cut
// short by the signal) and try again, until an attempt succeeds or the signal aborts. Every
// loop that retries against a dependency (startup, the consumers' infrastructure steps, the
// health recorder's queue, the listener's resync) is this function with its own settings.
import { abortableSleep } from './abortable-sleep.js';
import { Backoff, type BackoffSettings } from './backoff.policy.js';

export interface RetrySettings<T> {
  /** The pacing: settings (a fresh Backoff per call) or the caller's Backoff (to reset it on progress). */
  backoff: BackoffSettings | Backoff;
  signal: AbortSignal;
  /** Whether a resolved attempt is the end; every resolved attempt is, unless said. */
  done?: (value: T) => boolean;
  /** Wait one step before the first attempt too (a retry of something that just failed). */
  waitFirst?: boolean;
  /** Make the first attempt even when the signal has already aborted (work in flight finishes). */
  firstEvenIfAborted?: boolean;
  /** After a failed attempt that will be retried: `err` is undefined when it resolved but was not done. */
  onRetry?: (err: unknown, delayMs: number, attempt: number) => void;
  /** After a failed attempt that will not be retried because the signal aborted. */
  onAbandon?: (err: unknown) => void;
  /** The wait between attempts; resolves false when the signal aborted. abortableSleep unless said. */
  wait?: (delayMs: number, signal: AbortSignal) => Promise<boolean>;
}

export type Retried<T> = { done: true; value: T } | { done: false };

const NOT_DONE = Symbol('not done');

export async function retryWithBackoff<T>(attempt: () => Promise<T>, settings: RetrySettings<T>): Promise<Retried<T>> {
  const { signal, done = () => true, wait = abortableSleep } = settings;
  const backoff = settings.backoff instanceof Backoff ? settings.backoff : new Backoff(settings.backoff);
  if (settings.waitFirst && !(await wait(backoff.next(), signal))) return { done: false };
  for (let attempts = 1; ; attempts += 1) {
    if (signal.aborted && !(attempts === 1 && settings.firstEvenIfAborted)) return { done: false };
    let failure: unknown;
    try {
      const value = await attempt();
      if (done(value)) return { done: true, value };
      failure = NOT_DONE;
    } catch (err) {
      failure = err;
    }
    const err = failure === NOT_DONE ? undefined : failure;
    if (signal.aborted) {
      settings.onAbandon?.(err);
      return { done: false };
    }
    const delayMs = backoff.next();
    settings.onRetry?.(err, delayMs, attempts);
    if (!(await wait(delayMs, signal))) return { done: false };
  }
}
