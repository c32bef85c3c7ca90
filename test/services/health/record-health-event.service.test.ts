// The health service over the fake stream and snapshot store: one event = one snapshot
// upsert + one stream entry + one count; a store outage queues the write, in order, bounded.
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { HealthEvent, HealthSnapshot } from '../../../src/domain/health.js';
import { LeadershipLost } from '../../../src/ports/leader-fence.js';
import { RecordHealthEventService } from '../../../src/services/health/record-health-event.service.js';
import { FakeMetrics } from '../../fakes/misc.fake.js';
import { FakeHealthEventPublisher } from '../../fakes/publishers.fake.js';
import { FakeHealthSnapshotStore } from '../../fakes/stores.fake.js';
import { eventually } from '../../support/test-env.js';

/** A snapshot store that can be taken down, like PostgreSQL. */
class SwitchableSnapshots extends FakeHealthSnapshotStore {
  down: Error | null = null;
  override async upsert(snapshot: HealthSnapshot): Promise<void> {
    if (this.down) throw this.down;
    return super.upsert(snapshot);
  }
}

const event = (game: string, over: Partial<HealthEvent> = {}): HealthEvent => ({
  gameId: game,
  containerId: 'c0ffee',
  eventType: 'container_exited',
  occurredAt: new Date(1_700_000_001_000),
  details: { exit_code: 137, requested_by_rtm: false },
  ...over,
});

const services: RecordHealthEventService[] = [];
function world(bufferCapacity = 100) {
  const snapshots = new SwitchableSnapshots();
  const stream = new FakeHealthEventPublisher();
  const metrics = new FakeMetrics();
  const service = new RecordHealthEventService({
    snapshots,
    stream,
    metrics,
    logger: pino({ level: 'silent' }),
    settings: { bufferCapacity, retry: { initialMs: 5, maxMs: 20, jitter: 0 } },
  });
  services.push(service);
  return { snapshots, stream, metrics, service };
}

afterEach(async () => {
  await Promise.all(services.splice(0).map((s) => s.stop()));
});

