import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisStreamOffsetStore } from '../../../src/adapters/redis/stream-offset.store.js';
import { FakeStreamOffsetStore } from '../../fakes/coordination.fake.js';
import { testRedisPrefix } from '../../support/test-env.js';
import { describeStreamOffsetStoreContract } from './stream-offset.contract.js';
import { connectTestRedis, deleteKeysWithPrefix } from './redis-test-support.js';

let redis: Redis;
beforeAll(() => {
  redis = connectTestRedis();
});
afterAll(async () => {
  await redis.quit();
});

describeStreamOffsetStoreContract('RedisStreamOffsetStore', async () => {
  const keyPrefix = testRedisPrefix();
  return { store: new RedisStreamOffsetStore(redis, { keyPrefix }), teardown: () => deleteKeysWithPrefix(redis, keyPrefix) };
});

describeStreamOffsetStoreContract('FakeStreamOffsetStore', async () => ({
  store: new FakeStreamOffsetStore(),
  teardown: async () => {},
}));

describe('RedisStreamOffsetStore on the wire', () => {
  const prefixes: string[] = [];
  afterEach(async () => {
    for (const p of prefixes.splice(0)) await deleteKeysWithPrefix(redis, p);
  });

  it('keeps offsets in the hash <prefix>rtmanager:stream_offsets, one field per consumer label', async () => {
    const keyPrefix = testRedisPrefix();
    prefixes.push(keyPrefix);
    const store = new RedisStreamOffsetStore(redis, { keyPrefix });
    await store.save('start_jobs', '12-3');
    expect(store.key).toBe(`${keyPrefix}rtmanager:stream_offsets`);
    expect(await redis.hgetall(`${keyPrefix}rtmanager:stream_offsets`)).toEqual({ start_jobs: '12-3' });
  });

  it('isolates deployments by key prefix', async () => {
    const a = testRedisPrefix();
    const b = testRedisPrefix();
    prefixes.push(a, b);
    await new RedisStreamOffsetStore(redis, { keyPrefix: a }).save('start_jobs', '1-1');
    expect(await new RedisStreamOffsetStore(redis, { keyPrefix: b }).load('start_jobs')).toBeNull();
  });
});
