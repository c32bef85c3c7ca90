import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisStreamReader } from '../../../src/adapters/redis/stream-reader.adapter.js';
import { FakeStreamReader } from '../../fakes/stream-reader.fake.js';
import { testRedisPrefix } from '../../support/test-env.js';
import { capturingLogger, connectTestRedis, deleteKeysWithPrefix, silentLogger } from './redis-test-support.js';
import { describeStreamReaderContract } from './stream-reader.contract.js';

let redis: Redis;
beforeAll(() => {
  redis = connectTestRedis();
});
afterAll(async () => {
  await redis.quit();
});

describeStreamReaderContract('RedisStreamReader', async () => {
  const prefix = testRedisPrefix();
  // Blocking XREAD gets its own connection, as in production.
  const readerConnection = redis.duplicate();
  return {
    reader: new RedisStreamReader(readerConnection, silentLogger),
    add: async (stream, pairs) => (await redis.xadd(stream, '*', ...pairs.flat()))!,
    stream: (name) => `${prefix}${name}`,
    teardown: async () => {
      // disconnect, not quit: an abandoned blocked XREAD would hold QUIT back.
      readerConnection.disconnect();
      await deleteKeysWithPrefix(redis, prefix);
    },
  };
});

describeStreamReaderContract('FakeStreamReader', async () => {
  const fake = new FakeStreamReader();
  return {
    reader: fake,
    add: async (stream, pairs) => fake.add(stream, pairs),
    stream: (name) => name,
    teardown: async () => {},
  };
});

describe('RedisStreamReader specifics', () => {
  let prefix: string;
  let conn: Redis;
  beforeEach(() => {
    prefix = testRedisPrefix();
    conn = redis.duplicate();
  });
  afterEach(async () => {
    conn.disconnect();
    await deleteKeysWithPrefix(redis, prefix);
  });

  it('logs an entry that repeats fields', async () => {
    const { logger, lines } = capturingLogger();
    const stream = `${prefix}dup`;
    const id = await redis.xadd(stream, '*', 'game_id', 'a', 'game_id', 'b');
    await new RedisStreamReader(conn, logger).readAfter(stream, '0', { count: 1, blockMs: 0 });
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, stream, entry_id: id, duplicate_fields: ['game_id'] }));
  });

  it('surfaces Redis failures (a stream key of the wrong type)', async () => {
    const stream = `${prefix}not-a-stream`;
    await redis.set(stream, 'x');
    const reader = new RedisStreamReader(conn, silentLogger);
    await expect(reader.readAfter(stream, '0', { count: 1, blockMs: 0 })).rejects.toThrow(/WRONGTYPE/);
    await expect(reader.lastEntryId(stream)).rejects.toThrow(/WRONGTYPE/);
  });

  it('the connection is usable again after an aborted blocking read', async () => {
    const stream = `${prefix}s`;
    const reader = new RedisStreamReader(conn, silentLogger);
    const ctl = new AbortController();
    const reading = reader.readAfter(stream, '0', { count: 1, blockMs: 300, signal: ctl.signal });
    ctl.abort();
    expect(await reading).toEqual([]);
    const id = await redis.xadd(stream, '*', 'k', 'v');
    // Queued behind the abandoned XREAD, which ends within its blockMs; the entry is still there.
    expect((await reader.readAfter(stream, '0', { count: 1, blockMs: 0 })).map((e) => e.id)).toEqual([id]);
  });
});

describe('FakeStreamReader specifics', () => {
  it('ids stay strictly increasing within the same millisecond and when the clock goes back', async () => {
    let t = 1_000;
    const fake = new FakeStreamReader(() => t);
    const a = fake.add('s', { n: '1' });
    const b = fake.add('s', { n: '2' });
    t = 500;
    const c = fake.add('s', { n: '3' });
    expect([a, b, c]).toEqual(['1000-0', '1000-1', '1000-2']);
  });

  it('failNextRead fails one read', async () => {
    const fake = new FakeStreamReader();
    fake.failNextRead = new Error('redis down');
    await expect(fake.readAfter('s', '0', { count: 1, blockMs: 0 })).rejects.toThrow('redis down');
    expect(await fake.readAfter('s', '0', { count: 1, blockMs: 0 })).toEqual([]);
  });
});
