// The one way a health event is recorded (CONTRACT §7): upsert the game's health_snapshots
// row, append the event to runtime:health_events, count it in
// rtmanager_health_events_total. Every producer (start, events listener, probe, inspect,
// the disappearance path) calls `record`, so the rules live here and nowhere else.
//
// A store outage never loses an event and never fails the caller: whatever write failed is
// queued (bounded, oldest dropped and counted when full) and retried with backoff until
// the store answers. The stream keeps its order: while an append waits, newer events wait
// behind it. The two writes are issued together: the append does not wait behind the
// PostgreSQL round trip (crash detection latency), so a reader reacting to the stream entry
// may see the snapshot a moment later (docs/workers.md).
//
// One death, one event: once a container's exit, OOM kill or disappearance is recorded,
// the watchers' events about it (probe_failed, probe_recovered, inspect_unhealthy) are not:
// a probe or inspect round that raced the death would otherwise report it again. The
// container is watched again when Docker starts it again (containerRunsAgain).
import type { Logger } from 'pino';
import { BoundedKeySet } from '../../domain/bounded-key-set.js';
import { DEATH_EVENT_TYPES, WATCH_EVENT_TYPES, type HealthEvent, type HealthEventType } from '../../domain/health.js';
import type { HealthSnapshotStore } from '../../ports/health-snapshot.store.js';
import { isLeadershipLost } from '../../ports/leader-fence.js';
import type { Metrics } from '../../ports/metrics.js';
import type { HealthEventPublisher } from '../../ports/publishers.js';
import { Backoff, type BackoffSettings } from '../../timing/backoff.policy.js';
import { retryWithBackoff } from '../../timing/retry.js';
import { PendingHealthEvents, type PendingHealthEvent } from './pending-health-events.js';

/** What producers depend on: record one event; resolves once it is written, queued or silenced. */
export interface HealthEventRecorder {
  record(event: HealthEvent): Promise<void>;
  /** Docker started this container again (a `start` event): its watchers may report it again. */
  containerRunsAgain(containerId: string): void;
}

/** Containers whose death was recorded, remembered for a long uptime (oldest forgotten first). */
const DEATHS_CAPACITY = 20_000;
const isOneOf = (types: readonly HealthEventType[], type: HealthEventType): boolean => types.includes(type);

export interface RecordHealthEventSettings {
  /** Events kept while a store is down; beyond it the oldest is dropped (counted). */
  bufferCapacity: number;
  /** Pacing of the retries of queued writes. */
  retry: BackoffSettings;
}

export const DEFAULT_RECORD_HEALTH_EVENT_SETTINGS: RecordHealthEventSettings = {
  bufferCapacity: 10_000,
  retry: { initialMs: 200, maxMs: 2_000 },
};

export interface RecordHealthEventDeps {
  snapshots: Pick<HealthSnapshotStore, 'upsert'>;
  stream: HealthEventPublisher;
  metrics: Metrics;
  logger: Logger;
  settings?: RecordHealthEventSettings;
}

export class RecordHealthEventService implements HealthEventRecorder {
  private readonly settings: RecordHealthEventSettings;
  private readonly pending: PendingHealthEvents;
  private readonly stopping = new AbortController();
  private flushing: Promise<void> | null = null;
  private readonly deaths = new BoundedKeySet(DEATHS_CAPACITY);

  constructor(private readonly deps: RecordHealthEventDeps) {
    this.settings = deps.settings ?? DEFAULT_RECORD_HEALTH_EVENT_SETTINGS;
    this.pending = new PendingHealthEvents(this.settings.bufferCapacity);
  }

  /** Events whose snapshot or stream write is still waiting for a store (diagnostics, tests). */
  get pendingCount(): number {
    return this.pending.size;
  }

  async record(event: HealthEvent): Promise<void> {
    if (this.silenced(event)) return;
    const item: PendingHealthEvent = { event, snapshot: true, stream: true };
    // Decided before either write starts, so the stream's order is kept (see hasStreamDue).
    const appendNow = !this.pending.hasStreamDue() && !this.stopping.signal.aborted;
    const [snapshotError, streamError] = await Promise.all([this.writeSnapshot(item), appendNow ? this.writeStream(item) : null]);
    if (!item.snapshot && !item.stream) return;
    this.enqueue(item, snapshotError ?? streamError);
  }

