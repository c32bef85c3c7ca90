// The publisher contracts against the Redis adapters: entries are read back with XRANGE and
// decoded with the published client decoders (so the wire also matches the AsyncAPI specs).
import type { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { RedisHealthEventPublisher } from '../../../src/adapters/redis/health-event.publisher.js';
import { RedisJobResultPublisher } from '../../../src/adapters/redis/job-result.publisher.js';
import { RedisNotificationIntentPublisher } from '../../../src/adapters/redis/notification-intent.publisher.js';
import { ObservedStreamPublisher } from '../../../src/adapters/telemetry/observed-stream-publisher.decorator.js';
import { decodeHealthEvent, decodeJobResult, decodeNotificationIntent, type Decoded } from '../../../packages/rtmanager-client/src/streams.js';
import type { HealthEvent } from '../../../src/domain/health.js';
import type { JobResult, NotificationIntent, NotificationIntentType } from '../../../src/ports/publishers.js';
import { testRedisPrefix } from '../../support/test-env.js';
import {
  describeHealthEventPublisherContract,
  describeJobResultPublisherContract,
  describeNotificationIntentPublisherContract,
  type PublisherWorld,
} from './publishers.contract.js';
import { connectTestRedis, deleteKeysWithPrefix } from './redis-test-support.js';

let redis: Redis;
beforeAll(() => {
  redis = connectTestRedis();
});
afterAll(async () => {
  await redis.quit();
});

function ok<T>(d: Decoded<T>): T {
  if (!d.ok) throw new Error(d.error);
  return d.value;
}

/** A publisher on its own connection (so breaking it leaves the reader's), over a fresh prefixed stream. */
function redisWorld<P, T>(streamName: string, make: (conn: Redis, stream: string) => P, decode: (flat: string[]) => T): PublisherWorld<P, T> {
  const prefix = testRedisPrefix();
  const stream = `${prefix}${streamName}`;
  const conn = connectTestRedis();
  return {
    publisher: make(conn, stream),
    readBack: async () => (await redis.xrange(stream, '-', '+')).map(([, flat]) => decode(flat)),
    breakSink: async () => conn.disconnect(),
    teardown: async () => {
      conn.disconnect();
      await deleteKeysWithPrefix(redis, prefix);
    },
  };
}

const jobResultOf = (flat: string[]): JobResult => {
  const v = ok(decodeJobResult(flat));
  return {
    gameId: v.game_id, jobKind: v.job_kind, jobId: v.job_id, outcome: v.outcome, errorCode: v.error_code, errorMessage: v.error_message,
    containerId: v.container_id, engineEndpoint: v.engine_endpoint, imageRef: v.image_ref, completedAt: new Date(v.completed_at_ms),
  };
};

const healthEventOf = (flat: string[]): HealthEvent => {
  const v = ok(decodeHealthEvent(flat));
  return { gameId: v.game_id, containerId: v.container_id, eventType: v.event_type, occurredAt: new Date(v.occurred_at_ms), details: v.details as Record<string, unknown> };
};

const notificationIntentOf = (flat: string[]): NotificationIntent => {
  const v = ok(decodeNotificationIntent(flat));
  return {
    intentType: v.intent_type as NotificationIntentType, idempotencyKey: v.idempotency_key, gameId: v.payload.game_id, imageRef: v.payload.image_ref,
    errorCode: v.payload.error_code, errorMessage: v.payload.error_message, attemptedAt: new Date(v.payload.attempted_at_ms),
  };
};

describeJobResultPublisherContract('RedisJobResultPublisher', async () => redisWorld('runtime:job_results', (c, s) => new RedisJobResultPublisher(c, s), jobResultOf));
describeHealthEventPublisherContract('RedisHealthEventPublisher', async () => redisWorld('runtime:health_events', (c, s) => new RedisHealthEventPublisher(c, s), healthEventOf));
describeNotificationIntentPublisherContract('RedisNotificationIntentPublisher', async () =>
  redisWorld('notification:intents', (c, s) => new RedisNotificationIntentPublisher(c, s), notificationIntentOf),
);

// As wired (src/app): each under the telemetry decorator, which must keep the port's contract.
describeJobResultPublisherContract('ObservedStreamPublisher(RedisJobResultPublisher)', async () =>
  redisWorld('runtime:job_results', (c, s) => new ObservedStreamPublisher(new RedisJobResultPublisher(c, s)), jobResultOf),
);
describeHealthEventPublisherContract('ObservedStreamPublisher(RedisHealthEventPublisher)', async () =>
  redisWorld('runtime:health_events', (c, s) => new ObservedStreamPublisher(new RedisHealthEventPublisher(c, s)), healthEventOf),
);
describeNotificationIntentPublisherContract('ObservedStreamPublisher(RedisNotificationIntentPublisher)', async () =>
  redisWorld('notification:intents', (c, s) => new ObservedStreamPublisher(new RedisNotificationIntentPublisher(c, s)), notificationIntentOf),
);
