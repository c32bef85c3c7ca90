// Wires the reconcile services from the ports once (composition root and tests alike):
// the per-game reconcile the reconciler worker triggers, the vanished-container removal
// the Docker events worker triggers, and the per-game sync (both run in the game's turn of
// the work queue). All run the same ReconcileOperations.
import { GameWorkQueue } from '../sync/game-work-queue.js';
import { GameSyncService, type GameSyncDeps } from './game-sync.service.js';
import { ReconcileGameService, type ReconcileGameDeps } from './reconcile-game.service.js';
import { VanishedRuntimeService } from './vanished-runtime.service.js';

export interface ReconcileServices {
  game: ReconcileGameService;
  vanished: VanishedRuntimeService;
  sync: GameSyncService;
}

export type ReconcilePorts = ReconcileGameDeps & Pick<GameSyncDeps, 'docker'>;

/** `queue`: the application's one per-game work queue (a private one when absent: tests). */
export function createReconcileServices(ports: ReconcilePorts, queue = new GameWorkQueue()): ReconcileServices {
  const game = new ReconcileGameService(ports);
  return {
    game,
    vanished: new VanishedRuntimeService(game.reconcileOperations, ports.records, ports.logger),
    sync: new GameSyncService({ queue, docker: ports.docker, pendingOperations: ports.pendingOperations, reconcile: game, logger: ports.logger }),
  };
}
