import { afterEach, describe, expect, it } from 'vitest';
import type { DockerEvent, DockerEventsQuery } from '../../../src/ports/docker-runtime.js';
import { DockerEventsWorker, type DockerEventsSettings } from '../../../src/workers/docker-events/docker-events.worker.js';
import { FakeMetrics } from '../../fakes/misc.fake.js';
import { eventually } from '../../support/test-env.js';
import { addGame, createWorld, expectPublishedEventsMatchSchema, ownerLabels, type World } from '../runtime-fixtures.js';

function makeWorker(world: World, docker: DockerEventsWorkerDocker = world.docker, settings: DockerEventsSettings = { reconnectMaxMs: 40, reconnectInitialMs: 5 }) {
  return new DockerEventsWorker({ ...world, docker, settings });
}
type DockerEventsWorkerDocker = ConstructorParameters<typeof DockerEventsWorker>[0]['docker'];

/**
 * Events source under the test's control: every connection is recorded with its `since`;
 * the test pushes events into the current connection, ends it, or makes it throw.
 * inspectContainer is the world's fake Docker.
 */
class ScriptedEvents {
  readonly connections: Array<{ since: number | undefined; push(e: DockerEvent): void; end(): void; fail(err: Error): void }> = [];
  /** Events delivered at once to the next connection (a daemon replaying since `since`). */
  replayOnNextConnection: DockerEvent[] = [];
  /** When set, a new connection throws at once (daemon down). */
  refuse: Error | null = null;

  constructor(private readonly world: World) {}

  get docker(): DockerEventsWorkerDocker {
    return {
      inspectContainer: (id) => this.world.docker.inspectContainer(id),
      events: (q) => this.open(q),
      // The daemon answers pings unless connections are refused (daemon down).
      ping: async () => {
        if (this.refuse) throw this.refuse;
      },
    };
  }

  private open(query: DockerEventsQuery): AsyncIterable<DockerEvent> {
    const queue: Array<DockerEvent | Error | 'end'> = [...this.replayOnNextConnection];
    this.replayOnNextConnection = [];
    let wake: (() => void) | null = null;
    const kick = () => wake?.();
    const refuse = this.refuse;
    this.connections.push({
      since: query.since,
      push: (e) => (queue.push(e), kick()),
      end: () => (queue.push('end'), kick()),
      fail: (err) => (queue.push(err), kick()),
    });
    query.signal.addEventListener('abort', kick, { once: true });
    return {
      [Symbol.asyncIterator]: () => ({
        async next(): Promise<IteratorResult<DockerEvent>> {
          if (refuse) throw refuse;
          for (;;) {
            if (query.signal.aborted) return { done: true, value: undefined };
            const item = queue.shift();
            if (item === 'end') return { done: true, value: undefined };
            if (item instanceof Error) throw item;
            if (item) return { done: false, value: item };
            await new Promise<void>((r) => (wake = r));
          }
        },
      }),
    };
  }

  current() {
    const c = this.connections[this.connections.length - 1];
    if (!c) throw new Error('no connection yet');
    return c;
  }
}

function event(action: DockerEvent['action'], containerId: string, gameId: string, timeNano: bigint, exitCode: number | null = null): DockerEvent {
  return { action, containerId, labels: ownerLabels(gameId), exitCode, signal: null, timeNano };
}

const T0 = 1_767_225_600_123_456_789n; // 2026-01-01T00:00:00.123456789Z

