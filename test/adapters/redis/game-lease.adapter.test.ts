import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisGameLeases } from '../../../src/adapters/redis/game-lease.adapter.js';
import { FakeGameLeases } from '../../fakes/coordination.fake.js';
import { eventually, testGameId, testRedisPrefix } from '../../support/test-env.js';
import { describeGameLeasesContract } from './game-lease.contract.js';
import { capturingLogger, connectTestRedis, deleteKeysWithPrefix, silentLogger } from './redis-test-support.js';

let redis: Redis;
beforeAll(() => {
  redis = connectTestRedis();
});
afterAll(async () => {
  await redis.quit();
});

describeGameLeasesContract('RedisGameLeases', async () => {
  const keyPrefix = testRedisPrefix();
  return {
    holder: (opts) => new RedisGameLeases(redis, { keyPrefix, ttlMs: opts?.ttlMs ?? 10_000, renewEveryMs: opts?.renewEveryMs }, silentLogger),
    teardown: () => deleteKeysWithPrefix(redis, keyPrefix),
  };
});

describeGameLeasesContract('FakeGameLeases', async () => {
  const space = new FakeGameLeases();
  return {
    holder: (opts) => new FakeGameLeases({ ttlMs: opts?.ttlMs, renewEveryMs: opts?.renewEveryMs, shareWith: space }),
    teardown: async () => {},
  };
});

const leases = (keyPrefix: string) => new RedisGameLeases(redis, { keyPrefix, ttlMs: 1_000 }, silentLogger);

describe('RedisGameLeases on the wire', () => {
  let keyPrefix: string;
  beforeEach(() => {
    keyPrefix = testRedisPrefix();
  });
  afterEach(async () => {
    await deleteKeysWithPrefix(redis, keyPrefix);
  });

  it('stores the token under <prefix>rtmanager:lease:<game_id> with a ttl', async () => {
    const leases = new RedisGameLeases(redis, { keyPrefix, ttlMs: 5_000 }, silentLogger);
    const game = testGameId('wire');
    const lease = await leases.tryAcquire(game);
    const key = `${keyPrefix}rtmanager:lease:${game}`;
    expect(leases.keyFor(game)).toBe(key);
    expect(await redis.get(key)).toBe(lease!.token);
    const pttl = await redis.pttl(key);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(5_000);
    await lease!.release();
    expect(await redis.exists(key)).toBe(0);
  });

  it('renewal pushes the expiry forward', async () => {
    const leases = new RedisGameLeases(redis, { keyPrefix, ttlMs: 1_000, renewEveryMs: 100 }, silentLogger);
    const game = testGameId('pttl');
    const lease = await leases.tryAcquire(game);
    const key = leases.keyFor(game);
    const acquiredAt = Date.now();
    // Once more than half the original ttl has passed, only renewal explains a ttl near full.
    await eventually(async () => (Date.now() - acquiredAt > 600 && (await redis.pttl(key)) > 700 ? true : undefined), {
      timeoutMs: 5_000,
      intervalMs: 50,
    });
    await lease!.release();
  });

  it('renewal notices a takeover: lost, renewal stops, and the new holder keeps its key', async () => {
    const { logger, lines } = capturingLogger();
    const leases = new RedisGameLeases(redis, { keyPrefix, ttlMs: 5_000, renewEveryMs: 50 }, logger);
    const game = testGameId('steal');
    const lease = await leases.tryAcquire(game);
    const key = leases.keyFor(game);
    await redis.set(key, 'someone-else', 'PX', 60_000);
    await eventually(() => (lease!.isLost() ? true : undefined), { timeoutMs: 5_000, intervalMs: 20 });
    expect(lines.some((l) => l.msg === 'game lease lost' && l.game_id === game)).toBe(true);
    // Renewal stopped: it would have cut the other holder's 60 s ttl down to 5 s.
    expect(await redis.pttl(key)).toBeGreaterThan(50_000);
    await lease!.release();
    expect(await redis.get(key)).toBe('someone-else');
  });

  it('release never rejects: with Redis gone it logs, and the lease is left to its TTL', async () => {
    const { logger, lines } = capturingLogger();
    const lost = connectTestRedis();
    const leases = new RedisGameLeases(lost, { keyPrefix, ttlMs: 5_000, renewEveryMs: null }, logger);
    const game = testGameId('gone');
    const lease = await leases.tryAcquire(game);
    lost.disconnect();
    await expect(lease!.release()).resolves.toBeUndefined();
    expect(lines.some((l) => l.msg === 'lease release failed; it will expire on its own')).toBe(true);
    expect(await redis.pttl(leases.keyFor(game))).toBeGreaterThan(0);
  });

  it('a new boot of the same instance id takes over a lease of the dead one at once; other instances and its own boot do not', async () => {
    const as = (instanceId: string, bootId: string) => new RedisGameLeases(redis, { keyPrefix, ttlMs: 30_000, renewEveryMs: null, holder: { instanceId, bootId } }, silentLogger);
    const game = testGameId('incarn');
    const dead = await as('rtm-a', 'boot-1').tryAcquire(game);
    expect(dead?.token).toMatch(/^rtm-a\/boot-1\//);
    expect(await as('rtm-b', 'boot-9').tryAcquire(game)).toBeNull();
    expect(await as('rtm-a', 'boot-1').tryAcquire(game)).toBeNull();
    // An instance id that merely starts like ours is another instance.
    expect(await as('rtm-a2', 'boot-3').tryAcquire(game)).toBeNull();
    const next = await as('rtm-a', 'boot-2').tryAcquire(game);
    expect(next?.token).toMatch(/^rtm-a\/boot-2\//);
    expect(await redis.get(leases(keyPrefix).keyFor(game))).toBe(next!.token);
    // The dead incarnation's token no longer releases anything.
    await dead!.release();
    expect(await redis.get(leases(keyPrefix).keyFor(game))).toBe(next!.token);
    const pttl = await redis.pttl(leases(keyPrefix).keyFor(game));
    expect(pttl).toBeGreaterThan(20_000);
  });

  it('rejects a non-positive ttl', () => {
    expect(() => new RedisGameLeases(redis, { keyPrefix, ttlMs: 0 }, silentLogger)).toThrow(/ttl/);
  });
});
