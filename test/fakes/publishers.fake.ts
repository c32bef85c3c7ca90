// Recording fakes of the stream publishers.
import type { HealthEvent } from '../../src/domain/health.js';
import type { HealthSnapshotStore } from '../../src/ports/health-snapshot.store.js';
import type {
  HealthEventPublisher,
  JobResult,
  JobResultPublisher,
  NotificationIntent,
  NotificationIntentPublisher,
} from '../../src/ports/publishers.js';

export class FakeJobResultPublisher implements JobResultPublisher {
  readonly published: JobResult[] = [];
  failNext: Error | null = null;
  async publish(result: JobResult): Promise<string> {
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    this.published.push(structuredClone(result));
    return `${Date.now()}-${this.published.length}`;
  }
}

export class FakeHealthEventPublisher implements HealthEventPublisher {
  readonly published: HealthEvent[] = [];
  constructor(private readonly snapshots?: HealthSnapshotStore) {}
  async publish(event: HealthEvent): Promise<void> {
    this.published.push(structuredClone(event));
    await this.snapshots?.upsert({
      gameId: event.gameId,
      containerId: event.containerId,
      eventType: event.eventType,
      details: event.details,
      observedAt: event.occurredAt,
    });
  }
  ofType(type: HealthEvent['eventType']): HealthEvent[] {
    return this.published.filter((e) => e.eventType === type);
  }
}

export class FakeNotificationIntentPublisher implements NotificationIntentPublisher {
  readonly published: NotificationIntent[] = [];
  async publish(intent: NotificationIntent): Promise<void> {
    this.published.push(structuredClone(intent));
  }
}
