// The one write path (docs/services.md "The pipeline"). Every change of a runtime record
// runs through `run`: validate -> per-game lease -> act through the ports (each record
// write checked against the domain's transition table by `writeRecord`) -> one
// operation_log row and one metric (OperationRecorder) -> a Result. Nothing but a Result
// leaves it: whatever a step throws is classified once (operation-failure.ts).
import type { OpKind } from '../../domain/operation.js';
import { failed, type OperationResult } from '../../domain/operation-result.js';
import type { RuntimeRecord, RuntimeStatus } from '../../domain/runtime-record.js';
import { isTransitionAllowed, type TransitionCause } from '../../domain/runtime-transitions.js';
import type { GameLease, GameLeases } from '../../ports/game-lease.js';
import type { PendingOperation, PendingOperationStore } from '../../ports/pending-operation.store.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import type { OperationContext } from '../operation-context.js';
import { LeaseRunner, assertLeaseHeld } from './lease-runner.js';
import { OperationFailure, asOperationFailure, describeError, storeStep } from './operation-failure.js';
import { OperationRecorder, outcomeOf, type OperationOutcome, type OperationRecorderDeps, type RecordedOperation } from './operation-recorder.js';
import { refuseInvalidGameId } from './request-validation.js';
import type { GameWorkQueue } from '../sync/game-work-queue.js';

export interface OperationPipelineDeps extends OperationRecorderDeps {
  leases: GameLeases;
  /** Only the multi-step operations (restart, patch) need it. */
  pendingOperations?: PendingOperationStore;
  /**
   * The per-game work queue (composition root): an operation that takes its own lease runs
   * in the game's turn, after the game's sync or operation in progress in this process,
   * instead of bouncing off its lease. Absent: the lease alone (tests).
   */
  queue?: Pick<GameWorkQueue, 'run'>;
}

/** What a running operation may read about itself (never write: its outcome is its return value). */
export type OperationView = Pick<RecordedOperation, 'scope' | 'startedAt' | 'attemptId' | 'log'>;

interface SpecBase {
  gameId: string;
  context: OperationContext;
  /** The image the row names unless the outcome says otherwise. */
  imageRef?: string | null;
  /** When the operation began, if not now (an interrupted one closed later). */
  startedAt?: Date;
  /** The row's first details (e.g. a stop's reason), recorded whatever happens next. */
  details?: Record<string, unknown>;
  /** Request checks made before the lease; throw OperationFailure (recorded, nothing touched). */
  validate?: () => void;
  /** The lease an outer operation (restart, patch, a reconcile pass) already holds. */
  heldLease?: GameLease;
  /** The operation's work under the lease: what it did (or it throws a failure that says nothing more). */
  act: (lease: GameLease, op: OperationView) => Promise<OperationOutcome>;
  /** After the row is written: what is published about the result. Never changes it (a throw is logged). */
  after?: (result: OperationResult, outcome: OperationOutcome, op: OperationView) => Promise<void>;
}

/**
 * A multi-step operation (one of PendingOperation's kinds) may keep a pending marker from
 * the lease to just before its row, so a crash in between is found and closed by the reconciler.
 */
export type OperationSpec = SpecBase & ({ opKind: OpKind; pending?: undefined } | { opKind: PendingOperation['opKind']; pending: true });

export class OperationPipeline {
  private readonly recorder: OperationRecorder;
  private readonly leaseRunner: LeaseRunner;

  constructor(private readonly deps: OperationPipelineDeps) {
    this.recorder = new OperationRecorder(deps);
    this.leaseRunner = new LeaseRunner(deps.leases);
  }

  async run(spec: OperationSpec): Promise<OperationResult> {
    const refused = refuseInvalidGameId(spec.gameId, spec.opKind, this.deps.logger);
    if (refused) return refused;
    // An inner step (heldLease) already runs in its outer operation's turn.
    if (this.deps.queue && !spec.heldLease) return this.deps.queue.run(spec.gameId, () => this.runNow(spec));
    return this.runNow(spec);
  }