  containerRunsAgain(containerId: string): void {
    this.deaths.delete(containerId);
  }

  /** A watcher's event about a container already reported dead; remembers deaths. */
  private silenced(event: HealthEvent): boolean {
    if (isOneOf(DEATH_EVENT_TYPES, event.eventType)) this.deaths.add(event.containerId);
    else if (event.eventType === 'container_started') this.deaths.delete(event.containerId);
    else if (isOneOf(WATCH_EVENT_TYPES, event.eventType) && this.deaths.has(event.containerId)) {
      this.deps.logger.debug({ game_id: event.gameId, container_id: event.containerId, event_type: event.eventType }, 'container already reported dead; watcher event not recorded');
      return true;
    }
    return false;
  }

  /** Ends the retry loop (shutdown). What is still queued is logged as lost. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.flushing;
    if (this.pending.size > 0) this.deps.logger.error({ pending: this.pending.size }, 'shutdown with health events not yet written');
  }

  private async writeSnapshot(item: PendingHealthEvent): Promise<unknown> {
    const { event } = item;
    try {
      await this.deps.snapshots.upsert({
        gameId: event.gameId,
        containerId: event.containerId,
        eventType: event.eventType,
        details: event.details,
        observedAt: event.occurredAt,
      });
      item.snapshot = false;
      return null;
    } catch (err) {
      return err;
    }
  }

  private async writeStream(item: PendingHealthEvent): Promise<unknown> {
    try {
      await this.deps.stream.publish(item.event);
      item.stream = false;
      this.deps.metrics.healthEventPublished(item.event.eventType);
      return null;
    } catch (err) {
      if (!isLeadershipLost(err)) return err;
      // A leader that lost its lease publishes nothing more: the new leader's workers see
      // the same container and report it themselves. Not queued, not retried.
      item.stream = false;
      this.deps.logger.warn({ game_id: item.event.gameId, event_type: item.event.eventType, err }, 'health event not published: this instance is no longer the leader');
      return null;
    }
  }

  private enqueue(item: PendingHealthEvent, cause: unknown): void {
    const { event } = item;
    const log = this.deps.logger.child({ game_id: event.gameId, container_id: event.containerId, event_type: event.eventType });
    const dropped = this.pending.push(item);
    log.warn({ err: cause, pending: this.pending.size, snapshot_due: item.snapshot, stream_due: item.stream }, 'health event queued until its store answers');
    if (dropped) {
      this.deps.metrics.healthEventDropped(dropped.event.eventType);
      log.error(
        { dropped_game_id: dropped.event.gameId, dropped_event_type: dropped.event.eventType, capacity: this.settings.bufferCapacity },
        'health event buffer full; oldest queued event dropped',
      );
    }
    this.flushing ??= this.flushLoop().finally(() => (this.flushing = null));
  }

  /** Retries the queued writes with backoff until the queue is empty or the service stops. */
  private async flushLoop(): Promise<void> {
    const backoff = new Backoff(this.settings.retry);
    let written = 0;
    const flushed = await retryWithBackoff(
      async () => {
        const progress = await this.flushOnce();
        written += progress;
        if (progress > 0) backoff.reset();
      },
      { backoff, signal: this.stopping.signal, waitFirst: true, done: () => this.pending.size === 0 },
    );
    if (flushed.done) this.deps.logger.info({ written }, 'queued health events written after the store came back');
  }

  /**
   * One pass: every due snapshot (the store keeps the newest, so order does not matter),
   * then the due appends oldest first, stopping at the first failure. Returns writes done.
   */
  private async flushOnce(): Promise<number> {
    let done = 0;
    for (const item of this.pending.all()) {
      if (!item.snapshot) continue;
      if ((await this.writeSnapshot(item)) !== null) break;
      done += 1;
      if (!item.stream) this.pending.settle(item);
    }
    for (const item of this.pending.all()) {
      if (!item.stream) continue;
      if ((await this.writeStream(item)) !== null) break;
      done += 1;
      if (!item.snapshot) this.pending.settle(item);
    }
    return done;
  }
}
