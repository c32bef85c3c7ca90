// Issue 19 acceptance: a `docker kill` of a running engine is known at once, everywhere.
// An in-process RTM (periodic reconcile every 120 s, probe every 1 s, inspect every 2 s)
// on the real daemon, seeing only this file's games: the record reads `stopped` within 1 s
// of the kill (the die event syncs the game through the reconcile path, not the next
// periodic pass), the death is one `container_exited`, and neither the probe nor the
// inspect worker reports that container in the following 10 s.
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient, DockerodeRuntime } from '../../../src/adapters/docker/docker-runtime.adapter.js';
import { loadConfig } from '../../../src/app/config.js';
import { startRtm, type RunningRtm } from '../../../src/app/rtm.js';
import { rtmEnv } from '../../support/rtm-process.js';
import { createTestDatabase, deleteKeysWithPrefix, ENGINE_IMAGE, eventually, TEST_DOCKER_HOST, TEST_DOCKER_NETWORK, TEST_REDIS_URL, testGameId, type TestDatabase } from '../../support/test-env.js';
import { rest } from '../../faults/support/lobby-stand-in.js';
import { docker, ScopedDockerRuntime } from './health-harness.js';

const SILENCE_MS = 10_000;

let db: TestDatabase;
let redis: Redis;
let rtm: RunningRtm | null = null;
let keyPrefix: string;
const games = new Set<string>();
const logger = pino({ level: 'silent' });
const real = new DockerodeRuntime(createDockerClient(TEST_DOCKER_HOST), { apiTimeoutMs: 15_000, pullTimeoutMs: 30_000, logger });

interface StreamEntry {
  game_id: string;
  container_id: string;
  event_type: string;
}

async function healthEvents(gameId: string): Promise<StreamEntry[]> {
  const entries = await redis.xrange(`${keyPrefix}runtime:health_events`, '-', '+');
  return entries
    .map(([, flat]) => {
      const fields: Record<string, string> = {};
      for (let i = 0; i < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
      return fields as unknown as StreamEntry;
    })
    .filter((e) => e.game_id === gameId);
}

beforeAll(async () => {
  db = await createTestDatabase();
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  const env = rtmEnv(db.url, {
    RTMANAGER_RECONCILE_INTERVAL: '120',
    RTMANAGER_PROBE_INTERVAL: '1',
    RTMANAGER_PROBE_TIMEOUT: '1',
    RTMANAGER_INSPECT_INTERVAL: '2',
    RTMANAGER_IMAGE_PULL_POLICY: 'never',
  });
  keyPrefix = env.RTMANAGER_REDIS_KEY_PREFIX as string;
  rtm = await startRtm(loadConfig(env), logger, { docker: new ScopedDockerRuntime(real, games) });
  await rtm.workersStarted;
}, 120_000);

afterAll(async () => {
  await rtm?.stop();
  for (const gameId of games) await real.removeContainer(`galaxy-game-${gameId}`, { force: true }).catch(() => undefined);
  if (redis) {
    await deleteKeysWithPrefix(redis, keyPrefix);
    redis.disconnect();
  }
  await db?.drop();
});

describe('a killed engine', () => {
  it('reads stopped within 1 s, is one container_exited, and neither probe nor inspect reports it afterwards', async () => {
    const gameId = testGameId('kill');
    games.add(gameId);
    const base = rtm!.address;
    const started = await rest(base, 'POST', `/runtimes/${gameId}/start`, { image_ref: ENGINE_IMAGE });
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const containerId = (await rest(base, 'GET', `/runtimes/${gameId}`)).body?.current_container_id as string;
    expect(containerId).toMatch(/^[0-9a-f]{64}$/);
    // Up and answering first, as the probe sees it.
    const ip = (await real.inspectContainer(containerId))?.networkIps[TEST_DOCKER_NETWORK];
    await eventually(async () => ((await fetch(`http://${ip}:8080/healthz`, { signal: AbortSignal.timeout(1_000) })).ok ? true : undefined), {
      message: 'the engine never answered /healthz',
    });

    docker('kill', containerId);
    const killed = Date.now();
    const stopped = await eventually(
      async () => {
        const view = await rest(base, 'GET', `/runtimes/${gameId}`);
        return view.body?.status === 'stopped' ? Date.now() : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 20, message: 'the record never read stopped' },
    );
    process.stdout.write(`[engine death] record read stopped ${stopped - killed} ms after docker kill returned\n`);
    expect(stopped - killed, 'record read stopped this many ms after the kill').toBeLessThanOrEqual(1_000);

    const ops = await rest(base, 'GET', `/runtimes/${gameId}/operations`);
    const rows = (ops.body?.items ?? []) as Array<{ op_kind: string; op_source: string; outcome: string }>;
    expect(rows.filter((r) => r.op_kind === 'reconcile_mark_stopped')).toEqual([expect.objectContaining({ op_source: 'auto_reconcile', outcome: 'success' })]);

    // Watch the stream for the whole window; a late probe/inspect alarm fails at once.
    const forbidden = (e: StreamEntry) => e.container_id === containerId && (e.event_type === 'probe_failed' || e.event_type === 'inspect_unhealthy');
    const until = killed + SILENCE_MS;
    while (Date.now() < until) {
      const alarms = (await healthEvents(gameId)).filter(forbidden);
      expect(alarms).toEqual([]);
      await new Promise((r) => setTimeout(r, 250));
    }
    const events = await healthEvents(gameId);
    expect(events.filter(forbidden)).toEqual([]);
    expect(events.filter((e) => e.event_type === 'container_exited' && e.container_id === containerId)).toHaveLength(1);
  }, 60_000);
});
