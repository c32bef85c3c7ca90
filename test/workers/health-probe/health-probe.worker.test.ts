import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProbeTarget } from '../../../src/app/config.js';
import { HealthProbeWorker, type FetchLike, type HealthProbeSettings } from '../../../src/workers/health-probe/health-probe.worker.js';
import { eventually } from '../../support/test-env.js';
import { addGame, createWorld, expectPublishedEventsMatchSchema, type World } from '../runtime-fixtures.js';

type Mode = 'ok' | 'fail' | 'hang' | 'refused';

/** /healthz of each engine, by URL prefix; unknown URLs are refused like a closed port. */
class FakeEngines {
  readonly modes = new Map<string, Mode>();
  readonly requested: string[] = [];
  inFlight = 0;
  maxInFlight = 0;

  readonly fetch: FetchLike = async (url, { signal }) => {
    this.requested.push(url);
    const mode = [...this.modes.entries()].find(([prefix]) => url.startsWith(prefix))?.[1] ?? 'refused';
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (mode === 'hang') {
        // Like a socket that never answers: only the abort ends it.
        await new Promise<never>((_, reject) => {
          if (signal.aborted) reject(signal.reason);
          signal.addEventListener('abort', () => reject(signal.reason), { once: true });
        });
      }
      await new Promise((r) => setImmediate(r));
      if (mode === 'refused') throw new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED') });
      return { ok: mode === 'ok', status: mode === 'ok' ? 200 : 503, body: null };
    } finally {
      this.inFlight -= 1;
    }
  };
}

function setup(settings: Partial<HealthProbeSettings> = {}, resolves: (host: string) => boolean = () => true) {
  const world = createWorld();
  const engines = new FakeEngines();
  const lookups: string[] = [];
  const worker = new HealthProbeWorker({
    ...world,
    fetch: engines.fetch,
    resolveHost: async (host) => (lookups.push(host), resolves(host)),
    settings: {
      intervalMs: 1000,
      timeoutMs: 100,
      failuresThreshold: 3,
      target: 'dns' as ProbeTarget,
      concurrency: 4,
      network: 'galaxy-net',
      enginePort: 8080,
      ...settings,
    },
  });
  return { world, engines, worker, lookups };
}

const dnsUrl = (gameId: string) => `http://galaxy-game-${gameId}:8080`;

async function rounds(worker: HealthProbeWorker, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await worker.probeRound();
}

function types(world: World): string[] {
  return world.publisher.published.map((e) => e.eventType);
}

