// One stream entry from decoded to answered: a rejection is counted; a malformed job is
// answered invalid_request; a job goes to its service through the retry policy, and its
// outcome is published on runtime:job_results (retried while Redis is away, the outcome kept:
// the service recorded it once and must not run again).
import type { Logger } from 'pino';
import { failed, isRetryableResult, type OperationResult } from '../../domain/operation-result.js';
import type { BackoffSettings } from '../../timing/backoff.policy.js';
import { retryWithBackoff } from '../../timing/retry.js';
import type { JobResult } from '../../ports/publishers.js';
import type { StreamEntry } from '../../ports/stream-reader.js';
import type { DecodedEntry, JobConsumerDefinition, JobConsumerDeps, JobSpan, TraceJob } from './stream-job-consumer.js';
import type { InfrastructureRetry } from './infrastructure-retry.js';
import { entryTimeMs } from '../../domain/stream-entry-id.js';

interface Answer {
  result: OperationResult;
  completedAt: Date;
  imageRef: string | null;
  retries: number;
}

const untraced: TraceJob = (_job, fn) => fn({ setAttribute: () => undefined });

export class JobRunner<J> {
  private readonly traceJob: TraceJob;

  constructor(
    private readonly deps: JobConsumerDeps,
    private readonly definition: JobConsumerDefinition<J>,
    private readonly policy: JobRetryPolicy,
    private readonly infrastructure: InfrastructureRetry,
    private readonly log: Logger,
  ) {
    this.traceJob = deps.traceJob ?? untraced;
  }

  /** True when the entry is fully handled (result published or rejection counted). */
  async run(entry: StreamEntry, decoded: DecodedEntry<J>): Promise<boolean> {
    // Redis ids carry the append time; an id without one counts as appended now (no age).
    const readAtMs = this.deps.clock.now().getTime();
    const appendedMs = entryTimeMs(entry.id);
    if (decoded.kind === 'rejected') {
      this.log.warn(
        { entry_id: entry.id, field_names: Object.keys(entry.fields), reason: decoded.reason, problem: decoded.message },
        'stream entry rejected: no valid game_id to answer to',
      );
      this.deps.metrics.streamEntryRejected(this.definition.label, decoded.reason);
      return true;
    }
    const log = this.log.child({ game_id: decoded.gameId, op_kind: this.definition.jobKind, entry_id: entry.id });
    const answered = await this.alreadyAnswered(entry.id, log);
    if (answered !== false) return answered === true;
    return this.traceJob({ messageId: entry.id, gameId: decoded.gameId, jobKind: this.definition.jobKind }, async (span) => {
      const answer = decoded.kind === 'invalid' ? this.malformed(decoded.message, entry, log) : await this.execute(decoded.job, appendedMs ?? readAtMs, log);
      if (answer === undefined) return false;
      return this.publish(entry.id, decoded.gameId, answer, span, log);
    });
  }

  /**
   * true: answered before (a previous leader published it and died before saving the offset),
   * so not run again; false: not yet; undefined: stopped while Redis was away.
   */
  private async alreadyAnswered(entryId: string, log: Logger): Promise<boolean | undefined> {
    const { answers } = this.deps;
    if (!answers) return false;
    const found = await this.infrastructure.run(`job ${entryId}`, () => answers.wasAnswered(this.definition.jobKind, entryId), log);
    if (found) log.info('job already answered (replayed after a crash before its offset was saved): not run again');
    return found;
  }

  private malformed(message: string, entry: StreamEntry, log: Logger): Answer {
    log.warn({ problem: message, field_names: Object.keys(entry.fields) }, 'malformed job: answering invalid_request');
    return { result: failed('invalid_request', message), completedAt: this.deps.clock.now(), imageRef: null, retries: 0 };
  }

