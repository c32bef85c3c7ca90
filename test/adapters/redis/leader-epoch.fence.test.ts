// Fenced Redis writes: a new leader stores its epoch (never lowered); inside a term, a job
// result, a health event and a stream offset are written only while the stored epoch is the
// term's. A stale leader's write is rejected (LeadershipLost, the fence hears of it) and
// leaves the stream and the offset as they were. Outside a term nothing is checked.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AsyncLeaderFence } from '../../../src/adapters/memory/leader-fence.scope.js';
import { RedisHealthEventPublisher } from '../../../src/adapters/redis/health-event.publisher.js';
import { RedisJobResultPublisher } from '../../../src/adapters/redis/job-result.publisher.js';
import { RedisEpochFence } from '../../../src/adapters/redis/leader-epoch.fence.js';
import { RedisStreamOffsetStore } from '../../../src/adapters/redis/stream-offset.store.js';
import { isLeadershipLost, type LeadershipLost } from '../../../src/ports/leader-fence.js';
import { testGameId, testRedisPrefix } from '../../support/test-env.js';
import { connectTestRedis, deleteKeysWithPrefix } from './redis-test-support.js';

let redis: Redis;
let prefix: string;
let fence: AsyncLeaderFence;
let epochs: RedisEpochFence;
const rejected: LeadershipLost[] = [];

beforeAll(() => {
  redis = connectTestRedis();
});
afterAll(async () => {
  await redis.quit();
});
beforeEach(() => {
  prefix = testRedisPrefix();
  fence = new AsyncLeaderFence();
  rejected.length = 0;
  fence.onRejected((e) => rejected.push(e));
  epochs = new RedisEpochFence(redis, { keyPrefix: prefix }, fence);
});
afterEach(async () => {
  await deleteKeysWithPrefix(redis, prefix);
});

const aResult = (gameId: string) => ({
  gameId, jobKind: 'start' as const, jobId: '1-1', outcome: 'success' as const, errorCode: null, errorMessage: null,
  containerId: 'c', engineEndpoint: 'http://e:8080', imageRef: 'galaxy/game:1.0.0', completedAt: new Date(),
});

describe('RedisEpochFence', () => {
  it('stores a higher epoch, keeps it, and refuses to go back', async () => {
    expect(await epochs.stored()).toBeNull();
    expect(await epochs.advance(3)).toBe(true);
    expect(await epochs.advance(3)).toBe(true);
    expect(await epochs.advance(2)).toBe(false);
    expect(await epochs.stored()).toBe(3);
    expect(epochs.key).toBe(`${prefix}rtmanager:leader_epoch`);
  });

  it('a stale term publishes no job result or health event and saves no offset; the current term does', async () => {
    const results = new RedisJobResultPublisher(redis, `${prefix}runtime:job_results`, 1000, { epochFence: epochs, answersKey: `${prefix}rtmanager:job_answers` });
    const health = new RedisHealthEventPublisher(redis, `${prefix}runtime:health_events`, 0, epochs);
    const offsets = new RedisStreamOffsetStore(redis, { keyPrefix: prefix }, epochs);
    const game = testGameId('fence');
    await epochs.advance(1);
    await fence.run({ epoch: 1 }, async () => {
      await results.publish(aResult(game));
      await offsets.save('start_jobs', '5-0');
    });
    await epochs.advance(2); // another instance took over

    const stale = (work: () => Promise<unknown>) => fence.run({ epoch: 1 }, work);
    await expect(stale(() => results.publish(aResult(game)))).rejects.toSatisfy(isLeadershipLost);
    await expect(stale(() => health.publish({ gameId: game, containerId: 'c', eventType: 'container_exited', occurredAt: new Date(), details: { exit_code: 1 } }))).rejects.toSatisfy(isLeadershipLost);
    await expect(stale(() => offsets.save('start_jobs', '9-0'))).rejects.toSatisfy(isLeadershipLost);
    expect(await redis.xlen(`${prefix}runtime:job_results`)).toBe(1);
    expect(await redis.xlen(`${prefix}runtime:health_events`)).toBe(0);
    expect(await offsets.load('start_jobs')).toBe('5-0');
    expect(rejected.map((e) => [e.dependency, e.epoch])).toEqual([['redis', 1], ['redis', 1], ['redis', 1]]);

    await fence.run({ epoch: 2 }, async () => {
      await results.publish(aResult(game));
      await offsets.save('start_jobs', '9-0');
    });
    expect(await redis.xlen(`${prefix}runtime:job_results`)).toBe(2);
    expect(await offsets.load('start_jobs')).toBe('9-0');
  });

  it('a published job result is in the answers ledger (also outside a term); a rejected one is not; old marks are dropped', async () => {
    const answersKey = `${prefix}rtmanager:job_answers`;
    const results = new RedisJobResultPublisher(redis, `${prefix}runtime:job_results`, 0, { epochFence: epochs, answersKey });
    const game = testGameId('ledger');
    await epochs.advance(2);
    const job = (jobId: string) => ({ ...aResult(game), jobId });
    expect(await results.wasAnswered('start', '1800000000000-0')).toBe(false);
    await fence.run({ epoch: 2 }, () => results.publish(job('1800000000000-0')));
    await results.publish(job('1800000000001-0'));
    await expect(fence.run({ epoch: 1 }, () => results.publish(job('1800000000002-0')))).rejects.toSatisfy(isLeadershipLost);
    expect(await results.wasAnswered('start', '1800000000000-0')).toBe(true);
    expect(await results.wasAnswered('start', '1800000000001-0')).toBe(true);
    expect(await results.wasAnswered('stop', '1800000000000-0')).toBe(false);
    expect(await results.wasAnswered('start', '1800000000002-0')).toBe(false);
    // A job a day and more later drops the marks older than a day.
    await results.publish(job('1800086400001-0'));
    expect(await redis.zrange(answersKey, 0, -1)).toEqual(['start:1800000000001-0', 'start:1800086400001-0']);
  });

  it('outside any term (REST, a standby) writes are not checked', async () => {
    const results = new RedisJobResultPublisher(redis, `${prefix}runtime:job_results`, 0, { epochFence: epochs, answersKey: `${prefix}rtmanager:job_answers` });
    await epochs.advance(7);
    await results.publish(aResult(testGameId('rest')));
    expect(await redis.xlen(`${prefix}runtime:job_results`)).toBe(1);
    expect(rejected).toEqual([]);
  });

  it('the fenced XADD keeps the fields in order and trims like the plain one', async () => {
    const results = new RedisJobResultPublisher(redis, `${prefix}runtime:job_results`, 1, { epochFence: epochs, answersKey: `${prefix}rtmanager:job_answers` });
    await epochs.advance(1);
    const game = testGameId('fields');
    const id = await fence.run({ epoch: 1 }, () => results.publish(aResult(game)));
    const [[entryId, fields]] = (await redis.xrange(`${prefix}runtime:job_results`, '-', '+')) as [[string, string[]]];
    expect(entryId).toBe(id);
    expect(fields.slice(0, 4)).toEqual(['game_id', game, 'job_kind', 'start']);
  });
});