describe('HealthProbeWorker', () => {
  afterEach(expectPublishedEventsMatchSchema);

  it('publishes exactly one probe_failed at the threshold and exactly one probe_recovered after it', async () => {
    const { world, engines, worker } = setup();
    const c = await addGame(world, 'g1');
    engines.modes.set(dnsUrl('g1'), 'fail');
    await rounds(worker, 2);
    expect(world.publisher.published).toEqual([]);
    await rounds(worker, 1);
    expect(world.publisher.published).toHaveLength(1);
    expect(world.publisher.published[0]).toMatchObject({
      gameId: 'g1',
      containerId: c.id,
      eventType: 'probe_failed',
      details: { consecutive_failures: 3, last_error: 'HTTP 503', target: `${dnsUrl('g1')}/healthz` },
    });
    await rounds(worker, 4);
    expect(types(world)).toEqual(['probe_failed']);

    engines.modes.set(dnsUrl('g1'), 'ok');
    await rounds(worker, 3);
    expect(types(world)).toEqual(['probe_failed', 'probe_recovered']);
    expect(world.publisher.published[1]?.details).toEqual({ failed_probes: 7, target: `${dnsUrl('g1')}/healthz` });
    expect((await world.snapshots.get('g1'))?.eventType).toBe('probe_recovered');

    // A second failure streak is a new story: one more probe_failed at the threshold.
    engines.modes.set(dnsUrl('g1'), 'fail');
    await rounds(worker, 3);
    expect(types(world)).toEqual(['probe_failed', 'probe_recovered', 'probe_failed']);
  });

  it('a probe_failed verdict asks for the game’s sync once per streak: an engine found gone gets its record corrected', async () => {
    const { world, engines, worker } = setup();
    const asked: string[] = [];
    const sync = world.sync.sync.bind(world.sync);
    world.sync.sync = (gameId, cause) => (asked.push(`${gameId}:${cause}`), sync(gameId, cause));
    const c = await addGame(world, 'g1');
    engines.modes.set(dnsUrl('g1'), 'fail');
    await rounds(worker, 2);
    expect(asked).toEqual([]);
    world.docker.containers.delete(c.id); // gone without an event this worker could see
    await rounds(worker, 4);
    expect(asked).toEqual(['g1:probe_failed']);
    await eventually(async () => ((await world.records.get('g1'))?.status === 'removed' ? true : undefined), { timeoutMs: 2_000 });
    expect(world.operationLog.entries).toMatchObject([{ opKind: 'reconcile_dispose', opSource: 'auto_reconcile', details: { source: 'reconcile' } }]);
  });

  it('failures below the threshold followed by a success publish nothing', async () => {
    const { world, engines, worker } = setup();
    await addGame(world, 'g1');
    engines.modes.set(dnsUrl('g1'), 'fail');
    await rounds(worker, 2);
    engines.modes.set(dnsUrl('g1'), 'ok');
    await rounds(worker, 1);
    engines.modes.set(dnsUrl('g1'), 'fail');
    await rounds(worker, 2);
    expect(world.publisher.published).toEqual([]);
  });

  it('a hanging /healthz counts as a failure at the timeout and does not block the other probes', async () => {
    const { world, engines, worker } = setup({ timeoutMs: 60, failuresThreshold: 1, concurrency: 2 });
    await addGame(world, 'g1');
    await addGame(world, 'g2');
    engines.modes.set(dnsUrl('g1'), 'hang');
    engines.modes.set(dnsUrl('g2'), 'ok');
    const t0 = Date.now();
    await worker.probeRound();
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(55);
    expect(took).toBeLessThan(1000);
    expect(world.publisher.published).toHaveLength(1);
    expect(world.publisher.published[0]).toMatchObject({ gameId: 'g1', eventType: 'probe_failed', details: { last_error: 'timeout after 60ms' } });
  });

  it('a refused connection is a failure with the network error', async () => {
    const { world, worker } = setup({ failuresThreshold: 1 });
    await addGame(world, 'g1');
    await worker.probeRound();
    expect(world.publisher.published[0]?.details.last_error).toBe('fetch failed: connect ECONNREFUSED');
  });

  it('bounds concurrency', async () => {
    const { world, engines, worker } = setup({ timeoutMs: 30, concurrency: 2 });
    for (const id of ['g1', 'g2', 'g3', 'g4', 'g5']) {
      await addGame(world, id);
      engines.modes.set(dnsUrl(id), 'hang');
    }
    await worker.probeRound();
    expect(engines.requested).toHaveLength(5);
    expect(engines.maxInFlight).toBe(2);
  });

  it('forgets a game’s streak when its record leaves running', async () => {
    const { world, engines, worker } = setup();
    const c = await addGame(world, 'g1');
    engines.modes.set(dnsUrl('g1'), 'fail');
    await rounds(worker, 3);
    expect(types(world)).toEqual(['probe_failed']);
    await world.records.updateStatus({ gameId: 'g1', expectedContainerId: c.id, to: 'stopped', at: new Date() });
    await rounds(worker, 1);
    expect(engines.requested).toHaveLength(3);
    await world.records.updateStatus({ gameId: 'g1', expectedContainerId: c.id, to: 'running', at: new Date() });
    engines.modes.set(dnsUrl('g1'), 'ok');
    await rounds(worker, 1);
    // No recovery for a streak that was forgotten, and a new streak needs the full threshold.
    expect(types(world)).toEqual(['probe_failed']);
    engines.modes.set(dnsUrl('g1'), 'fail');
    await rounds(worker, 2);
    expect(types(world)).toEqual(['probe_failed']);
    await rounds(worker, 1);
    expect(types(world)).toEqual(['probe_failed', 'probe_failed']);
  });

  it('a new container for the game starts a fresh streak', async () => {
    const { world, engines, worker } = setup();
    await addGame(world, 'g1');
    engines.modes.set(dnsUrl('g1'), 'fail');
    await rounds(worker, 2);
    const replacement = world.docker.addContainer({ name: 'galaxy-game-g1' });
    await world.records.upsert({ ...(await world.records.get('g1'))!, currentContainerId: replacement.id });
    await rounds(worker, 2);
    expect(world.publisher.published).toEqual([]);
    await rounds(worker, 1);
    expect(world.publisher.published[0]?.containerId).toBe(replacement.id);
  });

  it('container_ip: probes the container’s IP on the game network', async () => {
    const { world, engines, worker } = setup({ target: 'container_ip', failuresThreshold: 1 });
    const c = await addGame(world, 'g1');
    engines.modes.set(`http://${c.ip}:8080`, 'ok');
    await worker.probeRound();
    expect(engines.requested).toEqual([`http://${c.ip}:8080/healthz`]);
    expect(world.publisher.published).toEqual([]);
  });

  it('container_ip: inspects a container once, again only after a failed probe', async () => {
    const { world, engines, worker } = setup({ target: 'container_ip', failuresThreshold: 3 });
    const c = await addGame(world, 'g1');
    engines.modes.set(`http://${c.ip}:8080`, 'ok');
    await rounds(worker, 3);
    expect(world.docker.callsOf('inspectContainer')).toHaveLength(1);
    engines.modes.set(`http://${c.ip}:8080`, 'fail');
    await rounds(worker, 2);
    // The failure drops the cached IP: the next probe inspects again (a restart may move it).
    expect(world.docker.callsOf('inspectContainer')).toHaveLength(2);
    expect(engines.requested).toHaveLength(5);
  });

  it('container_ip: a container without an IP on the network is a failed probe', async () => {
    const { world, worker } = setup({ target: 'container_ip', failuresThreshold: 1, network: 'other-net' });
    await addGame(world, 'g1');
    await worker.probeRound();
    expect(world.publisher.published[0]?.details).toMatchObject({ last_error: 'container has no IP on network other-net', target: 'container_ip:other-net' });
  });

  it('auto: uses the DNS name when it resolves, the container IP otherwise, deciding once per container', async () => {
    const { world, engines, worker, lookups } = setup({ target: 'auto' }, (host) => host === 'galaxy-game-on-net');
    const onNet = await addGame(world, 'on-net');
    const offNet = await addGame(world, 'off-net');
    engines.modes.set(dnsUrl('on-net'), 'ok');
    engines.modes.set(`http://${offNet.ip}:8080`, 'ok');
    await rounds(worker, 2);
    expect(engines.requested.sort()).toEqual([`${dnsUrl('on-net')}/healthz`, `${dnsUrl('on-net')}/healthz`, `http://${offNet.ip}:8080/healthz`, `http://${offNet.ip}:8080/healthz`].sort());
    expect(lookups.sort()).toEqual(['galaxy-game-off-net', 'galaxy-game-on-net']);
    expect(onNet.id).toBeTruthy();
    expect(world.publisher.published).toEqual([]);
  });

  it('runs rounds on its own timer, never two at once, and stops cleanly', async () => {
    const { world, engines, worker } = setup({ intervalMs: 10, timeoutMs: 40 });
    await addGame(world, 'g1');
    engines.modes.set(dnsUrl('g1'), 'hang');
    worker.start();
    await eventually(() => (engines.requested.length >= 3 ? true : undefined));
    expect(engines.maxInFlight).toBe(1);
    await worker.stop();
    const after = engines.requested.length;
    await new Promise((r) => setTimeout(r, 60));
    expect(engines.requested.length).toBe(after);
    expect(engines.inFlight).toBe(0);
  });

  it('stop cuts every probe in flight through one listener on the round signal, however many lanes', async () => {
    const { world, engines, worker } = setup({ concurrency: 32, timeoutMs: 60_000 });
    for (let i = 0; i < 40; i++) {
      await addGame(world, `h${i}`);
      engines.modes.set(dnsUrl(`h${i}`), 'hang');
    }
    const stop = new AbortController();
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const round = worker.probeRound(stop.signal);
      await eventually(() => (engines.inFlight === 32 ? true : undefined));
      expect(getEventListeners(stop.signal, 'abort')).toHaveLength(1);
      stop.abort(new Error('stopping'));
      await round;
      expect(engines.inFlight).toBe(0);
      expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
      expect(engines.requested).toHaveLength(32);
      // Nothing was recorded for probes cut by the stop.
      expect(world.publisher.published).toEqual([]);
      await new Promise((r) => setImmediate(r));
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  describe('boot grace (RTMANAGER_PROBE_START_PERIOD)', () => {
    it('failures within the start period before the first success are not counted; after it they are', async () => {
      const { world, engines, worker } = setup({ startPeriodMs: 30_000 });
      await addGame(world, 'g1'); // started at the clock's now
      engines.modes.set(dnsUrl('g1'), 'fail');
      await rounds(worker, 5);
      expect(world.publisher.published).toEqual([]);
      world.clock.advance(30_000);
      await rounds(worker, 2);
      expect(world.publisher.published).toEqual([]);
      await rounds(worker, 1);
      expect(world.publisher.published).toHaveLength(1);
      expect(world.publisher.published[0]).toMatchObject({ eventType: 'probe_failed', details: { consecutive_failures: 3 } });
    });

    it('the first success ends the grace: later failures count at once', async () => {
      const { world, engines, worker } = setup({ startPeriodMs: 30_000 });
      await addGame(world, 'g1');
      engines.modes.set(dnsUrl('g1'), 'ok');
      await rounds(worker, 1);
      engines.modes.set(dnsUrl('g1'), 'fail');
      await rounds(worker, 3);
      expect(types(world)).toEqual(['probe_failed']);
    });

    it('0 (the default) means no grace', async () => {
      const { world, engines, worker } = setup();
      await addGame(world, 'g1');
      engines.modes.set(dnsUrl('g1'), 'fail');
      await rounds(worker, 3);
      expect(types(world)).toEqual(['probe_failed']);
    });
  });
});
