// rtmanager_stream_lag_seconds on a real RTM (issue 23): computed at each scrape from the
// oldest job the consumer has not answered, it grows while that job retries (here: another
// holder keeps the game's lease, a retryable outcome) and falls to 0 once it is answered.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, rtmEnv, spawnRtm, type RtmProcess } from '../../support/rtm-process.js';
import { createTestDatabase, deleteKeysWithPrefix, eventually, TEST_REDIS_URL, testGameId, type TestDatabase } from '../../support/test-env.js';

let db: TestDatabase;
let rtm: RtmProcess;
let redis: Redis;
let prefix: string;

beforeAll(async () => {
  buildDist();
  db = await createTestDatabase();
  const env = rtmEnv(db.url);
  prefix = env.RTMANAGER_REDIS_KEY_PREFIX as string;
  redis = new Redis(TEST_REDIS_URL);
  rtm = spawnRtm(env);
  await rtm.waitForLog((l) => l.msg === 'workers and consumers started', 60_000);
}, 120_000);

afterAll(async () => {
  if (rtm && rtm.child.exitCode === null) {
    rtm.child.kill('SIGTERM');
    await rtm.exited;
  }
  if (prefix) await deleteKeysWithPrefix(redis, prefix);
  redis?.disconnect();
  await db?.drop();
}, 60_000);

/** The stop consumer's lag and the stop retries, as one scrape of /metrics reports them. */
async function scrape(): Promise<{ lag: number; retries: number }> {
  const page = await (await fetch(`${await rtm.baseUrl()}/metrics`)).text();
  const value = (re: RegExp) => Number(re.exec(page)?.[1] ?? 'NaN');
  return {
    lag: value(/^rtmanager_stream_lag_seconds\{consumer="stop_jobs"\} (\S+)$/m),
    retries: value(/^rtmanager_job_retries_total\{job_kind="stop"\} (\S+)$/m),
  };
}

describe('stream lag at scrape time', () => {
  it('grows while a job retries on a busy lease, and is 0 once the job is answered', async () => {
    const gameId = testGameId('lag');
    const leaseKey = `${prefix}rtmanager:lease:${gameId}`;
    // Another instance holds the game: the stop job's outcome is retryable until it lets go.
    await redis.set(leaseKey, 'other-instance/other-boot/token', 'PX', 120_000);
    expect((await scrape()).lag).toBe(0);
    const id = await redis.xadd(`${prefix}runtime:stop_jobs`, '*', 'game_id', gameId, 'reason', 'finished', 'requested_at_ms', String(Date.now()));

    const first = await eventually(async () => {
      const s = await scrape();
      return s.retries > 0 && s.lag >= 1 ? s : undefined;
    }, { timeoutMs: 30_000, message: 'the stop job never waited on the busy lease' });
    const later = await eventually(async () => {
      const s = await scrape();
      return s.lag >= first.lag + 1 ? s : undefined;
    }, { timeoutMs: 30_000, message: 'the lag did not grow while the job retried' });
    process.stdout.write(`stop_jobs lag while retrying: ${first.lag}s -> ${later.lag}s (retries ${later.retries})\n`);

    await redis.del(leaseKey);
    const result = await eventually(async () => {
      const entries = await redis.xrange(`${prefix}runtime:job_results`, '-', '+');
      return entries.find(([, fields]) => fields.includes(id as string));
    }, { timeoutMs: 30_000, message: 'the stop job was never answered' });
    expect(result).toBeDefined();
    const settled = await eventually(async () => ((await scrape()).lag === 0 ? true : undefined), { timeoutMs: 10_000, message: 'the lag stayed above 0 once answered' });
    expect(settled).toBe(true);
  }, 120_000);
});
