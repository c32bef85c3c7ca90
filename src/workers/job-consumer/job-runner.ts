// One stream entry from decoded to answered: a rejection is counted; a malformed job is
// answered invalid_request; a job goes to its service through the retry policy, and its
// outcome is published on runtime:job_results (retried while Redis is away, the outcome kept:
// the service recorded it once and must not run again).
import type { Logger } from 'pino';
import { failed, type OperationResult } from '../../domain/operation-result.js';
import type { JobResult } from '../../ports/publishers.js';
import type { StreamEntry } from '../../ports/stream-reader.js';
import type { DecodedEntry } from './decoded-entry.js';
import type { JobConsumerDefinition, JobConsumerDeps, JobSpan, TraceJob } from './job-consumer.definition.js';
import type { JobRetryPolicy } from './job-retry.policy.js';
import type { InfrastructureRetry } from './infrastructure-retry.js';
import { entryTimeMs } from './stream-entry-id.js';

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
    return this.traceJob({ messageId: entry.id, gameId: decoded.gameId, jobKind: this.definition.jobKind }, async (span) => {
      const answer = decoded.kind === 'invalid' ? this.malformed(decoded.message, entry, log) : await this.execute(decoded.job, appendedMs ?? readAtMs, log);
      if (answer === undefined) return false;
      return this.publish(entry.id, decoded.gameId, answer, span, log);
    });
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
