// What test runs leave outside their own cleanup: Redis keys and RTM processes' state roots.
// Every test Redis prefix is `test:<run tag><unique>:` (testRedisPrefix) and every RTM process's
// state root `/tmp/rtm-state-<run tag>…` (rtmEnv), the run tag set by the global setup; its
// teardown removes exactly this run's (an RTM process a test stopped may write one more key after
// the test's own cleanup), and the setup sweeps `test:` keys nobody touched for 30 minutes and
// state roots older than that (a crashed or leaky earlier run). Another run live on this machine
// keeps its own: its tag differs and they are not idle.
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deleteKeysWithPrefix, scanKeys, TEST_REDIS_URL } from './test-env.js';

export const TEST_RUN_TAG_ENV = 'RTM_TEST_RUN_TAG';
const IDLE_SECONDS = 30 * 60;

async function withRedis(what: string, use: (redis: Redis) => Promise<void>): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3_000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await use(redis);
  } catch (err) {
    process.stderr.write(`test redis keys: ${what} skipped (${err instanceof Error ? err.message : String(err)})\n`);
  } finally {
    redis.disconnect();
  }
}

const STATE_ROOT_PREFIX = 'rtm-state-';

/** Removes the RTM processes' state roots under the temp directory that `which` picks (name, age). */
function removeStateRoots(which: (name: string, ageMs: number) => boolean): void {
  for (const name of readdirSync(os.tmpdir())) {
    if (!name.startsWith(STATE_ROOT_PREFIX)) continue;
    const dir = path.join(os.tmpdir(), name);
    try {
      if (which(name, Date.now() - statSync(dir).mtimeMs)) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Gone meanwhile, or another run's: left alone.
    }
  }
}

/** Projects of one run that set up and have not torn down yet (global: each project's setup may load this module anew). */
const live = globalThis as { rtmTestRunProjects?: number };

/**
 * Tags this run (workers inherit the environment) and sweeps idle leftovers; returns the
 * teardown, which removes the run's keys once the last project of the run has ended.
 */
export async function tagTestRun(): Promise<() => Promise<void>> {
  const tag = process.env[TEST_RUN_TAG_ENV] ?? `r${randomBytes(3).toString('hex')}-`;
  process.env[TEST_RUN_TAG_ENV] = tag;
  live.rtmTestRunProjects = (live.rtmTestRunProjects ?? 0) + 1;
  removeStateRoots((_, ageMs) => ageMs >= IDLE_SECONDS * 1000);
  await withRedis('the sweep of idle test keys', (redis) =>
    scanKeys(redis, 'test:*', async (keys) => {
      const idle = await Promise.all(keys.map((k) => redis.object('IDLETIME', k) as Promise<number | null>));
      const stale = keys.filter((_, i) => (idle[i] ?? 0) >= IDLE_SECONDS);
      if (stale.length > 0) await redis.del(...stale);
    }),
  );
  return async () => {
    live.rtmTestRunProjects = (live.rtmTestRunProjects ?? 1) - 1;
    if (live.rtmTestRunProjects > 0) return;
    removeStateRoots((name) => name.startsWith(`${STATE_ROOT_PREFIX}${tag}`));
    await withRedis(`removing this run's keys (test:${tag}*)`, (redis) => deleteKeysWithPrefix(redis, `test:${tag}`));
  };
}