  private async runNow(spec: OperationSpec): Promise<OperationResult> {
    const op = this.recorder.begin({
      gameId: spec.gameId,
      opKind: spec.opKind,
      context: spec.context,
      imageRef: spec.imageRef ?? null,
      ...(spec.startedAt ? { startedAt: spec.startedAt } : {}),
      ...(spec.details ? { details: spec.details } : {}),
    });
    const { outcome, result } = await this.act(spec, op);
    if (spec.after) {
      try {
        await spec.after(result, outcome, op);
      } catch (err) {
        op.log.error({ err: describeError(err) }, `${spec.opKind}: publishing after the row failed; the result stands`);
      }
    }
    return result;
  }

  /**
   * The lease step alone, for a caller that decides under one lease which operations to
   * run (a reconcile pass): `refused` answers when the lease cannot be taken.
   */
  withLease<T>(gameId: string, body: (lease: GameLease) => Promise<T>, refused: (failure: OperationFailure) => Promise<T>): Promise<T> {
    return this.leaseRunner.run(gameId, body, refused);
  }

  /** Validate, lease, body, row: the outcome and the recorded Result. */
  private async act(spec: OperationSpec, op: RecordedOperation): Promise<{ outcome: OperationOutcome; result: OperationResult }> {
    const finish = async (outcome: OperationOutcome) => ({ outcome, result: await op.finish(outcome) });
    const body = async (lease: GameLease) => {
      if (spec.pending) return this.whilePending(spec.opKind, op, () => spec.act(lease, op).catch(failureOutcome));
      return finish(await spec.act(lease, op).catch(failureOutcome));
    };
    try {
      spec.validate?.();
    } catch (err) {
      return finish(failureOutcome(err));
    }
    if (spec.heldLease) return body(spec.heldLease);
    return this.leaseRunner.run(spec.gameId, body, async (failure) => {
      // The lease runner refuses with `conflict` only when another operation holds the lease.
      if (failure.code === 'conflict') this.deps.metrics.leaseConflict(spec.opKind);
      return finish(failureOutcome(failure));
    });
  }

  /** The marker around the body; the row is written before the marker ends, both under the lease. */
  private async whilePending(
    opKind: PendingOperation['opKind'],
    op: RecordedOperation,
    act: () => Promise<OperationOutcome>,
  ): Promise<{ outcome: OperationOutcome; result: OperationResult }> {
    const store = this.deps.pendingOperations;
    const { gameId, context } = op.scope;
    const correlationId = context.correlationId;
    const recorded = async (outcome: OperationOutcome) => ({ outcome, result: await op.finish(outcome) });
    if (!store || !correlationId)
      return recorded(failureOutcome(new OperationFailure('internal_error', `${opKind} cannot be marked pending (no store or correlation id): a wiring bug`)));
    try {
      await storeStep('marking the operation pending', () =>
        store.begin({ gameId, opKind, opSource: context.opSource, correlationId, imageRef: op.scope.imageRef ?? null, startedAt: op.startedAt }),
      );
    } catch (err) {
      return recorded(failureOutcome(err));
    }
    const outcome = await act();
    // The row first, then the marker's end: a crash in between leaves the marker, and the
    // reconciler then finds the row and only clears it (no second row).
    const result = await op.finish(outcome);
    await store.end(gameId, correlationId).catch((err: unknown) => op.log.warn({ err: describeError(err) }, 'clearing the pending marker failed'));
    return { outcome, result };
  }
}

/** A failure thrown with nothing more known: no container, no record. */
function failureOutcome(err: unknown): OperationOutcome {
  return outcomeOf(resultOf(asOperationFailure(err), null));
}

/** What an operation's body knows so far: the outcome of a failure thrown after it carries it. */
export interface KnownSoFar {
  /** The record as found: a failure Result carries it. */
  found: RuntimeRecord | null;
  containerId: string | null;
  imageRef?: string | null;
  details: Record<string, unknown>;
}

/** Runs the rest of a body; a failure it throws becomes the outcome, with what `known` holds then. */
export async function carrying(known: KnownSoFar, work: () => Promise<OperationOutcome>): Promise<OperationOutcome> {
  try {
    return await work();
  } catch (err) {
    const { found, ...rest } = known;
    return outcomeOf(resultOf(asOperationFailure(err), found), { ...rest, details: { ...known.details } });
  }
}

/** The outcome of a body with what it knows: `written` is the record it wrote, if any. */
export function answered(known: KnownSoFar, result: OperationResult, written: RuntimeRecord | null = null): OperationOutcome {
  const { found: _found, ...rest } = known;
  return outcomeOf(result, { ...rest, details: { ...known.details }, written });
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
