// The three stream publishers, read back with XRANGE: exact field names, order and values.
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisHealthEventPublisher } from '../../../src/adapters/redis/health-event.publisher.js';
import { RedisJobResultPublisher } from '../../../src/adapters/redis/job-result.publisher.js';
import { RedisNotificationIntentPublisher } from '../../../src/adapters/redis/notification-intent.publisher.js';
import type { HealthEvent } from '../../../src/domain/health.js';
import { testGameId, testRedisPrefix } from '../../support/test-env.js';
import { connectTestRedis, deleteKeysWithPrefix } from './redis-test-support.js';

let redis: Redis;
let prefix: string;
beforeAll(() => {
  redis = connectTestRedis();
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

/** Entries as [id, [name, value, ...]] exactly as Redis stores them. */
async function readAll(stream: string): Promise<Array<[string, string[]]>> {
  return redis.xrange(stream, '-', '+');
}

function asRecord(flat: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i]!] = flat[i + 1]!;
  return out;
}

const names = (flat: string[]): string[] => flat.filter((_, i) => i % 2 === 0);

describe('RedisJobResultPublisher', () => {
  it('appends a success with every contract field, in order, and returns the entry id', async () => {
    const stream = `${prefix}runtime:job_results`;
    const game = testGameId('jr');
    const id = await new RedisJobResultPublisher(redis, stream).publish({
      gameId: game,
      jobKind: 'start',
      jobId: '1700000000000-3',
      outcome: 'success',
      errorCode: null,
      errorMessage: null,
      containerId: 'abc123',
      engineEndpoint: `http://galaxy-game-${game}:8080`,
      imageRef: 'galaxy/game:1.2.3',
      completedAt: new Date(1_700_000_000_456),
    });
    const entries = await readAll(stream);
    expect(entries).toEqual([
      [
        id,
        [
          'game_id', game,
          'job_kind', 'start',
          'job_id', '1700000000000-3',
          'outcome', 'success',
          'error_code', '',
          'error_message', '',
          'container_id', 'abc123',
          'engine_endpoint', `http://galaxy-game-${game}:8080`,
          'image_ref', 'galaxy/game:1.2.3',
          'completed_at_ms', '1700000000456',
        ],
      ],
    ]);
  });

  it('writes absent values of a failure as empty strings', async () => {
    const stream = `${prefix}runtime:job_results`;
    await new RedisJobResultPublisher(redis, stream).publish({
      gameId: 'g1',
      jobKind: 'stop',
      jobId: '5-0',
      outcome: 'failure',
      errorCode: 'invalid_request',
      errorMessage: 'reason "x" is not one of ...',
      containerId: null,
      engineEndpoint: null,
      imageRef: null,
      completedAt: new Date(42),
    });
    const [[, flat]] = (await readAll(stream)) as [[string, string[]]];
    expect(asRecord(flat)).toEqual({
      game_id: 'g1',
      job_kind: 'stop',
      job_id: '5-0',
      outcome: 'failure',
      error_code: 'invalid_request',
      error_message: 'reason "x" is not one of ...',
      container_id: '',
      engine_endpoint: '',
      image_ref: '',
      completed_at_ms: '42',
    });
  });

  it('never trims the stream', async () => {
    const stream = `${prefix}runtime:job_results`;
    const publisher = new RedisJobResultPublisher(redis, stream);
    for (let i = 0; i < 150; i++) {
      await publisher.publish({
        gameId: 'g', jobKind: 'stop', jobId: `${i}-0`, outcome: 'success', errorCode: 'replay_no_op',
        errorMessage: null, containerId: null, engineEndpoint: null, imageRef: null, completedAt: new Date(),
      });
    }
    expect(await redis.xlen(stream)).toBe(150);
  });
});

describe('RedisHealthEventPublisher', () => {
  const event = (game: string, over: Partial<HealthEvent> = {}): HealthEvent => ({
    gameId: game,
    containerId: 'c0ffee',
    eventType: 'container_exited',
    occurredAt: new Date(1_700_000_001_000),
    details: { exit_code: 137, oom_killed: false, nested: { a: [1, 'two'] } },
    ...over,
  });

  // The snapshot upsert and the metric moved to the health service (issue 8 item 7); their
  // assertions are in test/services/health/record-health-event.service.test.ts.
  it('appends the contract fields, in order, and nothing else', async () => {
    const stream = `${prefix}runtime:health_events`;
    const game = testGameId('he');
    await new RedisHealthEventPublisher(redis, stream).publish(event(game));

    const entries = await readAll(stream);
    expect(entries).toHaveLength(1);
    const [, flat] = entries[0]!;
    expect(names(flat)).toEqual(['game_id', 'container_id', 'event_type', 'occurred_at_ms', 'details']);
    const fields = asRecord(flat);
    expect(fields).toMatchObject({ game_id: game, container_id: 'c0ffee', event_type: 'container_exited', occurred_at_ms: '1700000001000' });
    expect(fields.occurred_at_ms).toMatch(/^\d+$/);
    expect(JSON.parse(fields.details!)).toEqual({ exit_code: 137, oom_killed: false, nested: { a: [1, 'two'] } });
    expect(await redis.keys(`${prefix}*`)).toEqual([stream]);
  });

  it('writes empty details as "{}"', async () => {
    const stream = `${prefix}runtime:health_events`;
    await new RedisHealthEventPublisher(redis, stream).publish(event('g2', { eventType: 'probe_recovered', details: {} }));
    const [[, flat]] = (await readAll(stream)) as [[string, string[]]];
    expect(asRecord(flat).details).toBe('{}');
  });

  it('rejects when the append fails', async () => {
    const stream = `${prefix}runtime:health_events`;
    await redis.set(stream, 'not a stream');
    await expect(new RedisHealthEventPublisher(redis, stream).publish(event('g4'))).rejects.toThrow(/WRONGTYPE/);
  });
});

describe('RedisNotificationIntentPublisher', () => {
  it('appends an admin e-mail intent with the contract fields and a JSON payload', async () => {
    const stream = `${prefix}notification:intents`;
    const game = testGameId('ni');
    await new RedisNotificationIntentPublisher(redis, stream).publish({
      intentType: 'runtime.image_pull_failed',
      idempotencyKey: `rtmanager:${game}:start:1700000002000`,
      gameId: game,
      imageRef: 'galaxy/game:9.9.9',
      errorCode: 'image_pull_failed',
      errorMessage: 'manifest unknown',
      attemptedAt: new Date(1_700_000_002_000),
    });
    const entries = await readAll(stream);
    expect(entries).toHaveLength(1);
    const [, flat] = entries[0]!;
    expect(names(flat)).toEqual(['intent_type', 'audience', 'channels', 'idempotency_key', 'payload', 'producer']);
    const fields = asRecord(flat);
    expect(fields).toMatchObject({
      intent_type: 'runtime.image_pull_failed',
      audience: 'admin',
      channels: 'email',
      idempotency_key: `rtmanager:${game}:start:1700000002000`,
      producer: 'rtmanager',
    });
    expect(JSON.parse(fields.payload!)).toEqual({
      game_id: game,
      image_ref: 'galaxy/game:9.9.9',
      error_code: 'image_pull_failed',
      error_message: 'manifest unknown',
      attempted_at_ms: 1_700_000_002_000,
    });
  });
});
