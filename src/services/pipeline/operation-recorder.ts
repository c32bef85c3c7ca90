// The one recorder of every operation (lifecycle and reconcile alike): one operation_log
// row, then one metric and one final log line. A RecordedOperation is begun when the
// operation starts (startedAt) and finished exactly once with what the operation returned
// (its OperationOutcome: the row is written from that value, nothing else); finishing twice is a bug.
// Deferral (OperationContext.deferRetryable): a retryable outcome writes nothing and is
// returned marked `retryable: true`, so a job retried N times leaves one row.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { OpKind } from '../../domain/operation.js';
import { failed, isRetryableResult, succeeded, type OperationResult } from '../../domain/operation-result.js';
import type { RuntimeRecord } from '../../domain/runtime-record.js';
import type { Clock } from '../../ports/clock.js';
import type { Metrics } from '../../ports/metrics.js';
import type { OperationLogStore } from '../../ports/operation-log.store.js';
import type { OperationContext } from '../operation-context.js';
import { describeError, type OperationFailure } from './operation-failure.js';

export interface OperationRecorderDeps {
  operationLog: OperationLogStore;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
}

export interface OperationScope {
  gameId: string;
  opKind: OpKind;
  context: OperationContext;
  /** The image the row names unless the outcome says otherwise (e.g. the requested one). */
  imageRef?: string | null;
  /** When the operation began, if not now (an interrupted restart closed by reconcile). */
  startedAt?: Date;
  /** The row's first details (e.g. a stop's reason), recorded whatever happens next. */
  details?: Record<string, unknown>;
}

/** What an operation did, as its body returns it: the Result and what the row says about it. */
export interface OperationOutcome {
  result: OperationResult;
  /** The container the operation touched (the row's container_id); null when none. */
  containerId: string | null;
  /** The image the row names, when the body learned it (else the scope's). */
  imageRef?: string | null;
  /** The record the operation wrote; null when it wrote none. */
  written: RuntimeRecord | null;
  /** Row details learned on the way (added to the scope's). */
  details: Record<string, unknown>;
}

/** An outcome from a Result, with what else the body knows. */
export function outcomeOf(result: OperationResult, known: Partial<Omit<OperationOutcome, 'result'>> = {}): OperationOutcome {
  return { containerId: null, written: null, details: {}, ...known, result };
}

export class OperationRecorder {
  constructor(private readonly deps: OperationRecorderDeps) {}

  begin(scope: OperationScope): RecordedOperation {
    return new RecordedOperation(this.deps, scope);
  }
}

export class RecordedOperation {
  readonly startedAt: Date;
  /** Unique per attempt: idempotency keys of what this attempt publishes. */
  readonly attemptId = randomUUID();
  readonly log: Logger;
  private finished = false;

  constructor(
    private readonly deps: OperationRecorderDeps,
    readonly scope: OperationScope,
  ) {
    this.startedAt = scope.startedAt ?? deps.clock.now();
    const { opSource, correlationId } = scope.context;
    this.log = deps.logger.child({
      game_id: scope.gameId,
      op_kind: scope.opKind,
      op_source: opSource,
      ...(correlationId ? { correlation_id: correlationId } : {}),
    });
  }

  succeed(record: RuntimeRecord | null, replay = false): Promise<OperationResult> {
    return this.finish(outcomeOf(succeeded(record, replay)));
  }

  fail(failure: OperationFailure, record: RuntimeRecord | null): Promise<OperationResult> {
    return this.finish(outcomeOf(failed(failure.code, failure.message, record, failure.retryable)));
  }

  /**
   * Appends the row and reports the metric. When the row cannot be written the outcome
   * is not durably recorded, so the caller gets `service_unavailable` (a retry is safe:
   * every operation is idempotent) — see docs/services.md "Recording".
   */
  /** Whether the row (or the deferral) is done. */
  get isFinished(): boolean {
    return this.finished;
  }

  async finish(outcome: OperationOutcome): Promise<OperationResult> {
    if (this.finished) throw new Error(`operation ${this.scope.opKind} on ${this.scope.gameId} finished twice`);
    this.finished = true;
    const { result } = outcome;
    const { context } = this.scope;
    if (isRetryableResult(result) && context.deferRetryable === true) {
      this.log.info({ error_code: result.errorCode, retries: context.retries ?? 0 }, `${this.scope.opKind} deferred: retryable outcome, the caller retries`);
      return { ...result, retryable: true };
    }
    const finishedAt = this.deps.clock.now();
    const final = await this.append(outcome, finishedAt);
    const seconds = Math.max(0, (finishedAt.getTime() - this.startedAt.getTime()) / 1000);
    this.deps.metrics.operationCompleted({
      opKind: this.scope.opKind,
      opSource: context.opSource,
      outcome: final.outcome,
      durationSeconds: seconds,
      errorCode: final.errorCode,
    });
    const line = { outcome: final.outcome, error_code: final.errorCode, container_id: outcome.containerId, duration_s: seconds };
    if (final.outcome === 'success') this.log.info(line, `${this.scope.opKind} succeeded`);
    else if (final.errorCode === 'internal_error') this.log.error({ ...line, error_message: final.errorMessage }, `${this.scope.opKind} failed`);
    else this.log.warn({ ...line, error_message: final.errorMessage }, `${this.scope.opKind} failed`);
    return final;
  }

  private async append(outcome: OperationOutcome, finishedAt: Date): Promise<OperationResult> {
    const { result } = outcome;
    const { context } = this.scope;
    const details = { ...this.scope.details, ...outcome.details, ...(context.retries !== undefined ? { retries: context.retries } : {}) };
    try {
      await this.deps.operationLog.append({
        gameId: this.scope.gameId,
        opKind: this.scope.opKind,
        opSource: this.scope.context.opSource,
        outcome: result.outcome,
        errorCode: result.errorCode,
        errorMessage: result.errorMessage,
        imageRef: outcome.imageRef !== undefined ? outcome.imageRef : (this.scope.imageRef ?? null),
        containerId: outcome.containerId,
        correlationId: context.correlationId ?? null,
        details,
        startedAt: this.startedAt,
        finishedAt,
      });
      return result;
    } catch (err) {
      this.log.error(
        { err: describeError(err), outcome: result.outcome, error_code: result.errorCode },
        'operation_log append failed; reporting service_unavailable',
      );
      return failed(
        'service_unavailable',
        `the operation ended with ${result.outcome}${result.errorCode ? ` (${result.errorCode})` : ''} but could not be recorded: ${describeError(err)}`,
        result.record,
        true,
      );
    }
  }
}
