// runtime:health_events (CONTRACT §6, §7): one XADD per event, nothing else. The snapshot
// upsert, the metric and the retry during an outage belong to the health service
// (src/services/health/record-health-event.service.ts).
import type { Redis } from 'ioredis';
import type { RedisEpochFence } from './leader-epoch.fence.js';
import { appendEntry } from './stream-append.js';
import type { HealthEvent } from '../../domain/health.js';
import type { HealthEventPublisher } from '../../ports/publishers.js';

export class RedisHealthEventPublisher implements HealthEventPublisher {
  constructor(
    private readonly redis: Redis,
    /** `config.streams.healthEvents` (already prefixed). */
    readonly stream: string,
    /** Approximate cap on the stream's length (XADD MAXLEN ~); 0 = never trimmed. */
    private readonly maxLen = 0,
    /** Inside a leader term, the XADD checks the term's epoch (leader-epoch.fence.ts). */
    private readonly epochFence?: RedisEpochFence,
  ) {}

  async publish(event: HealthEvent): Promise<string> {
    const fields = healthEventFields(event);
    return this.epochFence ? this.epochFence.append(this.stream, this.maxLen, fields) : appendEntry(this.redis, this.stream, this.maxLen, fields);
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
