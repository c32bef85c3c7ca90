// Retention on real Redis: every publisher trims its stream approximately (XADD MAXLEN ~ N):
// the stream never drops below N once it has N entries, ends near N (within one radix-tree
// node), keeps the newest entries; 0 never trims.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisHealthEventPublisher } from '../../../src/adapters/redis/health-event.publisher.js';
import { RedisJobResultPublisher } from '../../../src/adapters/redis/job-result.publisher.js';
import { RedisNotificationIntentPublisher } from '../../../src/adapters/redis/notification-intent.publisher.js';
import { testRedisPrefix } from '../../support/test-env.js';
import { connectTestRedis, deleteKeysWithPrefix } from './redis-test-support.js';

let redis: Redis;
let prefix: string;
let nodeMaxEntries: number;
beforeAll(async () => {
  redis = connectTestRedis();
  const [, value] = (await redis.config('GET', 'stream-node-max-entries')) as [string, string];
  nodeMaxEntries = Number(value);
});
afterAll(async () => {
  await redis.quit();
});
beforeEach(() => {
  prefix = testRedisPrefix();
});
afterEach(async () => {
  await deleteKeysWithPrefix(redis, prefix);
});

const CAP = 200;
const PUBLISHED = 800;

type Publish = (i: number) => Promise<unknown>;

const publishers: Record<string, (stream: string, maxLen: number) => Publish> = {
  'runtime:job_results': (stream, maxLen) => {
    const p = new RedisJobResultPublisher(redis, stream, maxLen);
    return (i) =>
      p.publish({ gameId: `g${i}`, jobKind: 'start', jobId: `${i}-0`, outcome: 'success', errorCode: null, errorMessage: null, containerId: 'c', engineEndpoint: 'e', imageRef: 'galaxy/game:1.0.0', completedAt: new Date(i) });
  },
  'runtime:health_events': (stream, maxLen) => {
    const p = new RedisHealthEventPublisher(redis, stream, maxLen);
    return (i) => p.publish({ gameId: `g${i}`, containerId: 'c', eventType: 'probe_failed', occurredAt: new Date(i), details: { consecutive_failures: 3 } } as never);
  },
  'notification:intents': (stream, maxLen) => {
    const p = new RedisNotificationIntentPublisher(redis, stream, maxLen);
    return (i) =>
      p.publish({ intentType: 'runtime.image_pull_failed', idempotencyKey: `k${i}`, gameId: `g${i}`, imageRef: 'galaxy/game:1.0.0', errorCode: 'image_pull_failed', errorMessage: 'x', attemptedAt: new Date(i) });
  },
};

describe.each(Object.keys(publishers))('%s retention', (name) => {
  it(`trims near ${CAP} and never below it, keeping the newest entries`, async () => {
    const stream = `${prefix}${name}`;
    const publish = publishers[name]!(stream, CAP);
    let lowestOnceFull = Infinity;
    for (let i = 1; i <= PUBLISHED; i += 1) {
      await publish(i);
      const length = await redis.xlen(stream);
      if (i >= CAP) lowestOnceFull = Math.min(lowestOnceFull, length);
      else expect(length).toBe(i);
    }
    const length = await redis.xlen(stream);
    expect(lowestOnceFull).toBeGreaterThanOrEqual(CAP);
    expect(length).toBeGreaterThanOrEqual(CAP);
    expect(length).toBeLessThanOrEqual(CAP + nodeMaxEntries);
    expect(length).toBeLessThan(PUBLISHED); // it did trim
    const [, newest] = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1))[0] ?? ['', []];
    expect(newest.join(' ')).toMatch(new RegExp(`\\bg${PUBLISHED}\\b`));
    process.stdout.write(`${name}: ${PUBLISHED} published with MAXLEN ~ ${CAP} -> XLEN ${length} (lowest once full ${lowestOnceFull})\n`);
  });

  it('0 never trims', async () => {
    const stream = `${prefix}${name}`;
    const publish = publishers[name]!(stream, 0);
    for (let i = 1; i <= 300; i += 1) await publish(i);
    expect(await redis.xlen(stream)).toBe(300);
  });
});
