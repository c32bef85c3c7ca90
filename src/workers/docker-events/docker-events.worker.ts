// Docker events listener (CONTRACT §7): turns the owned containers' `die`, `oom` and
// `destroy` events into `container_exited`, `container_oom` and `container_disappeared`.
// The stream breaking is not a crash: the listener reconnects with backoff (cut short when
// the daemon answers a ping again; events-connection.ts), resumes with `since` = the last
// event it saw (dropping the few it sees twice), and resyncs: it re-inspects the running records' containers to
// catch what the daemon no longer replays (e.g. after a daemon restart). An event it could
// not handle (PostgreSQL down) also triggers a resync, retried until the stores answer, so a
// death during an outage is reported once they are back (and the game synced). Rules: docs/workers.md.
import type { Logger } from 'pino';
import { GAME_ID_LABEL, OWNER_LABEL, OWNER_VALUE } from '../../domain/container-spec.js';
import { isValidGameId } from '../../domain/game-id.js';
import type { RuntimeRecord } from '../../domain/runtime-record.js';
import type { Clock } from '../../ports/clock.js';
import type { ContainerIntents } from '../../ports/container-intents.js';
import type { DockerEvent, DockerRuntime } from '../../ports/docker-runtime.js';
import { noopMetrics, type Metrics } from '../../ports/metrics.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import type { HealthEventRecorder } from '../../services/health/record-health-event.service.js';
import type { GameSyncService } from '../../services/reconcile/game-sync.service.js';
import type { VanishedRuntimeService } from '../../services/reconcile/vanished-runtime.service.js';
import { ConcurrencyLimit } from '../../timing/bounded-concurrency.js';
import type { BackgroundWorker } from '../background-worker.js';
import { BoundedKeySet } from '../../domain/bounded-key-set.js';
import { EventsConnection } from './events-connection.js';
import { ExitReporter } from './exit-reporter.js';
import { RunningRecordsResync, type ResyncReason } from './running-records.resync.js';
import { UnhandledDeaths } from './unhandled-deaths.js';

export interface DockerEventsSettings {
  /** Backoff cap between reconnect attempts (config.health.eventsReconnectMaxMs). */
  reconnectMaxMs: number;
  /** First backoff step; doubles per failed attempt. */
  reconnectInitialMs?: number;
  /** Consecutive failed attempts after which problem() reports the stream as down. */
  problemAfterAttempts?: number;
  /** A connection open this long without breaking counts as healthy again (default 1 s). */
  healthyAfterMs?: number;
  /** How often the daemon is pinged while waiting to reconnect (default 1 s). */
  pingEveryMs?: number;
  /** Cap of the retry pacing of a resync that failed (stores down; default 2 s). */
  resyncRetryMaxMs?: number;
}

export interface DockerEventsWorkerDeps {
  docker: Pick<DockerRuntime, 'events' | 'inspectContainer' | 'ping'>;
  records: Pick<RuntimeRecordStore, 'get' | 'list'>;
  health: HealthEventRecorder;
  intents: ContainerIntents;
  /** The removal of a vanished runtime: a service (services/reconcile/), this worker only triggers it. */
  vanished: Pick<VanishedRuntimeService, 'containerVanished'>;
  sync: Pick<GameSyncService, 'sync'>; // after an exit: the record follows the death at once (exit-reporter.ts)
  /** rtmanager_docker_events_connected / _reconnects_total; none when absent. */
  metrics?: Pick<Metrics, 'dockerEventsConnected' | 'dockerEventsReconnecting'>;
  clock: Clock;
  logger: Logger;
  settings: DockerEventsSettings;
}

const DEFAULT_RECONNECT_INITIAL_MS = 250;
const DEFAULT_HEALTHY_AFTER_MS = 1_000;
const DEFAULT_PING_EVERY_MS = 1_000;
const DEFAULT_RESYNC_RETRY_MAX_MS = 2_000;
const SEEN_EVENTS_CAPACITY = 4096;

