// The one write path (docs/services.md "The pipeline"). Every change of a runtime record
// runs through `run`: validate -> per-game lease -> act through the ports (each record
// write checked against the domain's transition table by `writeRecord`) -> one
// operation_log row and one metric (OperationRecorder) -> a Result. Nothing but a Result
// leaves it: whatever a step throws is classified once (operation-failure.ts).
import type { Logger } from 'pino';
import type { OpKind } from '../../domain/operation.js';
import { failed, type OperationResult } from '../../domain/operation-result.js';
import type { RuntimeRecord, RuntimeStatus } from '../../domain/runtime-record.js';
import { isTransitionAllowed, type TransitionCause } from '../../domain/runtime-transitions.js';
import type { GameLease, GameLeases } from '../../ports/game-lease.js';
import type { PendingOperationStore } from '../../ports/pending-operation.store.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import type { OperationContext } from '../operation-context.js';
import { LeaseRunner, assertLeaseHeld } from './lease-runner.js';
import { OperationFailure, asOperationFailure, describeError, storeStep } from './operation-failure.js';
import { OperationRecorder, type OperationRecorderDeps, type RecordedOperation } from './operation-recorder.js';
import { refuseInvalidGameId } from './request-validation.js';

export interface OperationPipelineDeps extends OperationRecorderDeps {
  leases: GameLeases;
  /** Only the multi-step operations (restart, patch) need it. */
  pendingOperations?: PendingOperationStore;
}

export interface OperationSpec {
  gameId: string;
  opKind: OpKind;
  context: OperationContext;
  imageRef?: unknown;
  /** When the operation began, if not now (an interrupted one closed later). */
  startedAt?: Date;
  /** The row's first details (e.g. a stop's reason), recorded whatever happens next. */
  details?: Record<string, unknown>;
  /**
   * A multi-step operation (restart, patch): a pending marker is kept from the lease to
   * just before its row, so a crash in between is found and closed by the reconciler.
   */
  pending?: true;
  /** Request checks made before the lease; throw OperationFailure (recorded, nothing touched). */
  validate?: () => void;
  /** The lease an outer operation (restart, patch, a reconcile pass) already holds. */
  heldLease?: GameLease;
  /** The operation's work under the lease: the Result to record (or it throws). */
  act: (op: RecordedOperation, lease: GameLease) => Promise<OperationResult>;
  /** After the row is written: what is published about the outcome. Never changes it. */
  after?: (result: OperationResult, op: RecordedOperation) => Promise<void>;
}

export class OperationPipeline {
  private readonly recorder: OperationRecorder;
  private readonly leaseRunner: LeaseRunner;

  constructor(private readonly deps: OperationPipelineDeps) {
    this.recorder = new OperationRecorder(deps);
    this.leaseRunner = new LeaseRunner(deps.leases, deps.logger);
  }

  get logger(): Logger {
    return this.deps.logger;
  }

  async run(spec: OperationSpec): Promise<OperationResult> {
    const refused = refuseInvalidGameId(spec.gameId, spec.opKind, this.deps.logger);
    if (refused) return refused;
    const op = this.recorder.begin({
      gameId: spec.gameId,
      opKind: spec.opKind,
      context: spec.context,
      imageRef: typeof spec.imageRef === 'string' ? spec.imageRef : null,
      ...(spec.startedAt ? { startedAt: spec.startedAt } : {}),
    });
    Object.assign(op.details, spec.details);
    const acted = await this.act(spec, op);
    // A pending (multi-step) operation wrote its row under its lease already (whilePending).
    const result = op.isFinished ? acted : await op.finish(acted);
    if (spec.after) await spec.after(result, op);
    return result;
  }

  /**
   * The lease step alone, for a caller that decides under one lease which operations to
   * run (a reconcile pass): `refused` answers when the lease cannot be taken.
   */
  withLease<T>(gameId: string, body: (lease: GameLease) => Promise<T>, refused: (failure: OperationFailure) => Promise<T>): Promise<T> {
    return this.leaseRunner.run(gameId, body, refused);
  }

