// What the periodic workers (probe, inspect, reconcile, cleanup) share: a name, a logger
// child carrying it, and a PeriodicTask running their round every interval, reported
// through the round metrics. A worker says only what one round does.
import type { Logger } from 'pino';
import type { Clock } from '../ports/clock.js';
import type { DockerRuntime } from '../ports/docker-runtime.js';
import type { RuntimeRecordStore } from '../ports/runtime-record.store.js';
import type { HealthEventRecorder } from '../services/health/record-health-event.service.js';
import type { GameSyncService } from '../services/reconcile/game-sync.service.js';
import type { WorkerRoundMetrics } from '../ports/metrics.js';
import type { BackgroundWorker } from './background-worker.js';
import { PeriodicTask } from './periodic-task.js';

/** The part of a periodic worker's deps the loop needs. */
export interface PeriodicWorkerDeps {
  clock: Clock;
  /** Round outcomes (rtmanager_worker_*); unreported when absent. */
  metrics?: WorkerRoundMetrics | undefined;
  logger: Logger;
  settings: { intervalMs: number };
}

/** The workers that look at every running record's container each round (probe, inspect). */
export interface ContainerWatcherDeps extends PeriodicWorkerDeps {
  records: Pick<RuntimeRecordStore, 'list'>;
  docker: Pick<DockerRuntime, 'inspectContainer'>;
  health: HealthEventRecorder;
  /** "Sync this game now" on what the round saw (triggered only, not awaited). */
  sync: Pick<GameSyncService, 'sync'>;
}

export abstract class PeriodicWorker implements BackgroundWorker {
  protected readonly log: Logger;
  private readonly task: PeriodicTask;

  protected constructor(
    readonly name: string,
    deps: PeriodicWorkerDeps,
    options: { runImmediately?: boolean } = {},
  ) {
    this.log = deps.logger.child({ worker: name });
    this.task = new PeriodicTask({
      name,
      metrics: deps.metrics,
      clock: deps.clock,
      intervalMs: deps.settings.intervalMs,
      round: (signal) => this.round(signal),
      logger: this.log,
      ...options,
    });
  }

  /** One round; rounds never overlap. */
  protected abstract round(signal: AbortSignal): Promise<void>;

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }
}
