// Retry pacing for the job consumers: exponential with a cap and a little jitter, so
// consumers retrying against a recovering Redis do not hit it in lockstep.

export class ExponentialBackoff {
  private attempt = 0;
  constructor(
    private readonly initialMs: number,
    private readonly maxMs: number,
  ) {}

  /** The next delay: initial, ×2 each call, capped at max, ±10% jitter. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt += 1;
    const jitter = base * 0.1 * (Math.random() * 2 - 1);
    return Math.max(0, Math.round(Math.min(this.maxMs, base + jitter)));
  }
}

/** Sleep; resolves false at once when the signal aborts (true when the time passed). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
