// Retrying what fails for infrastructure reasons (reading the stream, loading or saving the
// offset, publishing a result): the same step again (src/timing/retry.ts), until it
// succeeds or the consumer stops. What is failing is kept for problem() (/readyz).
import type { Logger } from 'pino';
import type { Clock } from '../../ports/clock.js';
import type { BackoffSettings } from '../../timing/backoff.policy.js';
import { retryWithBackoff } from '../../timing/retry.js';

/** What is failing: reading, the offset, or one job (keyed by its entry id). */
export type Fault = 'read' | 'offset' | `job ${string}`;

export class InfrastructureRetry {
  private readonly faults = new Map<Fault, { since: Date; message: string }>();

  constructor(
    private readonly pacing: BackoffSettings,
    private readonly signal: AbortSignal,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /**
   * Runs `attempt` until it resolves. Returns undefined when the consumer stops first (so
   * `attempt` must not resolve to undefined itself). While stopping, one try is still made
   * (in-flight work should finish) but never retried; a read is not even tried.
   */
  async run<T>(fault: Fault, attempt: () => Promise<T>, log: Logger = this.log): Promise<T | undefined> {
    if (this.signal.aborted && fault === 'read') return undefined;
    const outcome = await retryWithBackoff(attempt, {
      backoff: this.pacing,
      signal: this.signal,
      firstEvenIfAborted: true,
      onRetry: (err, delayMs) => {
        this.report(fault, err);
        log.warn({ err, retry_in_ms: delayMs, fault }, 'infrastructure failure: retrying the same entry');
      },
      onAbandon: (err) => log.warn({ err }, 'infrastructure failure while stopping: abandoning (replays on next start)'),
    });
    if (!outcome.done) return undefined;
    this.faults.delete(fault);
    return outcome.value;
  }

  report(fault: Fault, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const existing = this.faults.get(fault);
    this.faults.set(fault, { since: existing?.since ?? this.clock.now(), message });
  }

  /** The oldest fault still failing, in words, or null. */
  problem(label: string): string | null {
    const [first] = [...this.faults.entries()].sort((a, b) => a[1].since.getTime() - b[1].since.getTime());
    if (!first) return null;
    const [fault, { since, message }] = first;
    const what = fault === 'read' ? 'reading the stream' : fault === 'offset' ? 'loading/saving the offset' : `processing ${fault}`;
    return `${label}: ${what} failing since ${since.toISOString()}: ${message}`;
  }
}
