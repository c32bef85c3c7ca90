import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisHealthCheck } from '../../../src/adapters/redis/redis-health.check.js';
import { connectTestRedis } from './redis-test-support.js';

describe('RedisHealthCheck', () => {
  let redis: Redis;
  beforeAll(() => {
    redis = connectTestRedis();
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('passes against a live Redis', async () => {
    const check = new RedisHealthCheck(redis);
    expect(check.name).toBe('redis');
    await expect(check.check()).resolves.toBeUndefined();
  });

  it('fails within its timeout when Redis does not answer', async () => {
    // Nothing listens on port 1: ioredis keeps reconnecting and queues the PING.
    const dead = new Redis({ host: '127.0.0.1', port: 1, maxRetriesPerRequest: null, retryStrategy: () => 50 });
    dead.on('error', () => {});
    try {
      const started = Date.now();
      await expect(new RedisHealthCheck(dead, 200).check()).rejects.toThrow(/within 200 ms/);
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      dead.disconnect();
    }
  });
});
