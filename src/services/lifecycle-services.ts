// Wires the five lifecycle services from the ports once, so the composition root, the
// REST edge, the stream consumers and the tests all get the same graph (restart and
// patch share the start/stop instances they run inside their lease).
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
import type { HealthEventRecorder } from './health/record-health-event.service.js';
import { CleanupContainerService } from './cleanup/cleanup-container.service.js';
import { UpdateLimitsService } from './limits/update-limits.service.js';
import { PatchRuntimeService } from './patch/patch-runtime.service.js';
import { RestartRuntimeService } from './restart/restart-runtime.service.js';
import { StartRuntimeService, type StartRuntimeSettings } from './start/start-runtime.service.js';
import { StopRuntimeService, type StopRuntimeSettings } from './stop/stop-runtime.service.js';

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
}

export interface LifecycleServices {
  start: StartRuntimeService;
  stop: StopRuntimeService;
  restart: RestartRuntimeService;
  patch: PatchRuntimeService;
  cleanup: CleanupContainerService;
  limits: UpdateLimitsService;
}

export function createLifecycleServices(ports: LifecyclePorts, settings: LifecycleSettings): LifecycleServices {
  const start = new StartRuntimeService({ ...ports, settings: settings.start });
  const stop = new StopRuntimeService({ ...ports, settings: settings.stop });
  return {
    start,
    stop,
    restart: new RestartRuntimeService({ ...ports, start, stop }),
    patch: new PatchRuntimeService({ ...ports, start, stop, settings: { imageAllowlist: settings.start.imageAllowlist } }),
    cleanup: new CleanupContainerService(ports),
    limits: new UpdateLimitsService({ ...ports, settings: { containerDefaults: settings.start.containerDefaults } }),
  };
}
