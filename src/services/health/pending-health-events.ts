// The bounded FIFO of health events whose snapshot upsert or stream append failed (a store
// outage), waiting to be written once the store answers again. Order is the stream's order:
// while anything waits, new events queue behind it. When full, the oldest waiting event is
// dropped (the newest health is what matters) and the caller counts it.
import type { HealthEvent } from '../../domain/health.js';

export interface PendingHealthEvent {
  event: HealthEvent;
  /** The health_snapshots upsert is still to do. */
  snapshot: boolean;
  /** The runtime:health_events append is still to do. */
  stream: boolean;
}

export class PendingHealthEvents {
  private readonly items: PendingHealthEvent[] = [];

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.items.length;
  }

  /** Queues one event; returns the event dropped to make room, if any. */
  push(item: PendingHealthEvent): PendingHealthEvent | null {
    this.items.push(item);
    return this.items.length > this.capacity ? (this.items.shift() ?? null) : null;
  }

  /** The waiting events, oldest first (a copy: settling while iterating is fine). */
  all(): PendingHealthEvent[] {
    return [...this.items];
  }

  /** An append is waiting: a new append must queue behind it to keep the stream's order. */
  hasStreamDue(): boolean {
    return this.items.some((i) => i.stream);
  }

  /** Removes `item` once both of its writes are done (it may have been dropped meanwhile). */
  settle(item: PendingHealthEvent): void {
    const at = this.items.indexOf(item);
    if (at >= 0) this.items.splice(at, 1);
  }
}
