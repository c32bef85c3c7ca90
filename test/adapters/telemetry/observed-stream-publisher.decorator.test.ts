// The publishers' one telemetry decorator: each publish a PRODUCER span `send <stream>` with
// the messaging attributes, game_id and the new entry's id; a failed publish an ERROR span,
// its error passed through. (Its port contract: test/adapters/redis/publishers.contract.test.ts.)
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { ObservedStreamPublisher } from '../../../src/adapters/telemetry/observed-stream-publisher.decorator.js';
import type { HealthEvent } from '../../../src/domain/health.js';
import { FakeHealthEventPublisher, FakeJobResultPublisher } from '../../fakes/publishers.fake.js';
import { inMemoryTracing } from './in-memory-tracing.js';

// The decorator uses the global tracer, as RTM does once tracing is on.
const { exporter } = inMemoryTracing();

const event: HealthEvent = { gameId: 'g1', containerId: 'c1', eventType: 'container_exited', occurredAt: new Date(1_700_000_000_000), details: { exit_code: 1 } };

describe('ObservedStreamPublisher', () => {
  it('one PRODUCER span per publish: send <stream>, messaging attributes, game_id and the entry id it returns', async () => {
    const inner = Object.assign(new FakeHealthEventPublisher(), { stream: 'p:runtime:health_events' });
    const id = await new ObservedStreamPublisher(inner).publish(event);
    expect(inner.published).toEqual([event]);
    const [span, ...more] = exporter.getFinishedSpans();
    expect(more).toEqual([]);
    expect(span?.name).toBe('send p:runtime:health_events');
    expect(span?.kind).toBe(SpanKind.PRODUCER);
    expect(span?.attributes).toEqual({
      'messaging.system': 'redis',
      'messaging.destination.name': 'p:runtime:health_events',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.message.id': id,
      game_id: 'g1',
    });
  });

  it('a failed publish: an ERROR span with the exception, the same error rethrown, no entry id', async () => {
    const inner = Object.assign(new FakeJobResultPublisher(), { stream: 'runtime:job_results' });
    const down = new Error('redis down');
    inner.failNext = down;
    const result = { gameId: 'g2', jobKind: 'stop', jobId: '1-0', outcome: 'success', errorCode: null, errorMessage: null, containerId: null, engineEndpoint: null, imageRef: null, completedAt: new Date() } as const;
    await expect(new ObservedStreamPublisher(inner).publish(result)).rejects.toBe(down);
    const [span] = exporter.getFinishedSpans();
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'redis down' });
    expect(span?.attributes['messaging.message.id']).toBeUndefined();
    expect(span?.events.map((e) => e.name)).toEqual(['exception']);
  });
});
