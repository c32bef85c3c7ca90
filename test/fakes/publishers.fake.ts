// Recording fakes of the stream publishers. Like the Redis adapters (the publisher contract
// suites in test/adapters/redis run against both): append only, in order, and a failed
// publish appends nothing. `failNext` / `down` play an unreachable Redis.
import type { HealthEvent } from '../../src/domain/health.js';
import type {
  HealthEventPublisher,
  JobResult,
  JobResultPublisher,
  NotificationIntent,
  NotificationIntentPublisher,
} from '../../src/ports/publishers.js';

/** An append-only fake stream: `failNext` fails one publish, `down` every publish until cleared. */
class FakeStream<T> {
  readonly published: T[] = [];
  failNext: Error | null = null;
  down: Error | null = null;
  private lastId = 0;

  protected append(entry: T): string {
    const failure = this.failNext ?? this.down;
    this.failNext = null;
    if (failure) throw failure;
    this.published.push(structuredClone(entry));
    // Like XADD '*': strictly increasing ids.
    this.lastId = Math.max(this.lastId + 1, Date.now() * 1000);
    return `${Math.floor(this.lastId / 1000)}-${this.lastId % 1000}`;
  }
}

export class FakeJobResultPublisher extends FakeStream<JobResult> implements JobResultPublisher {
  async publish(result: JobResult): Promise<string> {
    return this.append(result);
  }
}

export class FakeHealthEventPublisher extends FakeStream<HealthEvent> implements HealthEventPublisher {
  async publish(event: HealthEvent): Promise<string> {
    return this.append(event);
  }
  ofType(type: HealthEvent['eventType']): HealthEvent[] {
    return this.published.filter((e) => e.eventType === type);
  }
}

export class FakeNotificationIntentPublisher extends FakeStream<NotificationIntent> implements NotificationIntentPublisher {
  async publish(intent: NotificationIntent): Promise<string> {
    return this.append(intent);
  }
}
