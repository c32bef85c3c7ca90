// "Sync this game now" (issue 19): the per-game reconcile, run in the game's turn of the
// work queue, for one game only. A Docker `die` / `oom` of a running engine asks for it, so
// the record reads `stopped` at once (reconcile_mark_stopped, op_source auto_reconcile)
// instead of at the next periodic pass; the periodic reconciler hands its games to the same
// queue. Requests for a game that is already waiting for its sync join that sync.
import type { Logger } from 'pino';
import { GAME_ID_LABEL } from '../../domain/container-spec.js';
import type { DockerRuntime } from '../../ports/docker-runtime.js';
import type { PendingOperationStore } from '../../ports/pending-operation.store.js';
import type { GameWorkQueue } from '../sync/game-work-queue.js';
import { describeError } from '../pipeline/operation-failure.js';
import type { GameReconcileOutcome, ReconcileGameRequest } from './reconcile-game.service.js';

/** What asked for the sync (logged): a Docker event (or the listener's resync), or a watcher's verdict. */
export type SyncCause = 'docker_die' | 'resync_exit' | 'inspect_ended' | 'probe_failed';

export interface GameSyncDeps {
  queue: GameWorkQueue;
  docker: Pick<DockerRuntime, 'listOwnedContainers'>;
  pendingOperations: Pick<PendingOperationStore, 'list'>;
  reconcile: { reconcile(request: ReconcileGameRequest): Promise<GameReconcileOutcome> };
  logger: Logger;
}

const PENDING_PAGE = 1000;
const FAILED: GameReconcileOutcome = { actions: [], skipped: null, failed: true };

export class GameSyncService {
  constructor(private readonly deps: GameSyncDeps) {}

  /** Never rejects: a failure is logged and reported (`failed`); the periodic pass is the safety net. */
  sync(gameId: string, cause: SyncCause): Promise<GameReconcileOutcome> {
    return this.deps.queue.sync(gameId, () => this.syncNow(gameId, cause));
  }

  /** One game's periodic reconcile, in the game's turn (the reconciler's lanes call it). */
  reconcile(request: ReconcileGameRequest): Promise<GameReconcileOutcome> {
    return this.deps.queue.run(request.gameId, () => this.deps.reconcile.reconcile(request));
  }

  private async syncNow(gameId: string, cause: SyncCause): Promise<GameReconcileOutcome> {
    const log = this.deps.logger.child({ game_id: gameId, sync_cause: cause });
    let request: ReconcileGameRequest;
    try {
      const [containers, markers] = await Promise.all([this.deps.docker.listOwnedContainers(), this.deps.pendingOperations.list(PENDING_PAGE)]);
      request = {
        gameId,
        listed: containers.filter((c) => c.labels[GAME_ID_LABEL] === gameId),
        pending: markers.find((m) => m.gameId === gameId) ?? null,
        trigger: 'sync',
        // The listener's news: a container found gone by its sync was noticed through Docker's events.
        noticedBy: cause === 'docker_die' || cause === 'resync_exit' ? 'docker_event' : 'reconcile',
      };
    } catch (err) {
      log.warn({ err: describeError(err) }, 'game sync could not read Docker or the stores; left to the periodic reconcile');
      return FAILED;
    }
    const outcome = await this.deps.reconcile.reconcile(request);
    if (outcome.actions.length > 0) log.info({ actions: outcome.actions }, 'game synced');
    return outcome;
  }
}