  /** The service's final outcome, or undefined when the consumer stopped first (the job replays). */
  private async execute(job: J, appendedMs: number, log: Logger): Promise<Answer | undefined> {
    const { jobKind } = this.definition;
    const outcome = await this.policy.run(
      (attempt) => this.definition.execute(job, attempt),
      () => this.deps.clock.now().getTime() - appendedMs,
      (notice) => {
        this.deps.metrics.jobRetried(jobKind);
        const line = { retries: notice.retries, delay_ms: notice.delayMs, reason: notice.reason, problem: notice.problem };
        if (notice.reason === 'thrown') log.error(line, 'the service threw (a bug): retrying the job');
        else log.info(line, 'job delayed: retrying');
      },
    );
    if (outcome.kind === 'abandoned') {
      log.info('stopping while the job waits: it replays on the next start');
      return undefined;
    }
    return { result: outcome.result, completedAt: this.deps.clock.now(), imageRef: this.definition.requestedImageRef(job), retries: outcome.retries };
  }

  private async publish(jobId: string, gameId: string, answer: Answer, span: JobSpan, log: Logger): Promise<boolean> {
    const published = await this.infrastructure.run(`job ${jobId}`, () => this.deps.results.publish(this.toJobResult(jobId, gameId, answer)), log);
    if (published === undefined) return false;
    span.setAttribute('rtmanager.outcome', answer.result.outcome);
    if (answer.result.errorCode) span.setAttribute('rtmanager.error_code', answer.result.errorCode);
    log.info({ outcome: answer.result.outcome, error_code: answer.result.errorCode, retries: answer.retries }, 'job result published');
    return true;
  }

  private toJobResult(jobId: string, gameId: string, answer: Answer): JobResult {
    const { result } = answer;
    return {
      gameId,
      jobKind: this.definition.jobKind,
      jobId,
      outcome: result.outcome,
      errorCode: result.errorCode,
      errorMessage: result.errorMessage,
      containerId: result.record?.currentContainerId ?? null,
      engineEndpoint: result.record?.engineEndpoint ?? null,
      imageRef: result.record?.currentImageRef ?? answer.imageRef,
      completedAt: answer.completedAt,
    };
  }
}

// How long a job waits (CONTRACT §1, docs/workers.md "Outages delay jobs"). A retryable
// result (a dependency unreachable, the game's lease held elsewhere) is retried with backoff
// for as long as it takes: the service writes no row for it (`deferRetryable`). Only once the
// job is older than the maximum age (when one is set) is the next call final: its outcome,
// whatever it is, is recorded by the service and answered. A service that throws is a bug: a
// few tries, then the job is answered `internal_error` so one bug cannot wedge the stream.
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

  /** Calls `execute` until its outcome is final (retryWithBackoff); `abandoned` when the consumer stops first. */
  async run(
    execute: (attempt: JobAttempt) => Promise<OperationResult>,
    ageMs: () => number,
    onRetry: (notice: RetryNotice) => void,
  ): Promise<JobRetryOutcome> {
    let retries = 0;
    let throws = 0;
    let notice: Pick<RetryNotice, 'reason' | 'problem'> = { reason: '', problem: '' };
    /** The final result, or null when the call is to be retried (`notice` says why). */
    const attempt = async (): Promise<OperationResult | null> => {
      const deferRetryable = this.mayWait(ageMs());
      try {
        const result = await execute({ retries, deferRetryable });
        if (!deferRetryable || !isRetryableResult(result)) return result;
        notice = { reason: result.errorCode ?? 'retryable', problem: result.errorMessage ?? '' };
      } catch (err) {
        throws += 1;
        const problem = err instanceof Error ? err.message : String(err);
        if (throws >= this.settings.maxThrows) return crashed(throws, problem);
        notice = { reason: 'thrown', problem };
      }
      return null;
    };
    const outcome = await retryWithBackoff(attempt, {
      backoff: this.settings.backoff,
      signal: this.signal,
      firstEvenIfAborted: true, // a job taken before the stop is still tried once
      done: (result) => result !== null,
      onRetry: (_, delayMs) => {
        retries += 1;
        onRetry({ ...notice, retries, delayMs });
      },
    });
    return outcome.done && outcome.value !== null ? { kind: 'answered', result: outcome.value, retries } : { kind: 'abandoned' };
  }
}

function crashed(throws: number, problem: string): OperationResult {
  return failed('internal_error', `the service failed unexpectedly ${throws} times; last: ${problem}`);
}

/** Redis stream entry ids carry their append time (src/domain/stream-entry-id.ts). */
export { entryTimeMs };
