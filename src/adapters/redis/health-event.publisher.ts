// runtime:health_events (CONTRACT §6, §7): every event upserts the game's health snapshot
// and is appended to the stream.
//
// Order: snapshot first, so whoever reacts to the stream entry and reads the runtime
// already sees the new health. Both sinks are attempted even when the first fails (a
// PostgreSQL blip must not hide an event from stream readers, nor a Redis blip from the
// REST view); then the first failure is thrown so the worker logs it. The metric counts
// events that reached the stream.
import type { Redis } from 'ioredis';
import type { HealthEvent } from '../../domain/health.js';
import type { HealthSnapshotStore } from '../../ports/health-snapshot.store.js';
import type { Metrics } from '../../ports/metrics.js';
import type { HealthEventPublisher } from '../../ports/publishers.js';

export class RedisHealthEventPublisher implements HealthEventPublisher {
  constructor(
    private readonly redis: Redis,
    /** `config.streams.healthEvents` (already prefixed). */
    private readonly stream: string,
    private readonly snapshots: HealthSnapshotStore,
    private readonly metrics: Metrics,
  ) {}

  async publish(event: HealthEvent): Promise<void> {
    const failures: unknown[] = [];
    try {
      await this.snapshots.upsert({
        gameId: event.gameId,
        containerId: event.containerId,
        eventType: event.eventType,
        details: event.details,
        observedAt: event.occurredAt,
      });
    } catch (err) {
      failures.push(err);
    }
    try {
      await this.redis.xadd(this.stream, '*', ...healthEventFields(event));
      this.metrics.healthEventPublished(event.eventType);
    } catch (err) {
      failures.push(err);
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, 'health event: snapshot upsert and stream append both failed');
  }
}

/** Flat wire fields, in the contract's order; details is one JSON string. */
export function healthEventFields(e: HealthEvent): string[] {
  return [
    'game_id', e.gameId,
    'container_id', e.containerId,
    'event_type', e.eventType,
    'occurred_at_ms', String(e.occurredAt.getTime()),
    'details', JSON.stringify(e.details),
  ];
}
