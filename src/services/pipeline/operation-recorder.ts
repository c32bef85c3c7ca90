// The one recorder of every operation (lifecycle and reconcile alike): one operation_log
// row, then one metric and one final log line. A RecordedOperation is begun when the
// operation starts (startedAt) and finished exactly once; finishing twice is a bug.
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
  imageRef?: string | null;
  /** When the operation began, if not now (an interrupted restart closed by reconcile). */
  startedAt?: Date;
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
  imageRef: string | null;
  containerId: string | null = null;
  /** The record as the operation found it: a failure Result carries it. */
  found: RuntimeRecord | null = null;
  /** The record the operation wrote, once it did. */
  written: RuntimeRecord | null = null;
  readonly details: Record<string, unknown> = {};
  private finished = false;

  constructor(
    private readonly deps: OperationRecorderDeps,
    readonly scope: OperationScope,
  ) {
    this.startedAt = scope.startedAt ?? deps.clock.now();
    this.imageRef = scope.imageRef ?? null;
    const { opSource, correlationId } = scope.context;
    this.log = deps.logger.child({
      game_id: scope.gameId,
      op_kind: scope.opKind,
      op_source: opSource,
      ...(correlationId ? { correlation_id: correlationId } : {}),
    });
  }

  succeed(record: RuntimeRecord | null, replay = false): Promise<OperationResult> {
    return this.finish(succeeded(record, replay));
  }

  fail(failure: OperationFailure, record: RuntimeRecord | null = this.found): Promise<OperationResult> {
    return this.finish(failed(failure.code, failure.message, record, failure.retryable));
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

  async finish(result: OperationResult): Promise<OperationResult> {
    if (this.finished) throw new Error(`operation ${this.scope.opKind} on ${this.scope.gameId} finished twice`);
    this.finished = true;
    const { context } = this.scope;
    if (isRetryableResult(result) && context.deferRetryable === true) {
      this.log.info({ error_code: result.errorCode, retries: context.retries ?? 0 }, `${this.scope.opKind} deferred: retryable outcome, the caller retries`);
      return { ...result, retryable: true };
    }
    if (context.retries !== undefined) this.details.retries = context.retries;
    const finishedAt = this.deps.clock.now();
    const final = await this.append(result, finishedAt);
    const seconds = Math.max(0, (finishedAt.getTime() - this.startedAt.getTime()) / 1000);
    this.deps.metrics.operationCompleted({
      opKind: this.scope.opKind,
      opSource: context.opSource,
      outcome: final.outcome,
      durationSeconds: seconds,
      errorCode: final.errorCode,
    });
    const line = { outcome: final.outcome, error_code: final.errorCode, container_id: this.containerId, duration_s: seconds };
    if (final.outcome === 'success') this.log.info(line, `${this.scope.opKind} succeeded`);
    else if (final.errorCode === 'internal_error') this.log.error({ ...line, error_message: final.errorMessage }, `${this.scope.opKind} failed`);
    else this.log.warn({ ...line, error_message: final.errorMessage }, `${this.scope.opKind} failed`);
    return final;
  }

  private async append(result: OperationResult, finishedAt: Date): Promise<OperationResult> {
    try {
      await this.deps.operationLog.append({
        gameId: this.scope.gameId,
        opKind: this.scope.opKind,
        opSource: this.scope.context.opSource,
        outcome: result.outcome,
        errorCode: result.errorCode,
        errorMessage: result.errorMessage,
        imageRef: this.imageRef,
        containerId: this.containerId,
        correlationId: this.scope.context.correlationId ?? null,
        details: this.details,
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
