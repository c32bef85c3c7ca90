// Issue 9 item 4: readiness follows Docker's recovery. An in-process RTM talks to the
// daemon through a TCP proxy (the real daemon is never stopped); the test cuts the proxy
// until the events listener's reconnect backoff has grown to a long step, then restores
// it. /readyz is 503 during the outage and 200 again before that backoff step would have
// ended: the listener reconnects on the daemon's first answered ping, not when the step is over.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/app/config.js';
import { startRtm, type RunningRtm } from '../../../src/app/rtm.js';
import { startDockerSocketProxy, type DockerSocketProxy } from '../../support/docker-socket-proxy.js';
import { rtmEnv } from '../../support/rtm-process.js';
import { createTestDatabase, deleteKeysWithPrefix, eventually, TEST_REDIS_URL, type TestDatabase } from '../../support/test-env.js';
import { capturingLogger } from '../../adapters/redis/redis-test-support.js';

/** A backoff step at least this long is waiting when the proxy comes back. */
const LONG_STEP_MS = 8_000;

let db: TestDatabase;
let proxy: DockerSocketProxy;
let rtm: RunningRtm | null = null;
let keyPrefix: string;
const { logger: capturing, lines: logs } = capturingLogger();


async function readyz(): Promise<number> {
  const res = await fetch(`${rtm!.address}/readyz`, { signal: AbortSignal.timeout(5_000) });
  await res.body?.cancel();
  return res.status;
}

beforeAll(async () => {
  db = await createTestDatabase();
  proxy = await startDockerSocketProxy();
  const env = rtmEnv(db.url, { RTMANAGER_DOCKER_HOST: proxy.url, RTMANAGER_DOCKER_API_TIMEOUT: '3' });
  keyPrefix = env.RTMANAGER_REDIS_KEY_PREFIX as string;
  rtm = await startRtm(loadConfig(env), capturing);
  await rtm.workersStarted;
  await eventually(async () => ((await readyz()) === 200 ? true : undefined), { timeoutMs: 30_000, message: 'RTM never became ready' });
}, 120_000);

afterAll(async () => {
  await proxy?.restore();
  await rtm?.stop();
  await proxy?.close();
  const redis = new Redis(TEST_REDIS_URL);
  await deleteKeysWithPrefix(redis, keyPrefix);
  redis.disconnect();
  await db?.drop();
});

describe('readiness after a Docker outage', () => {
  it('/readyz is 503 while the daemon is unreachable and 200 before the pending reconnect backoff would have ended', async () => {
    const fault = Date.now();
    await proxy.cut();
    await eventually(async () => ((await readyz()) === 503 ? true : undefined), { timeoutMs: 20_000, intervalMs: 200 });
    const firstError = Date.now();
    // Hold the outage until the listener waits a long step before its next attempt.
    const longWait = await eventually(
      () => logs.find((l) => l.msg === 'docker events stream broke; reconnecting' && (l.retry_in_ms as number) >= LONG_STEP_MS && (l.time as number) >= fault),
      { timeoutMs: 60_000, intervalMs: 100, message: 'the reconnect backoff never reached a long step' },
    );
    expect(await readyz()).toBe(503);
    await proxy.restore();
    const recovery = Date.now();
    await eventually(async () => ((await readyz()) === 200 ? true : undefined), { timeoutMs: 60_000, intervalMs: 100 });
    const ready = Date.now();
    const stepEndsAt = (longWait.time as number) + (longWait.retry_in_ms as number);
    process.stdout.write(
      `[outage timeline] Docker: fault +0.00s, readyz 503 at +${((firstError - fault) / 1000).toFixed(2)}s, ` +
        `recovery +${((recovery - fault) / 1000).toFixed(2)}s, readyz 200 at +${((ready - fault) / 1000).toFixed(2)}s ` +
        `(pending backoff step ${longWait.retry_in_ms} ms would have ended at +${((stepEndsAt - fault) / 1000).toFixed(2)}s)\n`,
    );
    expect(ready).toBeLessThan(stepEndsAt);
    expect(logs.some((l) => l.msg === 'docker daemon answers again; reconnecting now' && (l.time as number) >= recovery)).toBe(true);
  }, 120_000);
});
