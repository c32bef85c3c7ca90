// Drift reconciliation (CONTRACT §8), once at startup (blocking, before consumers and
// workers) and then periodically. Every decision is taken under the game's lease from a
// fresh read of the record and a fresh inspect, so it never races an operation:
//   adopt        owned running container, no running record for it  -> record it (never kill it)
//   dispose      running record, container gone                      -> removed + container_disappeared
//   mark stopped running record, container exists but not running    -> stopped
// Kinds, grace and ownership rules: docs/workers.md.
import type { Logger } from 'pino';
import { GAME_ID_LABEL, IMAGE_REF_LABEL, OWNER_LABEL, OWNER_VALUE } from '../../domain/container-spec.js';
import { isValidGameId } from '../../domain/game-id.js';
import { containerNameFor, engineEndpointFor, type RuntimeRecord } from '../../domain/runtime-record.js';
import type { Clock } from '../../ports/clock.js';
import type { ContainerInfo, ContainerState, ContainerSummary, DockerRuntime } from '../../ports/docker-runtime.js';
import type { GameLeases } from '../../ports/game-lease.js';
import type { Metrics } from '../../ports/metrics.js';
import type { OperationLogStore } from '../../ports/operation-log.store.js';
import type { HealthEventRecorder } from '../../services/health/record-health-event.service.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import type { StateDirectories } from '../../ports/state-directory.js';
import type { BackgroundWorker } from '../background-worker.js';
import { PeriodicTask } from '../periodic-task.js';
import { listRunningRecords } from '../running-records.js';
import { ReconcileOperationLog } from './reconcile-operation.log.js';
import { VanishedRuntimeDisposer } from './vanished-runtime.disposer.js';

export interface ReconcilerSettings {
  intervalMs: number;
  /** Containers younger than this are not drift yet (an operation may be finishing). */
  graceMs: number;
  enginePort: number;
}

export interface ReconcilerDeps {
  docker: Pick<DockerRuntime, 'listOwnedContainers' | 'inspectContainer'>;
  records: Pick<RuntimeRecordStore, 'get' | 'list' | 'upsert' | 'updateStatus'>;
  operationLog: OperationLogStore;
  health: HealthEventRecorder;
  leases: GameLeases;
  stateDirectories: Pick<StateDirectories, 'pathFor'>;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  settings: ReconcilerSettings;
}

export interface ReconcileReport {
  /** Games whose running container got a record (reconcile_adopt). */
  adopted: string[];
  /** Games whose running record lost its container (reconcile_dispose). */
  disposed: string[];
  /** Games whose running record's container was found not running (reconcile_mark_stopped). */
  markedStopped: string[];
  /** Games left alone this round because an operation holds the lease. */
  skippedBusy: string[];
  /** Games left alone because the drift is younger than the grace period. */
  skippedGrace: string[];
  /** Games whose reconciliation failed (logged; retried next round). */
  failed: string[];
  durationMs: number;
}

// Clearly stopped. `paused`, `restarting` and `removing` are transient or deliberate
// states that the inspect worker reports; the reconciler does not rewrite the record for them.
const NOT_RUNNING_STATES: readonly ContainerState[] = ['exited', 'dead', 'created'];

type GameOutcome = 'adopted' | 'disposed' | 'markedStopped' | 'skippedGrace' | 'none';

export class ReconcilerWorker implements BackgroundWorker {
  readonly name = 'reconciler';
  private readonly log: Logger;
  private readonly task: PeriodicTask;
  private readonly disposer: VanishedRuntimeDisposer;

  private readonly operations: ReconcileOperationLog;