describe('RecordHealthEventService', () => {
  it('a stream write rejected for a lost leader lease is dropped, not queued: the snapshot is still written', async () => {
    const w = world();
    w.stream.publish = () => Promise.reject(new LeadershipLost('redis', 3, 'XADD runtime:health_events'));
    await w.service.record(event('g-stale'));
    expect(w.service.pendingCount).toBe(0);
    expect(w.stream.published).toEqual([]);
    expect((await w.snapshots.get('g-stale'))?.eventType).toBe('container_exited');
  });

  it('upserts the snapshot, appends the event, counts it', async () => {
    const w = world();
    await w.service.record(event('g1'));
    expect(w.stream.published).toEqual([event('g1')]);
    expect(await w.snapshots.get('g1')).toEqual({
      gameId: 'g1',
      containerId: 'c0ffee',
      eventType: 'container_exited',
      details: { exit_code: 137, requested_by_rtm: false },
      observedAt: new Date(1_700_000_001_000),
    });
    expect(w.metrics.healthEvents).toEqual(['container_exited']);
    expect(w.service.pendingCount).toBe(0);
  });

  it('the append does not wait behind the snapshot upsert', async () => {
    const w = world();
    let release: () => void = () => undefined;
    const upsert = w.snapshots.upsert.bind(w.snapshots);
    w.snapshots.upsert = (s) => new Promise<void>((r) => (release = r)).then(() => upsert(s));
    const recorded = w.service.record(event('g1'));
    await eventually(() => (w.stream.published.length === 1 ? true : undefined), { intervalMs: 1 });
    expect(await w.snapshots.get('g1')).toBeNull();
    release();
    await recorded;
    expect((await w.snapshots.get('g1'))?.eventType).toBe('container_exited');
    expect(w.service.pendingCount).toBe(0);
  });

  it('Redis down: the snapshot is written at once, the event queued and appended once Redis answers, counted once', async () => {
    const w = world();
    w.stream.down = new Error('connect ECONNREFUSED 127.0.0.1:6379');
    await w.service.record(event('g1'));
    expect((await w.snapshots.get('g1'))?.eventType).toBe('container_exited');
    expect(w.stream.published).toEqual([]);
    expect(w.metrics.healthEvents).toEqual([]);
    expect(w.service.pendingCount).toBe(1);
    w.stream.down = null;
    await eventually(() => (w.service.pendingCount === 0 ? true : undefined), { intervalMs: 5 });
    expect(w.stream.published).toEqual([event('g1')]);
    expect(w.metrics.healthEvents).toEqual(['container_exited']);
  });

  it('PostgreSQL down: the event is appended at once, the snapshot written once PostgreSQL answers', async () => {
    const w = world();
    w.snapshots.down = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    await w.service.record(event('g1'));
    expect(w.stream.published).toHaveLength(1);
    expect(await w.snapshots.get('g1')).toBeNull();
    w.snapshots.down = null;
    await eventually(() => (w.service.pendingCount === 0 ? true : undefined), { intervalMs: 5 });
    expect((await w.snapshots.get('g1'))?.eventType).toBe('container_exited');
    expect(w.stream.published).toHaveLength(1);
  });

  it('keeps the stream order: events raised while an append waits queue behind it', async () => {
    const w = world();
    w.stream.down = new Error('redis down');
    await w.service.record(event('g1'));
    w.stream.down = null;
    // Redis is back, but g1 still waits for its retry: g2 must not overtake it.
    await w.service.record(event('g2'));
    expect(w.stream.published).toEqual([]);
    await eventually(() => (w.service.pendingCount === 0 ? true : undefined), { intervalMs: 5 });
    expect(w.stream.published.map((e) => e.gameId)).toEqual(['g1', 'g2']);
    expect(w.metrics.healthEvents).toEqual(['container_exited', 'container_exited']);
  });

  it('both stores down: both writes wait, each done exactly once', async () => {
    const w = world();
    w.stream.down = new Error('redis down');
    w.snapshots.down = new Error('pg down');
    await w.service.record(event('g1', { eventType: 'probe_failed', details: { consecutive_failures: 3, last_error: 'HTTP 500', target: 't' } }));
    w.snapshots.down = null;
    await eventually(async () => ((await w.snapshots.get('g1')) ? true : undefined), { intervalMs: 5 });
    expect(w.stream.published).toEqual([]);
    w.stream.down = null;
    await eventually(() => (w.service.pendingCount === 0 ? true : undefined), { intervalMs: 5 });
    expect(w.stream.published.map((e) => e.eventType)).toEqual(['probe_failed']);
  });

  it('a full buffer drops the oldest queued event and counts the drop', async () => {
    const w = world(2);
    w.stream.down = new Error('redis down');
    for (const g of ['g1', 'g2', 'g3']) await w.service.record(event(g, { eventType: g === 'g1' ? 'container_oom' : 'container_exited', details: {} }));
    expect(w.service.pendingCount).toBe(2);
    expect(w.metrics.droppedHealthEvents).toEqual(['container_oom']);
    w.stream.down = null;
    await eventually(() => (w.service.pendingCount === 0 ? true : undefined), { intervalMs: 5 });
    expect(w.stream.published.map((e) => e.gameId)).toEqual(['g2', 'g3']);
  });

  it('record never rejects on a store failure, and stop() ends the retries', async () => {
    const w = world();
    w.stream.down = new Error('redis down');
    w.snapshots.down = new Error('pg down');
    await expect(w.service.record(event('g1'))).resolves.toBeUndefined();
    await w.service.stop();
    // stop() waited for the retry loop to end: nothing is written any more.
    expect(w.service.pendingCount).toBe(1);
    expect(w.stream.published).toEqual([]);
  });

  describe('one death, one event (issue 19 item 2)', () => {
    const watcherEvents = (containerId: string): HealthEvent[] => [
      event('g1', { containerId, eventType: 'probe_failed', details: { consecutive_failures: 3, last_error: 'refused', target: 'http://x:8080' } }),
      event('g1', { containerId, eventType: 'probe_recovered', details: { failed_probes: 3, target: 'http://x:8080' } }),
      event('g1', { containerId, eventType: 'inspect_unhealthy', details: { reason: 'status_mismatch', docker_status: 'exited', record_status: 'running' } }),
    ];

    it.each(['container_exited', 'container_oom', 'container_disappeared'] as const)(
      'after %s of a container, the watchers’ events about it are not recorded; other containers’ are',
      async (death) => {
        const w = world();
        await w.service.record(event('g1', { eventType: death }));
        for (const e of watcherEvents('c0ffee')) await w.service.record(e);
        for (const e of watcherEvents('other')) await w.service.record(e);
        expect(w.stream.published.map((e) => [e.containerId, e.eventType])).toEqual([
          ['c0ffee', death],
          ['other', 'probe_failed'],
          ['other', 'probe_recovered'],
          ['other', 'inspect_unhealthy'],
        ]);
        expect((await w.snapshots.get('g1'))?.containerId).toBe('other');
        expect(w.metrics.healthEvents).toEqual([death, 'probe_failed', 'probe_recovered', 'inspect_unhealthy']);
      },
    );

    it('a container Docker starts again is watched again; so is one RTM starts', async () => {
      const w = world();
      await w.service.record(event('g1'));
      w.service.containerRunsAgain('c0ffee');
      await w.service.record(watcherEvents('c0ffee')[0]!);
      await w.service.record(event('g1', { containerId: 'd00d' }));
      await w.service.record(event('g1', { containerId: 'd00d', eventType: 'container_started', details: { image_ref: 'galaxy/game:1.0.0' } }));
      await w.service.record(watcherEvents('d00d')[2]!);
      expect(w.stream.published.map((e) => [e.containerId, e.eventType])).toEqual([
        ['c0ffee', 'container_exited'],
        ['c0ffee', 'probe_failed'],
        ['d00d', 'container_exited'],
        ['d00d', 'container_started'],
        ['d00d', 'inspect_unhealthy'],
      ]);
    });

    it('a second death event of the container is still recorded (an OOM kill is container_oom then container_exited)', async () => {
      const w = world();
      await w.service.record(event('g1', { eventType: 'container_oom', details: {} }));
      await w.service.record(event('g1'));
      expect(w.stream.published.map((e) => e.eventType)).toEqual(['container_oom', 'container_exited']);
    });
  });
});
