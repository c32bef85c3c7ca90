// The HTTP probe and the inspect worker against real engines: probe hysteresis with the
// engine's /healthz switches, a hanging /healthz, and RestartCount growth.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DockerInspectWorker } from '../../../src/workers/docker-inspect/docker-inspect.worker.js';
import { HealthProbeWorker } from '../../../src/workers/health-probe/health-probe.worker.js';
import { eventually, TEST_DOCKER_NETWORK } from '../../support/test-env.js';
import { createHealthHarness, docker, type HealthHarness } from './health-harness.js';

const PROBE_INTERVAL_MS = 150;
const PROBE_TIMEOUT_MS = 400;
const THRESHOLD = 3;

describe('HTTP probe and inspect (real engines)', () => {
  let h: HealthHarness;
  const workers: Array<{ stop(): Promise<void> }> = [];

  beforeAll(async () => {
    h = await createHealthHarness();
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });

  afterAll(async () => {
    await h?.close();
  });

  function startProbe(target: 'auto' | 'container_ip' = 'auto', startPeriodMs = 0): HealthProbeWorker {
    const probe = new HealthProbeWorker({
      ...h,
      settings: {
        intervalMs: PROBE_INTERVAL_MS,
        timeoutMs: PROBE_TIMEOUT_MS,
        failuresThreshold: THRESHOLD,
        target,
        concurrency: 4,
        network: TEST_DOCKER_NETWORK,
        enginePort: 8080,
        dnsLookupTimeoutMs: 300,
        startPeriodMs,
      },
    });
    workers.push(probe);
    probe.start();
    return probe;
  }

  it('failing /healthz: exactly one probe_failed after the threshold, then exactly one probe_recovered', async () => {
    const gameId = h.newGameId('probe');
    const record = await h.startEngine(gameId);
    const url = await h.engineUrl(gameId);
    await h.control(gameId, '/control/healthz?mode=fail');
    // `auto` from the host: the DNS name does not resolve here, so the container IP is probed.
    startProbe('auto');
    const failed = await h.waitForEvent(gameId, 'probe_failed');
    expect(failed).toMatchObject({
      container_id: record.currentContainerId,
      details: { consecutive_failures: THRESHOLD, last_error: 'HTTP 500', target: `${url}/healthz` },
    });
    // Several more failing rounds publish nothing more.
    const failedAt = Date.now();
    await eventually(() => (Date.now() - failedAt > 4 * PROBE_INTERVAL_MS ? true : undefined), { intervalMs: 50 });
    expect((await h.healthEvents(gameId)).filter((e) => e.event_type === 'probe_failed')).toHaveLength(1);

    await h.control(gameId, '/control/healthz?mode=ok');
    const recovered = await h.waitForEvent(gameId, 'probe_recovered');
    expect(recovered.details.target).toBe(`${url}/healthz`);
    expect(recovered.details.failed_probes).toBeGreaterThanOrEqual(THRESHOLD);
    const recoveredAt = Date.now();
    await eventually(() => (Date.now() - recoveredAt > 4 * PROBE_INTERVAL_MS ? true : undefined), { intervalMs: 50 });
    const types = (await h.healthEvents(gameId)).map((e) => e.event_type);
    expect(types).toEqual(['container_started', 'probe_failed', 'probe_recovered']);
    expect((await h.snapshots.get(gameId))?.eventType).toBe('probe_recovered');
  });

  it('a hanging /healthz (mode file in the state dir) is a failure at the timeout', async () => {
    const gameId = h.newGameId('hang');
    const record = await h.startEngine(gameId);
    await writeFile(path.join(record.statePath, 'healthz-mode'), 'hang\n');
    const t0 = Date.now();
    startProbe('container_ip');
    const failed = await h.waitForEvent(gameId, 'probe_failed');
    expect(failed.details).toMatchObject({ consecutive_failures: THRESHOLD, last_error: `timeout after ${PROBE_TIMEOUT_MS}ms` });
    // THRESHOLD probes that each waited the full timeout.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(THRESHOLD * PROBE_TIMEOUT_MS);
  });

  it('RestartCount growth -> inspect_unhealthy restart_count_grew', async () => {
    const gameId = h.newGameId('restart');
    const record = await h.startEngine(gameId);
    const containerId = record.currentContainerId!;
    const inspect = new DockerInspectWorker({ ...h, settings: { intervalMs: 100 } });
    workers.push(inspect);
    // The baseline (RestartCount 0) is taken first ...
    await inspect.inspectRound();
    inspect.start();
    // ... then Docker's restart policy restarts the engine after a non-zero exit: RestartCount
    // counts policy restarts only (`docker restart` does not increment it).
    docker('update', '--restart', 'on-failure:3', containerId);
    await h.control(gameId, '/control/exit?code=1&delay_ms=50');
    const e = await h.waitForEvent(gameId, 'inspect_unhealthy', { match: (x) => x.details.reason === 'restart_count_grew' });
    expect(e).toMatchObject({ container_id: containerId, details: { reason: 'restart_count_grew', restart_count: 1, previous_restart_count: 0 } });
    expect((await h.docker.inspectContainer(containerId))?.running).toBe(true);
  });

  describe('boot grace (RTMANAGER_PROBE_START_PERIOD)', () => {
    const START_PERIOD_MS = 3_000;

    it('an engine failing from its start is not reported before the start period is over', async () => {
      const gameId = h.newGameId('grace');
      const record = await h.startEngine(gameId);
      await h.control(gameId, '/control/healthz?mode=fail');
      startProbe('container_ip', START_PERIOD_MS);
      const failed = await h.waitForEvent(gameId, 'probe_failed');
      // Without the grace it would come after THRESHOLD intervals (~0.5 s).
      expect(failed.occurred_at_ms).toBeGreaterThanOrEqual(record.startedAt!.getTime() + START_PERIOD_MS);
      expect(failed.details).toMatchObject({ consecutive_failures: THRESHOLD, last_error: 'HTTP 500' });
    });

    it('the first success ends the grace: a failure right after it counts at once', async () => {
      const gameId = h.newGameId('graceok');
      const record = await h.startEngine(gameId);
      const longPeriodMs = 120_000;
      startProbe('container_ip', longPeriodMs);
      // One round while the engine answers: the probe's first success, before it starts failing.
      const probe = workers[workers.length - 1] as HealthProbeWorker;
      await probe.probeRound();
      await h.control(gameId, '/control/healthz?mode=fail');
      const failed = await h.waitForEvent(gameId, 'probe_failed');
      expect(failed.occurred_at_ms).toBeLessThan(record.startedAt!.getTime() + longPeriodMs);
    });
  });
});
