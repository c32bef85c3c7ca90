// Reconciling one game (CONTRACT §8, crash repairs of issue 9): under the game's lease,
// from a fresh read of the record and fresh inspects, bring record and Docker together:
//   remove half-made  owned container that never started, named by no record   -> removed (reconcile_dispose)
//   adopt             owned running container the record does not name         -> record it (never kill it)
//   mark stopped      running record, container exists but is not running      -> stopped
//   dispose           running/stopped record, container gone, nothing to adopt -> removed (+ container_disappeared if it was running)
//   close             a restart/patch marker left by a process that died       -> its outer row (failure, interrupted)
// The grace (containers younger than it are not drift yet) applies outside the startup
// pass only: at startup no start of this process is in flight, and the lease guards others'.
// A sync of the game (game-sync.service.ts) comes from news of the record's own container,
// so marking that one stopped needs no grace.
import { GAME_ID_LABEL, OWNER_LABEL, OWNER_VALUE } from '../../domain/container-spec.js';
import { containerNameFor, type RuntimeRecord } from '../../domain/runtime-record.js';
import type { ContainerInfo, ContainerState, ContainerSummary } from '../../ports/docker-runtime.js';
import type { GameLease } from '../../ports/game-lease.js';
import type { PendingOperation } from '../../ports/pending-operation.store.js';
import { describeError, dockerStep, storeStep } from '../pipeline/operation-failure.js';
import { ReconcileOperations, type DisappearanceSource, type ReconcileOperationsDeps } from './reconcile-operations.js';

export type ReconcileAction = 'adopted' | 'disposed' | 'markedStopped' | 'removedHalfMade' | 'closedInterrupted';

export interface GameReconcileOutcome {
  /** What was done, in order. */
  actions: ReconcileAction[];
  /** Left alone: an operation holds the lease, or the drift is younger than the grace. */
  skipped: 'busy' | 'grace' | null;
  /** An operation of this game failed (recorded; retried next pass). */
  failed: boolean;
}

export interface ReconcileGameRequest {
  gameId: string;
  /** The owned containers of this game in the pass's listing. */
  listed: readonly ContainerSummary[];
  /** The game's pending restart/patch marker, if the pass found one. */
  pending: PendingOperation | null;
  /** The startup pass (no grace), a periodic pass, or a sync of this game after news of its container. */
  trigger: 'startup' | 'periodic' | 'sync';
  /** Who noticed, should the record's container be gone (container_disappeared `source`); reconcile by default. */
  noticedBy?: DisappearanceSource;
}

export interface ReconcileGameDeps extends ReconcileOperationsDeps {
  settings: { enginePort: number; graceMs: number };
}

// Clearly stopped. `paused`, `restarting` and `removing` are transient or deliberate
// states that the inspect worker reports; the reconciler does not rewrite the record for them.
const NOT_RUNNING_STATES: readonly ContainerState[] = ['exited', 'dead', 'created'];

export class ReconcileGameService {
  private readonly operations: ReconcileOperations;

  constructor(private readonly deps: ReconcileGameDeps) {
    this.operations = new ReconcileOperations(deps);
  }

  /** The reconcile operations, for the events worker's removal (same rows, same rules). */
  get reconcileOperations(): ReconcileOperations {
    return this.operations;
  }

  /** Never throws: a failure is logged and reported (`failed`), and retried next pass. */
  async reconcile(request: ReconcileGameRequest): Promise<GameReconcileOutcome> {
    try {
      return await this.deps.pipeline.withLease(
        request.gameId,
        (lease) => new GamePass(this.deps, this.operations, lease, request).run(),
        async (failure) => {
          if (failure.code !== 'conflict') this.deps.logger.warn({ game_id: request.gameId, err: failure.message }, 'reconcile: lease acquisition failed');
          return { actions: [], skipped: failure.code === 'conflict' ? 'busy' : null, failed: failure.code !== 'conflict' };
        },
      );
    } catch (err) {
      this.deps.logger.error({ game_id: request.gameId, err: describeError(err) }, 'reconcile of one game failed');
      return { actions: [], skipped: null, failed: true };
    }
  }
}

/** One game's pass under its lease; collects what it did. */
class GamePass {
  private readonly outcome: GameReconcileOutcome = { actions: [], skipped: null, failed: false };

  constructor(
    private readonly deps: ReconcileGameDeps,
    private readonly ops: ReconcileOperations,
    private readonly lease: GameLease,
    private readonly request: ReconcileGameRequest,
  ) {}

  async run(): Promise<GameReconcileOutcome> {
    const { gameId } = this.request;
    let record = await storeStep('reading the runtime record', () => this.deps.records.get(gameId));
    await this.removeHalfMade(record);
    record = await this.repairRecord(record);
    if (this.request.pending && !this.outcome.failed) {
      const final = await storeStep('reading the runtime record', () => this.deps.records.get(gameId));
      if (await this.ops.closeInterrupted(this.lease, this.request.pending, final)) this.outcome.actions.push('closedInterrupted');
      else this.outcome.failed = true;
    }
    return this.outcome;
  }