  constructor(private readonly deps: ReconcilerDeps) {
    this.log = deps.logger.child({ worker: this.name });
    this.operations = new ReconcileOperationLog(deps);
    this.disposer = new VanishedRuntimeDisposer({
      records: deps.records,
      operationLog: deps.operationLog,
      health: deps.health,
      metrics: deps.metrics,
      clock: deps.clock,
      logger: this.log,
    });
    this.task = new PeriodicTask({
      name: this.name,
      intervalMs: deps.settings.intervalMs,
      // The startup pass is run by the composition root (reconcileOnce); the loop follows it.
      runImmediately: false,
      round: async () => {
        await this.reconcileOnce();
      },
      logger: this.log,
    });
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /**
   * One pass over all owned containers and running records. Throws only when Docker or
   * the record store cannot be listed at all; a failure for one game is logged, counted
   * in the report and retried next pass.
   */
  async reconcileOnce(): Promise<ReconcileReport> {
    const started = Date.now();
    const report: ReconcileReport = { adopted: [], disposed: [], markedStopped: [], skippedBusy: [], skippedGrace: [], failed: [], durationMs: 0 };
    const containers = (await this.deps.docker.listOwnedContainers()).filter(isOwnedGameContainer);
    const running = await listRunningRecords(this.deps.records);

    const byGame = new Map<string, ContainerSummary[]>();
    for (const c of containers) {
      const gameId = c.labels[GAME_ID_LABEL] as string;
      byGame.set(gameId, [...(byGame.get(gameId) ?? []), c]);
    }
    const games = new Set<string>(running.map((r) => r.gameId));
    for (const [gameId, list] of byGame) if (list.some((c) => c.state === 'running')) games.add(gameId);

    for (const gameId of [...games].sort()) {
      const lease = await this.deps.leases.tryAcquire(gameId).catch((err: unknown) => {
        this.log.warn({ err, game_id: gameId }, 'lease acquisition failed');
        return undefined;
      });
      if (lease === undefined) {
        report.failed.push(gameId);
        continue;
      }
      if (lease === null) {
        report.skippedBusy.push(gameId);
        continue;
      }
      try {
        const outcome = await this.reconcileGame(gameId, byGame.get(gameId) ?? []);
        if (outcome !== 'none') report[outcome].push(gameId);
      } catch (err) {
        report.failed.push(gameId);
        this.log.error({ err, game_id: gameId }, 'reconcile of one game failed');
      } finally {
        await lease.release().catch((err: unknown) => this.log.warn({ err, game_id: gameId }, 'lease release failed'));
      }
    }
    report.durationMs = Date.now() - started;
    const changed = report.adopted.length + report.disposed.length + report.markedStopped.length;
    this.log[changed > 0 || report.failed.length > 0 ? 'info' : 'debug'](
      { ...report, containers: containers.length, running_records: running.length },
      'reconcile pass finished',
    );
    return report;
  }

  /** Under the game's lease: re-read, re-inspect, act on at most one drift. */
  private async reconcileGame(gameId: string, listed: ContainerSummary[]): Promise<GameOutcome> {
    const record = await this.deps.records.get(gameId);
    if (record?.status === 'running' && record.currentContainerId) {
      const info = await this.deps.docker.inspectContainer(record.currentContainerId);
      if (info) {
        if (info.running || !NOT_RUNNING_STATES.includes(info.state)) {
          this.warnAboutExtraRunning(gameId, record.currentContainerId, listed);
          return 'none';
        }
        if (this.withinGrace(listed.find((c) => c.id === info.id))) return 'skippedGrace';
        return (await this.markStopped(record, info)) ? 'markedStopped' : 'none';
      }
      // The record's container is gone. If another owned engine of this game runs (an
      // operation that crashed after creating it), it becomes the record's container;
      // otherwise the record is disposed.
      const replacement = await this.adoptionCandidate(gameId, listed);
      if (replacement === 'grace') return 'skippedGrace';
      if (replacement) {
        await this.adopt(gameId, record, replacement);
        return 'adopted';
      }
      return (await this.disposer.dispose(record, record.currentContainerId, 'reconcile')) ? 'disposed' : 'none';
    }
    const candidate = await this.adoptionCandidate(gameId, listed);
    if (candidate === 'grace') return 'skippedGrace';
    if (!candidate) return 'none';
    await this.adopt(gameId, record, candidate);
    return 'adopted';
  }

  private withinGrace(summary: ContainerSummary | undefined): boolean {
    return summary !== undefined && this.deps.clock.now().getTime() - summary.createdAt.getTime() < this.deps.settings.graceMs;
  }

  /**
   * The owned running container of this game to adopt, re-inspected now: the one named
   * after the game if several run, else the newest. 'grace' when the best one is too young.
   */
  private async adoptionCandidate(gameId: string, listed: ContainerSummary[]): Promise<ContainerInfo | 'grace' | null> {
    const name = containerNameFor(gameId);
    const ordered = listed
      .filter((c) => c.state === 'running')
      .sort((a, b) => Number(stripName(b.name) === name) - Number(stripName(a.name) === name) || b.createdAt.getTime() - a.createdAt.getTime());
    for (const summary of ordered) {
      const info = await this.deps.docker.inspectContainer(summary.id);
      // Ownership and identity are checked again on the fresh inspect, not on the listing.
      if (!info || !info.running || info.labels[OWNER_LABEL] !== OWNER_VALUE || info.labels[GAME_ID_LABEL] !== gameId) continue;
      if (this.withinGrace(summary)) return 'grace';
      if (ordered.length > 1) {
        this.log.warn({ game_id: gameId, chosen: info.id, others: ordered.filter((c) => c.id !== info.id).map((c) => c.id) }, 'several owned engines run for one game; adopting one, leaving the others alone');
      }
      return info;
    }
    return null;
  }

  private warnAboutExtraRunning(gameId: string, currentId: string, listed: ContainerSummary[]): void {
    const extra = listed.filter((c) => c.state === 'running' && c.id !== currentId).map((c) => c.id);
    if (extra.length > 0) this.log.warn({ game_id: gameId, current_container_id: currentId, extra_containers: extra }, 'owned engines run beside the recorded one; left alone');
  }

  private async adopt(gameId: string, previous: RuntimeRecord | null, info: ContainerInfo): Promise<void> {
    const { records, clock, settings, stateDirectories } = this.deps;
    const startedAt = clock.now();
    const imageRef = info.labels[IMAGE_REF_LABEL] ?? info.image;
    const details = { previous_status: previous?.status ?? null, previous_container_id: previous?.currentContainerId ?? null };
    try {
      await records.upsert({
        gameId,
        status: 'running',
        currentContainerId: info.id,
        currentImageRef: imageRef,
        engineEndpoint: engineEndpointFor(gameId, settings.enginePort),
        statePath: stateDirectories.pathFor(gameId),
        createdAt: previous?.createdAt ?? startedAt,
        startedAt: info.startedAt ?? startedAt,
        stoppedAt: previous?.stoppedAt ?? null,
        removedAt: previous?.removedAt ?? null,
        lastOpAt: startedAt,
      });
    } catch (err) {
      await this.operations.failed({ opKind: 'reconcile_adopt', gameId, imageRef, containerId: info.id, details, startedAt }, err, this.log);
      throw err;
    }
    await this.operations.succeeded({ opKind: 'reconcile_adopt', gameId, imageRef, containerId: info.id, details, startedAt });
    this.log.warn({ game_id: gameId, op_kind: 'reconcile_adopt', container_id: info.id, image_ref: imageRef, previous_status: previous?.status ?? null }, 'adopted a running engine container without a running record');
  }

  private async markStopped(record: RuntimeRecord, info: ContainerInfo): Promise<boolean> {
    const startedAt = this.deps.clock.now();
    const details = { docker_status: info.state, exit_code: info.exitCode, oom_killed: info.oomKilled };
    let updated: RuntimeRecord | null;
    try {
      updated = await this.deps.records.updateStatus({
        gameId: record.gameId,
        expectedContainerId: info.id,
        expectedStatus: 'running',
        to: 'stopped',
        at: startedAt,
      });
    } catch (err) {
      await this.operations.failed(
        { opKind: 'reconcile_mark_stopped', gameId: record.gameId, imageRef: record.currentImageRef, containerId: info.id, details, startedAt },
        err,
        this.log,
      );
      throw err;
    }
    if (!updated) return false;
    await this.operations.succeeded({ opKind: 'reconcile_mark_stopped', gameId: record.gameId, imageRef: record.currentImageRef, containerId: info.id, details, startedAt });
    this.log.warn({ game_id: record.gameId, op_kind: 'reconcile_mark_stopped', container_id: info.id, docker_status: info.state, exit_code: info.exitCode }, 'running record whose container is not running marked stopped');
    return true;
  }

}

function isOwnedGameContainer(c: ContainerSummary): boolean {
  return c.labels[OWNER_LABEL] === OWNER_VALUE && isValidGameId(c.labels[GAME_ID_LABEL]);
}

function stripName(name: string): string {
  return name.startsWith('/') ? name.slice(1) : name;
}
