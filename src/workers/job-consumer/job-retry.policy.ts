// How long a job waits (CONTRACT §1, docs/workers.md "Outages delay jobs"). A retryable
// result (a dependency unreachable, the game's lease held elsewhere) is retried with backoff
// for as long as it takes: the service writes no row for it (`deferRetryable`). Only once the
// job is older than the maximum age (when one is set) is the next call final: its outcome,
// whatever it is, is recorded by the service and answered. A service that throws is a bug: a
// few tries, then the job is answered `internal_error` so one bug cannot wedge the stream.
import { abortableSleep } from '../../timing/abortable-sleep.js';
import { Backoff, type BackoffSettings } from '../../timing/backoff.policy.js';
import { failed, isRetryableResult, type OperationResult } from '../../domain/operation-result.js';

/** What the consumer tells the service about this call (the operation context). */
export interface JobAttempt {
  /** Calls of this job that came before, all with a retryable outcome or a throw. */
  retries: number;
  /** True while the job may still wait: a retryable outcome then writes no operation_log row. */
  deferRetryable: boolean;
}

export interface JobRetrySettings {
  backoff: BackoffSettings;
  /** A job older than this is answered with its next outcome; null = it waits out any outage. */
  maxAgeMs: number | null;
  /** Throws of the service tolerated per job before it is answered internal_error. */
  maxThrows: number;
}

export type JobRetryOutcome = { kind: 'answered'; result: OperationResult; retries: number } | { kind: 'abandoned' };

export interface RetryNotice {
  retries: number;
  delayMs: number;
  /** The retryable error code, or `thrown`. */
  reason: string;
  problem: string;
}

export class JobRetryPolicy {
  constructor(
    private readonly settings: JobRetrySettings,
    private readonly signal: AbortSignal,
  ) {}

  /** Whether a job of this age may still wait for a retryable outcome to pass. */
  mayWait(ageMs: number): boolean {
    return this.settings.maxAgeMs === null || ageMs < this.settings.maxAgeMs;
  }

  /** Calls `execute` until its outcome is final; `abandoned` when the consumer stops first. */
  async run(
    execute: (attempt: JobAttempt) => Promise<OperationResult>,
    ageMs: () => number,
    onRetry: (notice: RetryNotice) => void,
  ): Promise<JobRetryOutcome> {
    const backoff = new Backoff(this.settings.backoff);
    let retries = 0;
    let throws = 0;
    for (;;) {
      const deferRetryable = this.mayWait(ageMs());
      let notice: Pick<RetryNotice, 'reason' | 'problem'>;
      try {
        const result = await execute({ retries, deferRetryable });
        if (!deferRetryable || !isRetryableResult(result)) return { kind: 'answered', result, retries };
        notice = { reason: result.errorCode ?? 'retryable', problem: result.errorMessage ?? '' };
      } catch (err) {
        throws += 1;
        const problem = err instanceof Error ? err.message : String(err);
        if (throws >= this.settings.maxThrows) return { kind: 'answered', result: crashed(throws, problem), retries };
        notice = { reason: 'thrown', problem };
      }
      if (this.signal.aborted) return { kind: 'abandoned' };
      retries += 1;
      const delayMs = backoff.next();
      onRetry({ ...notice, retries, delayMs });
      if (!(await abortableSleep(delayMs, this.signal))) return { kind: 'abandoned' };
    }
  }
}

function crashed(throws: number, problem: string): OperationResult {
  return failed('internal_error', `the service failed unexpectedly ${throws} times; last: ${problem}`);
}