  private async repairRecord(record: RuntimeRecord | null): Promise<RuntimeRecord | null> {
    const containerId = record?.currentContainerId ?? null;
    const info = containerId === null ? null : await this.inspect(containerId);
    if (record?.status === 'running' && containerId !== null && info !== null) {
      if (info.running || !NOT_RUNNING_STATES.includes(info.state)) return record;
      // Another engine of the game runs (Swarm: an in-place restart/patch cut short after its
      // forced update; the old task is kept, exited): it is the game's engine, not a stop.
      const successor = await this.adoptionCandidate(record);
      if (successor === 'grace') return this.skip('grace', record);
      if (successor !== null) return this.track(await this.ops.adopt(this.lease, record, successor), 'adopted');
      // A sync comes from news of this very container (it ended): no grace.
      if (this.request.trigger !== 'sync' && this.withinGrace(info.id)) return this.skip('grace', record);
      return this.track(await this.ops.markStopped(this.lease, record, info), 'markedStopped');
    }
    // No running record for a live container: adopt the game's running engine, if any.
    const candidate = await this.adoptionCandidate(record);
    if (candidate === 'grace') return this.skip('grace', record);
    if (candidate !== null) return this.track(await this.ops.adopt(this.lease, record, candidate), 'adopted');
    // The record names a container that is gone and nothing runs: the record is corrected.
    if (record !== null && containerId !== null && info === null && record.status !== 'removed')
      return this.track(await this.ops.disposeVanished(this.lease, record, this.request.noticedBy ?? 'reconcile'), 'disposed');
    return record;
  }

  /** Owned, never started, not the record's container: a start died between create and start. */
  private async removeHalfMade(record: RuntimeRecord | null): Promise<void> {
    for (const summary of this.request.listed) {
      if (summary.state !== 'created' || summary.id === record?.currentContainerId) continue;
      if (this.withinGrace(summary.id)) {
        this.skip('grace', record);
        continue;
      }
      const info = await this.inspect(summary.id);
      if (info === null || !this.isOwnedByGame(info) || info.state !== 'created' || info.startedAt !== null) continue;
      this.track(await this.ops.removeHalfMade(this.lease, record, info), 'removedHalfMade');
    }
  }

  /**
   * The owned running container of this game to adopt, re-inspected now: the one named
   * after the game if several run, else the newest. null when the record already names a
   * running one; 'grace' when the best one is too young.
   */
  private async adoptionCandidate(record: RuntimeRecord | null): Promise<ContainerInfo | 'grace' | null> {
    const name = containerNameFor(this.request.gameId);
    const ordered = this.request.listed
      .filter((c) => c.state === 'running' && !(record?.status === 'running' && c.id === record.currentContainerId))
      .sort((a, b) => Number(stripName(b.name) === name) - Number(stripName(a.name) === name) || b.createdAt.getTime() - a.createdAt.getTime());
    for (const summary of ordered) {
      const info = await this.inspect(summary.id);
      // Ownership and identity are checked again on the fresh inspect, not on the listing.
      if (!info || !info.running || !this.isOwnedByGame(info)) continue;
      if (this.withinGrace(summary.id)) return 'grace';
      if (ordered.length > 1)
        this.deps.logger.warn({ game_id: this.request.gameId, chosen: info.id, others: ordered.filter((c) => c.id !== info.id).map((c) => c.id) }, 'several owned engines run for one game; adopting one, leaving the others alone');
      return info;
    }
    return null;
  }

  private isOwnedByGame(info: ContainerInfo): boolean {
    return info.labels[OWNER_LABEL] === OWNER_VALUE && info.labels[GAME_ID_LABEL] === this.request.gameId;
  }

  private inspect(containerId: string): Promise<ContainerInfo | null> {
    return dockerStep('inspecting the container', 'internal_error', () => this.deps.docker.inspectContainer(containerId));
  }

  private withinGrace(containerId: string): boolean {
    if (this.request.trigger === 'startup') return false;
    const summary = this.request.listed.find((c) => c.id === containerId);
    return summary !== undefined && this.deps.clock.now().getTime() - summary.createdAt.getTime() < this.deps.settings.graceMs;
  }

  private skip(reason: 'grace', record: RuntimeRecord | null): RuntimeRecord | null {
    this.outcome.skipped = reason;
    return record;
  }

  private track(result: { outcome: string; record: RuntimeRecord | null }, action: ReconcileAction): RuntimeRecord | null {
    if (result.outcome === 'success') this.outcome.actions.push(action);
    else this.outcome.failed = true;
    return result.record;
  }
}

function stripName(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}