describe('DockerEventsWorker', () => {
  afterEach(expectPublishedEventsMatchSchema);

  const workers: DockerEventsWorker[] = [];
  const started = (w: DockerEventsWorker) => (workers.push(w), w.start(), w);
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });

  describe('mapping', () => {
    it('die -> container_exited with the exit code, not requested by RTM', async () => {
      const world = createWorld();
      const c = await addGame(world, 'g1');
      started(makeWorker(world));
      await settleSubscription();
      world.docker.exit(c.id, 3);
      const [e] = await eventually(() => nonEmpty(world.publisher.ofType('container_exited')));
      expect(e).toMatchObject({ gameId: 'g1', containerId: c.id, details: { exit_code: 3, requested_by_rtm: false } });
      // The publisher also keeps the snapshot.
      expect((await world.snapshots.get('g1'))?.eventType).toBe('container_exited');
    });

    it('die of a running engine syncs the game at once: the record reads stopped (reconcile_mark_stopped, auto_reconcile)', async () => {
      const world = createWorld();
      // Started a moment ago: younger than the reconcile grace, which a sync does not wait out.
      const c = await addGame(world, 'g1', { createdAt: world.clock.now() });
      started(makeWorker(world));
      await settleSubscription();
      world.docker.exit(c.id, 137);
      await eventually(async () => ((await world.records.get('g1'))?.status === 'stopped' ? true : undefined), { timeoutMs: 2_000 });
      expect(world.operationLog.forGame('g1')).toEqual([
        expect.objectContaining({ opKind: 'reconcile_mark_stopped', opSource: 'auto_reconcile', outcome: 'success', containerId: c.id }),
      ]);
      expect(world.publisher.published.map((e) => e.eventType)).toEqual(['container_exited']);
      expect(world.leases.held.size).toBe(0);
    });

    it('die of a stop RTM asked for asks for no sync: the stop writes the record itself', async () => {
      const world = createWorld();
      const c = await addGame(world, 'g1');
      const asked: string[] = [];
      started(new DockerEventsWorker({ ...world, sync: { sync: async (gameId) => (asked.push(gameId), { actions: [], skipped: null, failed: false }) }, settings: { reconnectMaxMs: 40, reconnectInitialMs: 5 } }));
      await settleSubscription();
      world.intents.expect(c.id, 'stop');
      await world.docker.stopContainer(c.id, 1);
      await eventually(() => nonEmpty(world.publisher.ofType('container_exited')));
      world.docker.exit((await addGame(world, 'g2')).id, 1);
      await eventually(() => (asked.length > 0 ? true : undefined));
      expect(asked).toEqual(['g2']);
    });

    it('die of a stop RTM asked for is published with requested_by_rtm=true', async () => {
      const world = createWorld();
      const c = await addGame(world, 'g1');
      started(makeWorker(world));
      await settleSubscription();
      world.intents.expect(c.id, 'stop');
      await world.docker.stopContainer(c.id, 1);
      const [e] = await eventually(() => nonEmpty(world.publisher.ofType('container_exited')));
      expect(e?.details).toEqual({ exit_code: 0, requested_by_rtm: true });
    });

    it('ignores events of a container that is not the record’s current one, and of unknown games', async () => {
      const world = createWorld();
      const old = await addGame(world, 'g1');
      const current = world.docker.addContainer({ name: 'galaxy-game-g1-new', labels: ownerLabels('g1') });
      await world.records.upsert({ ...(await world.records.get('g1'))!, currentContainerId: current.id });
      const stranger = world.docker.addContainer({ name: 'galaxy-game-nobody', labels: ownerLabels('nobody') });
      started(makeWorker(world));
      await settleSubscription();
      world.docker.exit(old.id, 1);
      world.docker.exit(stranger.id, 1);
      world.docker.exit(current.id, 2);
      const [e] = await eventually(() => nonEmpty(world.publisher.ofType('container_exited')));
      expect(e?.containerId).toBe(current.id);
      await settleSubscription();
      expect(world.publisher.published).toHaveLength(1);
    });

    it('oom -> container_oom, followed by the container_exited of the kill', async () => {
      const world = createWorld();
      const c = await addGame(world, 'g1');
      started(makeWorker(world));
      await settleSubscription();
      world.docker.exit(c.id, 137, { oom: true });
      await eventually(() => (world.publisher.published.length === 2 ? true : undefined));
      expect(world.publisher.published.map((e) => e.eventType)).toEqual(['container_oom', 'container_exited']);
      expect(world.publisher.published[1]?.details).toEqual({ exit_code: 137, requested_by_rtm: false });
    });

    it('destroy of a running record’s container -> container_disappeared, record removed, reconcile_dispose logged', async () => {
      const world = createWorld();
      const c = await addGame(world, 'g1');
      started(makeWorker(world));
      await settleSubscription();
      world.docker.destroy(c.id); // `docker rm -f` by someone else: die 137, then destroy
      const [e] = await eventually(() => nonEmpty(world.publisher.ofType('container_disappeared')));
      expect(e).toMatchObject({ gameId: 'g1', containerId: c.id, details: { source: 'docker_event' } });
      expect(world.publisher.ofType('container_exited')[0]?.details).toEqual({ exit_code: 137, requested_by_rtm: false });
      const record = await world.records.get('g1');
      expect(record?.status).toBe('removed');
      expect(record?.removedAt).not.toBeNull();
      const ops = world.operationLog.forGame('g1');
      expect(ops).toHaveLength(1);
      expect(ops[0]).toMatchObject({ opKind: 'reconcile_dispose', opSource: 'auto_reconcile', outcome: 'success', containerId: c.id, details: { source: 'docker_event' } });
      expect(world.leases.held.size).toBe(0);
    });

    it('a removal RTM asked for is not a disappearance', async () => {
      const world = createWorld();
      const c = await addGame(world, 'g1');
      started(makeWorker(world));
      await settleSubscription();
      world.intents.expect(c.id, 'remove');
      await world.docker.removeContainer(c.id, { force: true });
      const [exited] = await eventually(() => nonEmpty(world.publisher.ofType('container_exited')));
      expect(exited?.details).toEqual({ exit_code: 137, requested_by_rtm: true });
      await settleSubscription();
      expect(world.publisher.ofType('container_disappeared')).toEqual([]);
      expect((await world.records.get('g1'))?.status).toBe('running');
      expect(world.operationLog.entries).toEqual([]);
    });

    it('leaves a vanished container to the reconciler while an operation holds the lease', async () => {
      const world = createWorld();
      const c = await addGame(world, 'g1');
      world.leases.foreign.add('g1');
      started(makeWorker(world));
      await settleSubscription();
      world.docker.destroy(c.id);
      await eventually(() => nonEmpty(world.publisher.ofType('container_exited')));
      await settleSubscription();
      expect(world.publisher.ofType('container_disappeared')).toEqual([]);
      expect((await world.records.get('g1'))?.status).toBe('running');
    });

    it('destroy of a stopped record’s container is ordinary (cleanup by someone): nothing published', async () => {
      const world = createWorld();
      const c = await addGame(world, 'g1', { state: 'exited', status: 'stopped' });
      started(makeWorker(world));
      await settleSubscription();
      world.docker.destroy(c.id);
      await settleSubscription();
      expect(world.publisher.published).toEqual([]);
      expect((await world.records.get('g1'))?.status).toBe('stopped');
    });

    // Issue 9 item 3 changed this: the failed event is no longer lost but queued by the
    // health service and published once Redis answers, ahead of the next one.
    it('one event failing to publish does not stop the listener, and is published after the retry, in order', async () => {
      const world = createWorld();
      const a = await addGame(world, 'g1');
      const b = await addGame(world, 'g2');
      const real = world.publisher.publish.bind(world.publisher);
      let failures = 1;
      world.publisher.publish = async (e) => {
        if (failures-- > 0) throw new Error('redis down');
        return real(e);
      };
      started(makeWorker(world));
      await settleSubscription();
      world.docker.exit(a.id, 1);
      world.docker.exit(b.id, 2);
      const exited = await eventually(() => (world.publisher.ofType('container_exited').length === 2 ? world.publisher.ofType('container_exited') : undefined));
      expect(exited.map((e) => e.gameId)).toEqual(['g1', 'g2']);
    });
  });

  describe('reconnect', () => {
    it('resumes with since = the last event’s second and handles the replayed overlap once', async () => {
      const world = createWorld();
      const a = await addGame(world, 'g1');
      const b = await addGame(world, 'g2');
      const events = new ScriptedEvents(world);
      const worker = started(makeWorker(world, events.docker));
      await eventually(() => (events.connections.length === 1 ? true : undefined));
      const dieA = event('die', a.id, 'g1', T0, 4);
      world.docker.containers.get(a.id)!.state = 'exited';
      events.current().push(dieA);
      await eventually(() => nonEmpty(world.publisher.ofType('container_exited')));

      // The stream breaks; meanwhile g2 dies. The daemon replays from the start of the
      // last second: the already handled die of g1 and the missed die of g2.
      const dieB = event('die', b.id, 'g2', T0 + 500_000_000n, 5);
      events.replayOnNextConnection = [dieA, dieB];
      events.current().end();
      await eventually(() => (events.connections.length === 2 ? true : undefined));
      expect(events.connections[1]?.since).toBe(Number(T0 / 1_000_000_000n));
      const exited = await eventually(() => (world.publisher.ofType('container_exited').length === 2 ? world.publisher.ofType('container_exited') : undefined));
      expect(exited.map((e) => [e.gameId, e.details.exit_code])).toEqual([
        ['g1', 4],
        ['g2', 5],
      ]);
      await settleSubscription();
      expect(world.publisher.published).toHaveLength(2);
      expect(worker.connectionCount).toBe(2);
    });

    it('after a reconnect, re-inspects running records and reports an exit the daemon did not replay, once', async () => {
      const world = createWorld();
      const c = await addGame(world, 'g1');
      const events = new ScriptedEvents(world);
      started(makeWorker(world, events.docker));
      await eventually(() => (events.connections.length === 1 ? true : undefined));
      // Daemon restart: the engine died and the daemon has no memory of the event.
      Object.assign(world.docker.containers.get(c.id)!, { state: 'exited', exitCode: 9, finishedAt: new Date('2026-01-01T00:00:05Z') });
      events.current().end();
      const [e] = await eventually(() => nonEmpty(world.publisher.ofType('container_exited')));
      expect(e).toMatchObject({ gameId: 'g1', containerId: c.id, occurredAt: new Date('2026-01-01T00:00:05Z'), details: { exit_code: 9, requested_by_rtm: false } });
      // If the daemon does replay the die after all, it is not reported a second time.
      await eventually(() => (events.connections.length === 2 ? true : undefined));
      events.current().push(event('die', c.id, 'g1', T0, 9));
      await settleSubscription();
      expect(world.publisher.ofType('container_exited')).toHaveLength(1);
      // A later start and death of the same container is news again.
      events.current().push(event('start', c.id, 'g1', T0 + 1_000_000_000n));
      events.current().push(event('die', c.id, 'g1', T0 + 2_000_000_000n, 1));
      await eventually(() => (world.publisher.ofType('container_exited').length === 2 ? true : undefined));
    });

    it('after a reconnect, a running record whose container is gone is disposed', async () => {
      const world = createWorld();
      const c = await addGame(world, 'g1');
      const events = new ScriptedEvents(world);
      started(makeWorker(world, events.docker));
      await eventually(() => (events.connections.length === 1 ? true : undefined));
      world.docker.containers.delete(c.id);
      events.current().end();
      const [e] = await eventually(() => nonEmpty(world.publisher.ofType('container_disappeared')));
      expect(e?.details).toEqual({ source: 'docker_event' });
      expect((await world.records.get('g1'))?.status).toBe('removed');
    });

    it('a broken stream by itself publishes nothing; failing connects back off and show in problem()', async () => {
      const world = createWorld();
      await addGame(world, 'g1');
      const events = new ScriptedEvents(world);
      const worker = started(makeWorker(world, events.docker, { reconnectMaxMs: 20, reconnectInitialMs: 2 }));
      await eventually(() => (events.connections.length === 1 ? true : undefined));
      expect(worker.problem()).toBeNull();
      events.refuse = new Error('connect ECONNREFUSED /var/run/docker.sock');
      events.current().fail(new Error('socket hang up'));
      await eventually(() => (events.connections.length >= 5 ? true : undefined));
      expect(worker.problem()).toMatch(/docker events stream down/);
      expect(world.publisher.published).toEqual([]);
      // The daemon comes back: the listener reconnects and works again.
      events.refuse = null;
      const before = events.connections.length;
      await eventually(() => (events.connections.length > before ? true : undefined));
      const c = [...world.docker.containers.values()][0]!;
      events.current().push(event('die', c.id, 'g1', T0, 2));
      await eventually(() => nonEmpty(world.publisher.ofType('container_exited')));
      await eventually(() => (worker.problem() === null ? true : undefined));
    });

    it('reports the stream as connected, not connected while it is broken, and counts each reconnect', async () => {
      const world = createWorld();
      const metrics = new FakeMetrics();
      const events = new ScriptedEvents(world);
      const worker = started(new DockerEventsWorker({ ...world, metrics, docker: events.docker, settings: { reconnectMaxMs: 20, reconnectInitialMs: 2, healthyAfterMs: 5 } }));
      await eventually(() => (metrics.eventsConnected === true ? true : undefined));
      expect(metrics.eventsReconnects).toBe(0);
      events.refuse = new Error('daemon down');
      events.current().fail(new Error('socket hang up'));
      await eventually(() => (events.connections.length >= 3 ? true : undefined));
      expect(metrics.eventsConnected).toBe(false);
      events.refuse = null;
      await eventually(() => (metrics.eventsConnected === true ? true : undefined));
      expect(metrics.eventsReconnects).toBe(events.connections.length - 1);
      await worker.stop();
    });

    it('backoff doubles up to the cap', async () => {
      const world = createWorld();
      const events = new ScriptedEvents(world);
      events.refuse = new Error('daemon down');
      const worker = started(makeWorker(world, events.docker, { reconnectMaxMs: 80, reconnectInitialMs: 10 }));
      const stamps: number[] = [];
      const seen = () => {
        while (stamps.length < events.connections.length) stamps.push(Date.now());
      };
      await eventually(() => (seen(), events.connections.length >= 6 ? true : undefined), { intervalMs: 1, timeoutMs: 5000 });
      await worker.stop();
      const gaps = stamps.slice(1).map((t, i) => t - (stamps[i] as number));
      // 10, 20, 40, 80, 80 (ms), with scheduling slack on a busy machine
      expect(gaps[0]).toBeLessThan(gaps[3] as number);
      expect(gaps[3]).toBeGreaterThanOrEqual(70);
      expect(gaps[4]).toBeGreaterThanOrEqual(70);
      expect(gaps[4]).toBeLessThan(300);
    });
  });

  describe('outages (issue 9 items 3 and 4)', () => {
    /** PostgreSQL down for the listener: record reads fail until `up()`. */
    function storesDown(world: World) {
      const get = world.records.get.bind(world.records);
      const list = world.records.list.bind(world.records);
      let down = true;
      world.records.get = async (id) => (down ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) : get(id));
      world.records.list = async (q) => (down ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) : list(q));
      return { up: () => (down = false) };
    }

    it('a death while PostgreSQL is down is published once PostgreSQL answers, exactly once', async () => {
      const world = createWorld();
      const c = await addGame(world, 'g1');
      const events = new ScriptedEvents(world);
      started(makeWorker(world, events.docker, { reconnectMaxMs: 40, reconnectInitialMs: 5 }));
      await eventually(() => (events.connections.length === 1 ? true : undefined));
      const pg = storesDown(world);
      Object.assign(world.docker.containers.get(c.id)!, { state: 'exited', exitCode: 137, finishedAt: new Date('2026-01-01T00:00:07Z') });
      events.current().push(event('die', c.id, 'g1', T0, 137));
      await settleSubscription();
      expect(world.publisher.published).toEqual([]);
      pg.up();
      const [e] = await eventually(() => nonEmpty(world.publisher.ofType('container_exited')));
      expect(e).toMatchObject({ gameId: 'g1', containerId: c.id, details: { exit_code: 137, requested_by_rtm: false } });
      // A later replay of the same die is not news, nor is a second resync.
      events.current().push(event('die', c.id, 'g1', T0 + 1n, 137));
      await settleSubscription();
      expect(world.publisher.ofType('container_exited')).toHaveLength(1);
    });

    it('a death while PostgreSQL is down is published once it answers even when the reconciler marked the record stopped first, once', async () => {
      const world = createWorld();
      const c = await addGame(world, 'g1');
      const events = new ScriptedEvents(world);
      started(makeWorker(world, events.docker, { reconnectMaxMs: 40, reconnectInitialMs: 5 }));
      await eventually(() => (events.connections.length === 1 ? true : undefined));
      const pg = storesDown(world);
      Object.assign(world.docker.containers.get(c.id)!, { state: 'exited', exitCode: 3, finishedAt: new Date('2026-01-01T00:00:07Z') });
      events.current().push(event('die', c.id, 'g1', T0, 3));
      await settleSubscription();
      expect(world.publisher.published).toEqual([]);
      // The reconciler got to the record first (reconcile_mark_stopped): the running-records
      // pass no longer sees it, but the kept die event is handled again.
      const record = await world.records.get('g1').catch(() => null);
      pg.up();
      const current = record ?? (await world.records.get('g1'));
      await world.records.upsert({ ...current!, status: 'stopped' });
      const [e] = await eventually(() => nonEmpty(world.publisher.ofType('container_exited')));
      expect(e).toMatchObject({ gameId: 'g1', containerId: c.id, details: { exit_code: 3, requested_by_rtm: false } });
      await settleSubscription();
      expect(world.publisher.ofType('container_exited')).toHaveLength(1);
    });

    it('reconnects as soon as the daemon answers a ping again, and problem() clears without waiting out the backoff', async () => {
      const world = createWorld();
      const events = new ScriptedEvents(world);
      // A long backoff step, as after a long outage; only the ping can cut it short.
      const worker = started(
        makeWorker(world, events.docker, { reconnectMaxMs: 60_000, reconnectInitialMs: 60_000, problemAfterAttempts: 1, pingEveryMs: 10, healthyAfterMs: 30 }),
      );
      await eventually(() => (events.connections.length === 1 ? true : undefined));
      events.refuse = new Error('connect ECONNREFUSED /var/run/docker.sock');
      events.current().fail(new Error('socket hang up'));
      await eventually(() => (worker.problem() ? true : undefined));
      const before = events.connections.length;
      events.refuse = null;
      await eventually(() => (events.connections.length > before ? true : undefined), { timeoutMs: 5_000, message: 'no reconnect after the daemon answered' });
      await eventually(() => (worker.problem() === null ? true : undefined), { timeoutMs: 5_000, message: 'problem() still set after the daemon answered' });
    });
  });

  it('stop() returns even when the stream ignores its abort signal', async () => {
    const world = createWorld();
    let connected = false;
    const deaf: DockerEventsWorkerDocker = {
      inspectContainer: async () => null,
      ping: async () => undefined,
      events: () => ({
        [Symbol.asyncIterator]: () => ({
          next: () => ((connected = true), new Promise<IteratorResult<DockerEvent>>(() => undefined)),
        }),
      }),
    };
    const worker = makeWorker(world, deaf);
    worker.start();
    await eventually(() => (connected ? true : undefined));
    await worker.stop();
  });
});

function nonEmpty<T>(list: T[]): T[] | undefined {
  return list.length > 0 ? list : undefined;
}

/** Lets the listener subscribe / drain its queue (no event to wait for when nothing must happen). */
async function settleSubscription(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}
