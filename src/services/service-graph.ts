// The services' own graph, built from the ports once (the composition root, and the tests
// that want the same graph): one operation pipeline shared by every operation, the six
// lifecycle services (update_limits included) (restart and patch run the same start/stop instances inside their
// lease), and the reconcile services that run in the game's turn of the one work queue.
import type { Logger } from 'pino';
import type { Clock } from '../ports/clock.js';
import type { ContainerIntents } from '../ports/container-intents.js';
import type { DockerRuntime } from '../ports/docker-runtime.js';
import type { GameLeases } from '../ports/game-lease.js';
import type { LobbyClient } from '../ports/lobby-client.js';
import type { Metrics } from '../ports/metrics.js';
import type { OperationLogStore } from '../ports/operation-log.store.js';
import type { PendingOperationStore } from '../ports/pending-operation.store.js';
import type { NotificationIntentPublisher } from '../ports/publishers.js';
import type { RuntimeRecordStore } from '../ports/runtime-record.store.js';
import type { StateDirectories } from '../ports/state-directory.js';
import { CleanupContainerService } from './cleanup/cleanup-container.service.js';
import { UpdateLimitsService } from './limits/update-limits.service.js';
import type { HealthEventRecorder } from './health/record-health-event.service.js';
import { PatchRuntimeService } from './patch/patch-runtime.service.js';
import { OperationPipeline } from './pipeline/operation-pipeline.js';
import { GameSyncService, type GameSyncDeps } from './reconcile/game-sync.service.js';
import { ReconcileGameService, type ReconcileGameDeps } from './reconcile/reconcile-game.service.js';
import { VanishedRuntimeService } from './reconcile/vanished-runtime.service.js';
import { RestartRuntimeService } from './restart/restart-runtime.service.js';
import { StartRuntimeService, type StartRuntimeSettings } from './start/start-runtime.service.js';
import { StopRuntimeService, type StopRuntimeSettings } from './stop/stop-runtime.service.js';
import { GameWorkQueue } from './sync/game-work-queue.js';

export interface LifecyclePorts {
  docker: DockerRuntime;
  records: RuntimeRecordStore;
  operationLog: OperationLogStore;
  leases: GameLeases;
  pendingOperations: PendingOperationStore;
  stateDirectories: StateDirectories;
  healthEvents: HealthEventRecorder;
  notificationIntents: NotificationIntentPublisher;
  containerIntents: ContainerIntents;
  lobby: LobbyClient | null;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
}

export interface LifecycleSettings {
  start: StartRuntimeSettings;
  stop: StopRuntimeSettings;
  /**
   * The engine backend replaces a running engine in one step (Swarm: a forced update of the
   * service): restart and patch of a running game skip the stop. Absent: stop, then start.
   */
  replaceRunningInPlace?: boolean;
}

export interface LifecycleServices {
  start: StartRuntimeService;
  stop: StopRuntimeService;
  restart: RestartRuntimeService;
  patch: PatchRuntimeService;
  cleanup: CleanupContainerService;
  limits: UpdateLimitsService;
}

/** `pipeline`: the application's one pipeline (a private one when absent: tests). */
export function createLifecycleServices(ports: LifecyclePorts, settings: LifecycleSettings, pipeline = new OperationPipeline(ports)): LifecycleServices {
  const start = new StartRuntimeService({ ...ports, pipeline, settings: settings.start });
  const stop = new StopRuntimeService({ ...ports, pipeline, settings: settings.stop });
  const inPlace = settings.replaceRunningInPlace === true;
  return {
    start,
    stop,
    restart: new RestartRuntimeService({ ...ports, pipeline, start, stop, settings: { inPlace } }),
    patch: new PatchRuntimeService({ ...ports, pipeline, start, stop, settings: { imageAllowlist: settings.start.imageAllowlist, inPlace } }),
    cleanup: new CleanupContainerService({ ...ports, pipeline }),
    limits: new UpdateLimitsService({ ...ports, pipeline, settings: { containerDefaults: settings.start.containerDefaults } }),
  };
}

export interface ReconcileServices {
  /** One game's reconcile under its lease (what the periodic pass and a sync run). */
  game: ReconcileGameService;
  /** The events listener's removal of a vanished container. */
  vanished: VanishedRuntimeService;
  /** "Sync this game now", and the periodic pass's games, in the game's turn of the queue. */
  sync: GameSyncService;
}

export type ReconcilePorts = Omit<ReconcileGameDeps, 'pipeline'> & Pick<GameSyncDeps, 'docker'>;

/** `shared`: the application's one pipeline and work queue (private ones when absent: tests). */
export function createReconcileServices(ports: ReconcilePorts, shared: { pipeline?: OperationPipeline; queue?: GameWorkQueue } = {}): ReconcileServices {
  const pipeline = shared.pipeline ?? new OperationPipeline(ports);
  const game = new ReconcileGameService({ ...ports, pipeline });
  return {
    game,
    vanished: new VanishedRuntimeService(game.reconcileOperations, pipeline, ports.records, ports.logger),
    sync: new GameSyncService({ queue: shared.queue ?? new GameWorkQueue(), docker: ports.docker, pendingOperations: ports.pendingOperations, reconcile: game, logger: ports.logger }),
  };
}