  private async act(spec: OperationSpec, op: RecordedOperation): Promise<OperationResult> {
    const body = (lease: GameLease) =>
      (spec.pending ? this.whilePending(op, () => spec.act(op, lease)) : spec.act(op, lease)).catch((err: unknown) =>
        resultOf(asOperationFailure(err), op.found),
      );
    try {
      spec.validate?.();
    } catch (err) {
      return resultOf(asOperationFailure(err), null);
    }
    if (spec.heldLease) return body(spec.heldLease);
    return this.leaseRunner.run(spec.gameId, body, async (failure) => {
      // The lease runner refuses with `conflict` only when another operation holds the lease.
      if (failure.code === 'conflict') this.deps.metrics.leaseConflict(spec.opKind);
      return resultOf(failure, null);
    });
  }

  private async whilePending(op: RecordedOperation, act: () => Promise<OperationResult>): Promise<OperationResult> {
    const store = this.deps.pendingOperations;
    const correlationId = op.scope.context.correlationId;
    const opKind = op.scope.opKind;
    if (!store || !correlationId || (opKind !== 'restart' && opKind !== 'patch'))
      throw new OperationFailure('internal_error', `${opKind} cannot be marked pending (no store or correlation id): a wiring bug`);
    const { gameId, context } = op.scope;
    await storeStep('marking the operation pending', () =>
      store.begin({ gameId, opKind, opSource: context.opSource, correlationId, imageRef: op.imageRef, startedAt: op.startedAt }),
    );
    let result: OperationResult;
    try {
      result = await act();
    } catch (err) {
      result = resultOf(asOperationFailure(err), op.found);
    }
    // The row first, then the marker's end, both under the lease: a crash in between leaves
    // the marker, and the reconciler then finds the row and only clears it (no second row).
    const final = await op.finish(result);
    await store.end(gameId, correlationId).catch((err: unknown) => op.log.warn({ err: describeError(err) }, 'clearing the pending marker failed'));
    return final;
  }
}

export function resultOf(failure: OperationFailure, record: RuntimeRecord | null): OperationResult {
  return failed(failure.code, failure.message, record, failure.retryable);
}

export interface RecordWrite {
  from: RuntimeStatus | null;
  to: RuntimeStatus;
  by: TransitionCause;
}

/**
 * Every write of a runtime record: the transition must be in the domain table (anything
 * else is a bug in the calling operation: `internal_error`, nothing written), and the
 * lease must still be ours. `write` returns null when its compare-and-swap missed.
 */
export async function writeRecord<T extends RuntimeRecord | null>(lease: GameLease, change: RecordWrite, write: () => Promise<T>): Promise<T> {
  if (!isTransitionAllowed(change.from, change.to, change.by))
    throw new OperationFailure(
      'internal_error',
      `transition ${change.from ?? '(no record)'} -> ${change.to} by ${change.by} is not in the transition table (docs/domain-and-ports.md); nothing was written`,
    );
  assertLeaseHeld(lease);
  return storeStep('writing the runtime record', write);
}

export interface StatusChange extends RecordWrite {
  from: RuntimeStatus;
  gameId: string;
  /** The compare-and-swap guard: the container the record must still name. */
  containerId: string | null;
  at: Date;
}

/**
 * A status-only write (stop, cleanup, mark stopped, dispose): checked like every write,
 * compare-and-swap on container and status. A missed swap means someone changed the record
 * since it was read: `conflict`, nothing overwritten.
 */
export async function changeStatus(lease: GameLease, records: Pick<RuntimeRecordStore, 'updateStatus'>, change: StatusChange): Promise<RuntimeRecord> {
  const changed = await writeRecord(lease, change, () =>
    records.updateStatus({ gameId: change.gameId, expectedContainerId: change.containerId, expectedStatus: change.from, to: change.to, at: change.at }),
  );
  if (changed === null) throw new OperationFailure('conflict', `the runtime record changed during ${change.by}; it was not overwritten`);
  return changed;
}
