// One operation_log row per operation, plus its metric and its final log line. A
// RecordedOperation is begun when the operation starts (startedAt) and finished exactly
// once; finishing twice is a bug and throws.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { OpKind, OpSource } from '../../domain/operation.js';
import { failed, isRetryableResult, succeeded, type OperationResult } from '../../domain/operation-result.js';
import type { RuntimeRecord } from '../../domain/runtime-record.js';
import type { Clock } from '../../ports/clock.js';
import type { Metrics } from '../../ports/metrics.js';
import type { OperationLogStore } from '../../ports/operation-log.store.js';
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
  opSource: OpSource;
  correlationId: string | null;
  imageRef?: string | null;
  /** See src/services/operation-context.ts: earlier calls of the same job, and whether to defer. */
  retries?: number;
  deferRetryable?: boolean;
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
  readonly details: Record<string, unknown> = {};
  private finished = false;

  constructor(
    private readonly deps: OperationRecorderDeps,
    readonly scope: OperationScope,
  ) {
    this.startedAt = deps.clock.now();
    this.imageRef = scope.imageRef ?? null;
    this.log = deps.logger.child({
      game_id: scope.gameId,
      op_kind: scope.opKind,
      op_source: scope.opSource,
      ...(scope.correlationId ? { correlation_id: scope.correlationId } : {}),
    });
  }

  succeed(record: RuntimeRecord | null, replay = false): Promise<OperationResult> {
    return this.finish(succeeded(record, replay));
  }

  fail(failure: OperationFailure, record: RuntimeRecord | null): Promise<OperationResult> {
    return this.finish(failed(failure.code, failure.message, record, failure.retryable));
  }

  /**
   * Appends the row and reports the metric. When the row cannot be written the outcome
   * is not durably recorded, so the caller gets `service_unavailable` (a retry is safe:
   * every operation is idempotent) — see docs/services.md "Recording".
   */
  async finish(result: OperationResult): Promise<OperationResult> {
    if (this.finished) throw new Error(`operation ${this.scope.opKind} on ${this.scope.gameId} finished twice`);
    this.finished = true;
    if (this.scope.deferRetryable === true && isRetryableResult(result)) {
      // The caller retries: only the call that ends the job is recorded (OperationContext).
      this.log.debug({ error_code: result.errorCode, retries: this.scope.retries ?? 0 }, `${this.scope.opKind} deferred: retryable outcome`);
      return { ...result, retryable: true };
    }
    if (this.scope.retries !== undefined) this.details.retries = this.scope.retries;
    const finishedAt = this.deps.clock.now();
    let final = result;
    try {
      await this.deps.operationLog.append({
        gameId: this.scope.gameId,
        opKind: this.scope.opKind,
        opSource: this.scope.opSource,
        outcome: result.outcome,
        errorCode: result.errorCode,
        errorMessage: result.errorMessage,
        imageRef: this.imageRef,
        containerId: this.containerId,
        correlationId: this.scope.correlationId,
        details: this.details,
        startedAt: this.startedAt,
        finishedAt,
      });
    } catch (err) {
      this.log.error(
        { err: describeError(err), outcome: result.outcome, error_code: result.errorCode },
        'operation_log append failed; reporting service_unavailable',
      );
      final = failed(
        'service_unavailable',
        `the operation ended with ${result.outcome}${result.errorCode ? ` (${result.errorCode})` : ''} but could not be recorded: ${describeError(err)}`,
        result.record,
      );
    }
    const seconds = Math.max(0, (finishedAt.getTime() - this.startedAt.getTime()) / 1000);
    this.deps.metrics.operationCompleted(this.scope.opKind, final.outcome, seconds);
    const line = { outcome: final.outcome, error_code: final.errorCode, container_id: this.containerId, duration_s: seconds };
    if (final.outcome === 'success') this.log.info(line, `${this.scope.opKind} succeeded`);
    else if (final.errorCode === 'internal_error') this.log.error({ ...line, error_message: final.errorMessage }, `${this.scope.opKind} failed`);
    else this.log.warn({ ...line, error_message: final.errorMessage }, `${this.scope.opKind} failed`);
    return final;
  }
}
