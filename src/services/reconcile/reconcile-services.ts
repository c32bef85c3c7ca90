// Wires the reconcile services from the ports once (composition root and tests alike):
// the per-game reconcile the reconciler worker triggers, and the vanished-container
// removal the Docker events worker triggers. Both run the same ReconcileOperations.
import { ReconcileGameService, type ReconcileGameDeps } from './reconcile-game.service.js';
import { VanishedRuntimeService } from './vanished-runtime.service.js';

export interface ReconcileServices {
  game: ReconcileGameService;
  vanished: VanishedRuntimeService;
}

export function createReconcileServices(ports: ReconcileGameDeps): ReconcileServices {
  const game = new ReconcileGameService(ports);
  return { game, vanished: new VanishedRuntimeService(game.reconcileOperations, ports.records, ports.logger) };
}
