// Docker events listener (CONTRACT §7): turns the owned containers' `die`, `oom` and
// `destroy` events into `container_exited`, `container_oom` and `container_disappeared`.
// The stream breaking is not a crash: the listener reconnects with backoff, resumes with
// `since` = the last event it saw (dropping the few it sees twice), and then re-inspects
// the running records' containers to catch what the daemon no longer replays
// (e.g. after a daemon restart). Rules and their reasons: docs/workers.md.
import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { GAME_ID_LABEL, OWNER_LABEL, OWNER_VALUE } from '../../domain/container-spec.js';
import { isValidGameId } from '../../domain/game-id.js';
import type { RuntimeRecord } from '../../domain/runtime-record.js';
import type { Clock } from '../../ports/clock.js';
import type { ContainerIntents } from '../../ports/container-intents.js';
import type { ContainerInfo, DockerEvent, DockerRuntime } from '../../ports/docker-runtime.js';
import type { HealthEventPublisher } from '../../ports/publishers.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import type { VanishedRuntimeService } from '../../services/reconcile/vanished-runtime.service.js';
import type { BackgroundWorker } from '../background-worker.js';
import { runningRecords } from '../running-records.js';

export interface DockerEventsSettings {
  /** Backoff cap between reconnect attempts (config.health.eventsReconnectMaxMs). */
  reconnectMaxMs: number;
  /** First backoff step; doubles per failed attempt. */
  reconnectInitialMs?: number;
  /** Consecutive failed attempts after which problem() reports the stream as down. */
  problemAfterAttempts?: number;
}

export interface DockerEventsWorkerDeps {
  docker: Pick<DockerRuntime, 'events' | 'inspectContainer'>;
  records: Pick<RuntimeRecordStore, 'get' | 'list'>;
  publisher: HealthEventPublisher;
  intents: ContainerIntents;
  /** The removal of a vanished runtime: a service (services/reconcile/), this worker only triggers it. */
  vanished: Pick<VanishedRuntimeService, 'containerVanished'>;
  clock: Clock;
  logger: Logger;
  settings: DockerEventsSettings;
}

const NANOS_PER_SECOND = 1_000_000_000n;
const DEFAULT_RECONNECT_INITIAL_MS = 250;
const SEEN_EVENTS_CAPACITY = 4096;
const REPORTED_MARKS_CAPACITY = 20_000;

/** Insertion-ordered set that forgets its oldest keys beyond a capacity. */
class BoundedKeySet {
  private readonly keys = new Set<string>();
  constructor(private readonly capacity: number) {}
  has(key: string): boolean {
    return this.keys.has(key);
  }
  add(key: string): void {
    this.keys.delete(key);
    this.keys.add(key);
    while (this.keys.size > this.capacity) {
      const oldest = this.keys.values().next().value as string;
      this.keys.delete(oldest);
    }
  }
  delete(key: string): void {
    this.keys.delete(key);
  }
}

export class DockerEventsWorker implements BackgroundWorker {
  readonly name = 'docker-events';
  private readonly log: Logger;
  private abort: AbortController | null = null;
  private loop: Promise<void> | null = null;
  /** Newest daemon time seen, for `since` on reconnect. */
  private lastEventTimeNano: bigint | null = null;
  /** Events already handled, by (time, container, action): the overlap after a reconnect. */
  private readonly seenEvents = new BoundedKeySet(SEEN_EVENTS_CAPACITY);
  /** Containers whose current exit / OOM was already reported (by an event or a resync). */
  private readonly exitReported = new BoundedKeySet(REPORTED_MARKS_CAPACITY);
  private readonly oomReported = new BoundedKeySet(REPORTED_MARKS_CAPACITY);
  private failedAttempts = 0;
  private connections = 0;

  constructor(private readonly deps: DockerEventsWorkerDeps) {
    this.log = deps.logger.child({ worker: this.name });
  }

  /** How many times the stream was opened (tests and diagnostics). */
  get connectionCount(): number {
    return this.connections;
  }

