// Drift reconciliation (CONTRACT §8), once at startup (blocking, before consumers and
// workers; `reconcileOnce({ startup: true })`) and then periodically. A trigger only: it
// lists what may have drifted and asks the reconcile service about each game, which
// decides and writes under the game's lease (services/reconcile/). Rules: docs/workers.md.
import { GAME_ID_LABEL, OWNER_LABEL, OWNER_VALUE } from '../../domain/container-spec.js';
import { isValidGameId } from '../../domain/game-id.js';
import type { ContainerSummary, DockerRuntime } from '../../ports/docker-runtime.js';
import type { PendingOperation, PendingOperationStore } from '../../ports/pending-operation.store.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import type { GameReconcileOutcome, ReconcileGameRequest } from '../../services/reconcile/reconcile-game.service.js';
import { forEachBounded } from '../../timing/bounded-concurrency.js';
import { PeriodicWorker, type PeriodicWorkerDeps } from '../periodic-worker.js';
import { listRecordsWithStatus } from '../running-records.js';

export interface ReconcilerSettings {
  intervalMs: number;
  /** Games reconciled at once (each under its own lease); default 16. */
  concurrency?: number;
}

export interface ReconcilerDeps extends PeriodicWorkerDeps {
  docker: Pick<DockerRuntime, 'listOwnedContainers'>;
  records: Pick<RuntimeRecordStore, 'list'>;
  pendingOperations: Pick<PendingOperationStore, 'list'>;
  reconcile: { reconcile(request: ReconcileGameRequest): Promise<GameReconcileOutcome> };
  settings: ReconcilerSettings;
}

export interface ReconcileReport {
  /** Games whose running container got a record (reconcile_adopt). */
  adopted: string[];
  /** Games whose record lost its container (reconcile_dispose). */
  disposed: string[];
  /** Games whose running record's container was found not running (reconcile_mark_stopped). */
  markedStopped: string[];
  /** Games with an owned never-started container no record names, removed (reconcile_dispose). */
  removedHalfMade: string[];
  /** Games whose interrupted restart/patch got its outer row. */
  closedInterrupted: string[];
  /** Games left alone this round because an operation holds the lease. */
  skippedBusy: string[];
  /** Games left alone (in part) because the drift is younger than the grace period. */
  skippedGrace: string[];
  /** Games whose reconciliation failed (logged; retried next round). */
  failed: string[];
  durationMs: number;
}

const PENDING_PAGE = 1000;
const DEFAULT_CONCURRENCY = 16;

export class ReconcilerWorker extends PeriodicWorker {
  constructor(private readonly deps: ReconcilerDeps) {
    // The startup pass is run by the composition root (reconcileOnce); the loop follows it.
    super('reconciler', deps, { runImmediately: false });
  }

  protected async round(): Promise<void> {
    await this.reconcileOnce();
  }

  /**
   * One pass over all owned containers, running and stopped records and pending markers.
   * Throws only when Docker or the stores cannot be listed at all (nothing is decided
   * blind); a failure for one game is logged, counted and retried next pass.
   */
  async reconcileOnce(options: { startup?: boolean } = {}): Promise<ReconcileReport> {
    const started = Date.now();
    const report: ReconcileReport = {
      adopted: [], disposed: [], markedStopped: [], removedHalfMade: [], closedInterrupted: [],
      skippedBusy: [], skippedGrace: [], failed: [], durationMs: 0,
    };
    const containers = (await this.deps.docker.listOwnedContainers()).filter(isOwnedGameContainer);
    const running = await listRecordsWithStatus(this.deps.records, 'running');
    const stopped = await listRecordsWithStatus(this.deps.records, 'stopped');
    const pending = new Map<string, PendingOperation>((await this.deps.pendingOperations.list(PENDING_PAGE)).map((p) => [p.gameId, p]));

    const byGame = new Map<string, ContainerSummary[]>();
    for (const c of containers) {
      const gameId = c.labels[GAME_ID_LABEL] as string;
      byGame.set(gameId, [...(byGame.get(gameId) ?? []), c]);
    }
    const listedIds = new Set(containers.map((c) => c.id));
    const games = new Set<string>([...running.map((r) => r.gameId), ...pending.keys()]);
    for (const r of stopped) if (r.currentContainerId !== null && !listedIds.has(r.currentContainerId)) games.add(r.gameId);
    for (const [gameId, list] of byGame) if (list.some((c) => c.state === 'running' || c.state === 'created')) games.add(gameId);

    // Games are independent (each decided under its own lease): a few at once, so a cold
    // start with hundreds to adopt is not hundreds of adoptions in a row.
    await forEachBounded([...games].sort(), this.deps.settings.concurrency ?? DEFAULT_CONCURRENCY, async (gameId) => {
      const outcome = await this.deps.reconcile.reconcile({
        gameId,
        listed: byGame.get(gameId) ?? [],
        pending: pending.get(gameId) ?? null,
        trigger: options.startup === true ? 'startup' : 'periodic',
      });
      for (const action of outcome.actions) report[action].push(gameId);
      if (outcome.skipped === 'busy') report.skippedBusy.push(gameId);
      if (outcome.skipped === 'grace') report.skippedGrace.push(gameId);
      if (outcome.failed) report.failed.push(gameId);
    });
    for (const list of Object.values(report)) if (Array.isArray(list)) list.sort();
    report.durationMs = Date.now() - started;
    const changed = report.adopted.length + report.disposed.length + report.markedStopped.length + report.removedHalfMade.length + report.closedInterrupted.length;
    this.log[changed > 0 || report.failed.length > 0 ? 'info' : 'debug'](
      { ...report, startup: options.startup === true, containers: containers.length, running_records: running.length },
      'reconcile pass finished',
    );
    return report;
  }
}

function isOwnedGameContainer(c: ContainerSummary): boolean {
  return c.labels[OWNER_LABEL] === OWNER_VALUE && isValidGameId(c.labels[GAME_ID_LABEL]);
}