export class DockerEventsWorker implements BackgroundWorker {
  readonly name = 'docker-events';
  private readonly log: Logger;
  private readonly exits: ExitReporter;
  private readonly connection: EventsConnection;
  private abort: AbortController | null = null;
  private loop: Promise<void> | null = null;
  /** Newest daemon time seen, for `since` on reconnect. */
  private lastEventTimeNano: bigint | null = null;
  /** Events already handled, by (time, container, action): the overlap after a reconnect. */
  private readonly seenEvents = new BoundedKeySet(SEEN_EVENTS_CAPACITY);
  /** Event handling and resync run one at a time, so the two never report one exit twice. */
  private readonly turns = new ConcurrencyLimit(1);
  private readonly resync: RunningRecordsResync;
  /** die/oom events a store outage kept us from handling, until a resync does. */
  private readonly unhandledDeaths: UnhandledDeaths;

  constructor(private readonly deps: DockerEventsWorkerDeps) {
    this.log = deps.logger.child({ worker: this.name });
    this.unhandledDeaths = new UnhandledDeaths(this.log);
    this.exits = new ExitReporter({ health: deps.health, intents: deps.intents, sync: deps.sync, clock: deps.clock, logger: this.log });
    this.resync = new RunningRecordsResync({
      records: deps.records,
      checkOne: (gameId, containerId) => this.inTurn(() => this.resyncOne(gameId, containerId)),
      retryUnhandled: () => this.retryUnhandledDeaths(),
      retry: { initialMs: deps.settings.reconnectInitialMs ?? DEFAULT_RECONNECT_INITIAL_MS, maxMs: deps.settings.resyncRetryMaxMs ?? DEFAULT_RESYNC_RETRY_MAX_MS },
      logger: this.log,
    });
    this.connection = new EventsConnection({
      docker: deps.docker,
      metrics: deps.metrics ?? noopMetrics,
      clock: deps.clock,
      logger: this.log,
      settings: {
        reconnectInitialMs: deps.settings.reconnectInitialMs ?? DEFAULT_RECONNECT_INITIAL_MS,
        reconnectMaxMs: deps.settings.reconnectMaxMs,
        healthyAfterMs: deps.settings.healthyAfterMs ?? DEFAULT_HEALTHY_AFTER_MS,
        pingEveryMs: deps.settings.pingEveryMs ?? DEFAULT_PING_EVERY_MS,
      },
      onEvent: (e) => this.handle(e),
      onReconnected: () => this.requestResync('reconnected'),
      resumeFrom: () => this.lastEventTimeNano,
    });
  }

  /** How many times the stream was opened (tests and diagnostics). */
  get connectionCount(): number {
    return this.connection.connections;
  }

  start(): void {
    if (this.abort) return;
    this.abort = new AbortController();
    this.loop = this.connection.run(this.abort.signal);
  }

  async stop(): Promise<void> {
    if (!this.abort) return;
    this.abort.abort();
    await this.loop;
    await this.resync.idle();
    this.abort = null;
    this.loop = null;
  }

  problem(): string | null {
    const after = this.deps.settings.problemAfterAttempts ?? 3;
    const failed = this.connection.failedAttempts;
    return failed >= after ? `docker events stream down (${failed} reconnect attempts failed)` : null;
  }

  private requestResync(reason: ResyncReason): void {
    if (this.abort) this.resync.request(reason, this.abort.signal);
  }