  start(): void {
    if (this.abort) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  async stop(): Promise<void> {
    if (!this.abort) return;
    this.abort.abort();
    await this.loop;
    this.abort = null;
    this.loop = null;
  }

  problem(): string | null {
    const after = this.deps.settings.problemAfterAttempts ?? 3;
    return this.failedAttempts >= after ? `docker events stream down (${this.failedAttempts} reconnect attempts failed)` : null;
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { settings, clock } = this.deps;
    const initialMs = settings.reconnectInitialMs ?? DEFAULT_RECONNECT_INITIAL_MS;
    // First connection: replay from the start of this second, so a death between the
    // startup reconcile and this subscription is not lost.
    let since = Math.floor(clock.now().getTime() / 1000);
    let reconnecting = false;
    while (!signal.aborted) {
      if (this.lastEventTimeNano !== null) since = Number(this.lastEventTimeNano / NANOS_PER_SECOND);
      if (reconnecting) await this.resync(signal);
      if (signal.aborted) break;
      await this.consume(since, signal);
      if (signal.aborted) break;
      // failedAttempts was cleared if the connection delivered something or stayed up a while.
      const waitMs = Math.min(settings.reconnectMaxMs, initialMs * 2 ** Math.min(this.failedAttempts, 30));
      this.failedAttempts += 1;
      this.log.warn({ since, retry_in_ms: waitMs, attempt: this.failedAttempts }, 'docker events stream broke; reconnecting');
      await delay(waitMs, undefined, { signal, ref: false }).catch(() => undefined);
      reconnecting = true;
    }
  }

  /** One connection: returns when the stream ends, throws or the worker stops. */
  private async consume(since: number, signal: AbortSignal): Promise<void> {
    let onAbort: () => void = () => undefined;
    const stopped = new Promise<'stopped'>((resolve) => {
      onAbort = () => resolve('stopped');
      if (signal.aborted) resolve('stopped');
      signal.addEventListener('abort', onAbort, { once: true });
    });
    let iterator: AsyncIterator<DockerEvent> | null = null;
    // A connection that stays open a while is healthy even when idle: clear the failure count.
    const healthy = setTimeout(() => (this.failedAttempts = 0), this.deps.settings.reconnectMaxMs);
    healthy.unref();
    try {
      this.connections += 1;
      iterator = this.deps.docker.events({ since, signal })[Symbol.asyncIterator]();
      for (;;) {
        // Raced against stop so a stream that ignores its signal cannot hold shutdown.
        const next = await Promise.race([iterator.next(), stopped]);
        if (next === 'stopped' || next.done) break;
        this.failedAttempts = 0;
        await this.onEvent(next.value);
      }
    } catch (err) {
      if (!signal.aborted) this.log.warn({ err }, 'docker events stream failed');
    } finally {
      clearTimeout(healthy);
      signal.removeEventListener('abort', onAbort);
      iterator?.return?.().catch(() => undefined);
    }
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
          this.exitReported.delete(e.containerId);
          this.oomReported.delete(e.containerId);
          return;
        case 'die':
          return await this.onDie(gameId, e);
        case 'oom':
          return await this.onOom(gameId, e);
        case 'destroy':
          this.exitReported.delete(e.containerId);
          this.oomReported.delete(e.containerId);
          return await this.onVanished(gameId, e.containerId);
        default:
          return;
      }
    } catch (err) {
      this.log.error({ err, game_id: gameId, container_id: e.containerId, action: e.action }, 'could not handle docker event');
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
    if (this.exitReported.has(e.containerId)) return;
    if (!(await this.currentRecord(gameId, e.containerId))) return;
    let exitCode = e.exitCode;
    if (exitCode === null) exitCode = (await this.deps.docker.inspectContainer(e.containerId))?.exitCode ?? null;
    await this.publishExited(gameId, e.containerId, exitCode, nanosToDate(e.timeNano));
  }

  private async onOom(gameId: string, e: DockerEvent): Promise<void> {
    if (this.oomReported.has(e.containerId)) return;
    if (!(await this.currentRecord(gameId, e.containerId))) return;
    await this.publishOom(gameId, e.containerId, nanosToDate(e.timeNano));
  }

  private async publishExited(gameId: string, containerId: string, reportedExitCode: number | null, at: Date): Promise<void> {
    const { intents } = this.deps;
    // The schema wants an integer; -1 stands for "Docker reported none" (not seen in practice).
    const exitCode = reportedExitCode ?? -1;
    const requestedByRtm = intents.isExpected(containerId, 'stop') || intents.isExpected(containerId, 'remove');
    await this.deps.publisher.publish({
      gameId,
      containerId,
      eventType: 'container_exited',
      occurredAt: at,
      details: { exit_code: exitCode, requested_by_rtm: requestedByRtm },
    });
    this.exitReported.add(containerId);
    this.log.info({ game_id: gameId, container_id: containerId, exit_code: exitCode, requested_by_rtm: requestedByRtm }, 'container exited');
  }

  private async publishOom(gameId: string, containerId: string, at: Date): Promise<void> {
    await this.deps.publisher.publish({ gameId, containerId, eventType: 'container_oom', occurredAt: at, details: {} });
    this.oomReported.add(containerId);
    this.log.warn({ game_id: gameId, container_id: containerId }, 'container killed by the OOM killer');
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
    await this.deps.vanished.containerVanished({ gameId, containerId, source: 'docker_event' });
  }

  /**
   * After a reconnect: what happened to the running records' containers while the stream
   * was down, in case the daemon cannot replay it. Marks keep this and the replayed events
   * from reporting the same exit twice.
   */
  private async resync(signal: AbortSignal): Promise<void> {
    let checked = 0;
    try {
      for await (const record of runningRecords(this.deps.records)) {
        if (signal.aborted) return;
        const containerId = record.currentContainerId;
        if (!containerId) continue;
        checked += 1;
        try {
          const info = await this.deps.docker.inspectContainer(containerId);
          await this.resyncOne(record.gameId, containerId, info);
        } catch (err) {
          this.log.warn({ err, game_id: record.gameId, container_id: containerId }, 'resync of one container failed');
        }
      }
      this.log.info({ checked }, 'resynced running records after reconnect');
    } catch (err) {
      this.log.warn({ err }, 'resync after reconnect failed; the reconciler and inspect worker will catch up');
    }
  }

  private async resyncOne(gameId: string, containerId: string, info: ContainerInfo | null): Promise<void> {
    if (info === null) return this.onVanished(gameId, containerId);
    if (info.state === 'running' || info.state === 'restarting' || info.state === 'paused') {
      this.exitReported.delete(containerId);
      this.oomReported.delete(containerId);
      return;
    }
    if (info.state !== 'exited' && info.state !== 'dead') return;
    const at = info.finishedAt ?? this.deps.clock.now();
    if (info.oomKilled && !this.oomReported.has(containerId)) await this.publishOom(gameId, containerId, at);
    if (!this.exitReported.has(containerId)) await this.publishExited(gameId, containerId, info.exitCode, at);
  }
}

function nanosToDate(timeNano: bigint): Date {
  return new Date(Number(timeNano / 1_000_000n));
}