  /** Runs `work` after whatever event or resync step is in progress. */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    return this.turns.run(work);
  }

  private handle(e: DockerEvent): Promise<void> {
    return this.inTurn(() => this.onEvent(e));
  }

  private async onEvent(e: DockerEvent): Promise<void> {
    if (this.lastEventTimeNano === null || e.timeNano > this.lastEventTimeNano) this.lastEventTimeNano = e.timeNano;
    const key = `${e.timeNano}|${e.containerId}|${e.action}`;
    if (this.seenEvents.has(key)) return;
    this.seenEvents.add(key);
    const gameId = e.labels[GAME_ID_LABEL];
    if (e.labels[OWNER_LABEL] !== OWNER_VALUE || !isValidGameId(gameId)) return;
    try {
      switch (e.action) {
        case 'start':
          return this.exits.started(e.containerId);
        case 'die':
          return await this.onDie(gameId, e);
        case 'oom':
          return await this.onOom(gameId, e);
        case 'destroy':
          this.exits.forget(e.containerId);
          return await this.onVanished(gameId, e.containerId);
        default:
          return;
      }
    } catch (err) {
      // Most likely PostgreSQL is down: what this event meant is re-derived by a resync.
      this.log.error({ err, game_id: gameId, container_id: e.containerId, action: e.action }, 'could not handle docker event; resync scheduled');
      if (e.action === 'die' || e.action === 'oom') this.unhandledDeaths.keep(key, gameId, e);
      this.requestResync('event_failed');
    }
  }

  /** The record, when `containerId` is its current container; events of older containers are history. */
  private async currentRecord(gameId: string, containerId: string): Promise<RuntimeRecord | null> {
    const record = await this.deps.records.get(gameId);
    if (!record || record.currentContainerId !== containerId) {
      this.log.debug({ game_id: gameId, container_id: containerId }, 'event for a container that is not the current one; ignored');
      return null;
    }
    return record;
  }

  private async onDie(gameId: string, e: DockerEvent): Promise<void> {
    if (this.exits.isExitReported(e.containerId)) return;
    if (!(await this.currentRecord(gameId, e.containerId))) return;
    const exitCode = e.exitCode ?? (await this.deps.docker.inspectContainer(e.containerId))?.exitCode ?? null;
    await this.exits.exited(gameId, e.containerId, exitCode, nanosToDate(e.timeNano), 'docker_die');
  }

  private async onOom(gameId: string, e: DockerEvent): Promise<void> {
    if (this.exits.isOomReported(e.containerId)) return;
    if (!(await this.currentRecord(gameId, e.containerId))) return;
    await this.exits.oom(gameId, e.containerId, nanosToDate(e.timeNano));
  }


  /**
   * The container is gone. Only a `running` record pointing at it, removed by someone other
   * than RTM, is a disappearance; the service disposes it under the game's lease, or
   * leaves it to the reconciler when an operation holds the lease.
   */
  private async onVanished(gameId: string, containerId: string): Promise<void> {
    const record = await this.currentRecord(gameId, containerId);
    if (!record || record.status !== 'running') return;
    const log = this.log.child({ game_id: gameId, container_id: containerId });
    if (this.deps.intents.isExpected(containerId, 'remove')) {
      log.info('container removed by RTM itself; not a disappearance');
      return;
    }
    const outcome = await this.deps.vanished.containerVanished({ gameId, containerId, source: 'docker_event' });
    // A store down: what this event meant is re-derived by a resync once it answers.
    if (outcome === 'failed') this.requestResync('event_failed');
  }

  /** Handles the kept die/oom events again, in order, each in its turn. */
  private retryUnhandledDeaths(): Promise<void> {
    return this.unhandledDeaths.retry((gameId, event) => this.inTurn(() => (event.action === 'oom' ? this.onOom(gameId, event) : this.onDie(gameId, event))));
  }

  /** One running record's container, as a resync sees it. */
  private async resyncOne(gameId: string, containerId: string): Promise<void> {
    const info = await this.deps.docker.inspectContainer(containerId);
    if (info === null) return this.onVanished(gameId, containerId);
    // The record may have changed since it was listed (an operation ran in between).
    if (!(await this.currentRecord(gameId, containerId))) return;
    await this.exits.fromInspect(gameId, containerId, info);
  }
}

function nanosToDate(timeNano: bigint): Date {
  return new Date(Number(timeNano / 1_000_000n));
}
