// The job consumers against the real Redis adapters (reader, publisher, offset store) with
// stub services: ordering, the wire shape of results, offsets, and recovery from dropped
// connections.
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RedisJobResultPublisher } from '../../../src/adapters/redis/job-result.publisher.js';
import { RedisStreamOffsetStore } from '../../../src/adapters/redis/stream-offset.store.js';
import { RedisStreamReader } from '../../../src/adapters/redis/stream-reader.adapter.js';
import { succeeded } from '../../../src/domain/operation-result.js';
import { noopMetrics } from '../../../src/ports/metrics.js';
import { systemClock } from '../../../src/ports/clock.js';
import type { JobConsumerSettings } from '../../../src/workers/job-consumer/stream-job-consumer.js';
import type { StartRuntime } from '../../../src/workers/job-consumer/lobby-jobs.js';
import { startJobs, stopJobs, type StartJob } from '../../../src/workers/job-consumer/lobby-jobs.js';
import { StreamJobConsumer } from '../../../src/workers/job-consumer/stream-job-consumer.js';
import type { StopRuntime } from '../../../src/workers/job-consumer/lobby-jobs.js';
import { connectTestRedis, deleteKeysWithPrefix, silentLogger } from '../../adapters/redis/redis-test-support.js';
import { eventually, testGameId, testRedisPrefix } from '../../support/test-env.js';
import { ScriptedService, stoppedRecord } from '../../workers/job-consumer/consumer-harness.js';

type StartInput = Parameters<StartRuntime['execute']>[0];
type StopInput = Parameters<StopRuntime['execute']>[0];

let prefix: string;
let admin: Redis;
let shared: Redis; // publisher + offsets, as the composition root shares one connection
let readerConnection: Redis; // the blocking reads get their own
const consumers: Array<{ stop(): Promise<void> }> = [];

beforeEach(() => {
  prefix = testRedisPrefix();
  admin = connectTestRedis();
  shared = connectTestRedis();
  readerConnection = connectTestRedis();
  // Killed connections emit 'error' before reconnecting; the consumer sees the failed commands.
  for (const c of [shared, readerConnection]) c.on('error', () => {});
});

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.stop()));
  await deleteKeysWithPrefix(admin, prefix);
  for (const c of [shared, readerConnection]) c.disconnect();
  await admin.quit();
});

function streams() {
  return { start: `${prefix}runtime:start_jobs`, stop: `${prefix}runtime:stop_jobs`, results: `${prefix}runtime:job_results` };
}

function settings(stream: string): JobConsumerSettings {
  return { stream, blockMs: 200, batchSize: 16, concurrency: 4, shutdownTimeoutMs: 5_000, backoff: { initialMs: 50, maxMs: 400 } };
}

function deps() {
  return {
    reader: new RedisStreamReader(readerConnection, silentLogger),
    offsets: new RedisStreamOffsetStore(shared, { keyPrefix: prefix }),
    results: new RedisJobResultPublisher(shared, streams().results),
    metrics: noopMetrics,
    clock: systemClock,
    logger: silentLogger,
  };
}

function startConsumer(service: ScriptedService<StartInput>): StreamJobConsumer<StartJob> {
  const consumer = new StreamJobConsumer(deps(), startJobs(service), settings(streams().start));
  consumers.push(consumer);
  consumer.start();
  return consumer;
}

async function xaddStart(gameId: string, imageRef = 'galaxy/game-test:1.0.0'): Promise<string> {
  return (await admin.xadd(streams().start, '*', 'game_id', gameId, 'image_ref', imageRef, 'requested_at_ms', String(Date.now()))) as string;
}

/** job_results entries as flat field maps, oldest first. */
async function results(): Promise<Array<Record<string, string>>> {
  const raw = await admin.xrange(streams().results, '-', '+');
  return raw.map(([, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
    return fields;
  });
}

async function offsetOf(label: string): Promise<string | null> {
  return admin.hget(`${prefix}rtmanager:stream_offsets`, label);
}

async function waitForOffset(label: string, id: string): Promise<void> {
  await eventually(async () => ((await offsetOf(label)) === id ? true : undefined), { timeoutMs: 15_000, intervalMs: 25 });
}

describe('job consumers on real Redis', () => {
  it('processes jobs published before it started, publishes results in order and persists the offset', async () => {
    const gameA = testGameId('a');
    const gameB = testGameId('b');
    const ids = [await xaddStart(gameA), await xaddStart(gameB), await xaddStart(gameA, 'galaxy/game-test:1.0.1')];
    const malformed = (await admin.xadd(streams().start, '*', 'game_id', gameB, 'requested_at_ms', '1')) as string;
    const service = new ScriptedService<StartInput>();

    startConsumer(service);
    await waitForOffset('start_jobs', malformed);

    const published = await results();
    expect(published).toHaveLength(4);
    const forA = published.filter((r) => r.game_id === gameA);
    expect(forA.map((r) => r.job_id)).toEqual([ids[0], ids[2]]);
    expect(forA.map((r) => r.image_ref)).toEqual(['galaxy/game-test:1.0.0', 'galaxy/game-test:1.0.1']);
    expect(published.find((r) => r.job_id === ids[1])).toEqual({
      game_id: gameB,
      job_kind: 'start',
      job_id: ids[1],
      outcome: 'success',
      error_code: '',
      error_message: '',
      container_id: `cid-${gameB}`,
      engine_endpoint: `http://galaxy-game-${gameB}:8080`,
      image_ref: 'galaxy/game-test:1.0.0',
      completed_at_ms: expect.stringMatching(/^[0-9]+$/),
    });
    expect(published.find((r) => r.job_id === malformed)).toMatchObject({
      game_id: gameB,
      outcome: 'failure',
      error_code: 'invalid_request',
      error_message: expect.stringContaining('image_ref'),
    });
  });

  it('resumes after a restart from the persisted offset (no job run twice)', async () => {
    const service = new ScriptedService<StartInput>();
    const first = await xaddStart(testGameId('r1'));
    const consumer = startConsumer(service);
    await waitForOffset('start_jobs', first);
    await consumer.stop();

    const second = await xaddStart(testGameId('r2'));
    startConsumer(service);
    await waitForOffset('start_jobs', second);

    expect(service.calls).toHaveLength(2);
    expect((await results()).map((r) => r.job_id)).toEqual([first, second]);
  });

  it('keeps consuming after its blocking connection is killed (CLIENT KILL)', async () => {
    const service = new ScriptedService<StartInput>();
    const consumer = startConsumer(service);
    const before = await xaddStart(testGameId('k1'));
    await waitForOffset('start_jobs', before);

    const readerId = (await readerConnection.client('ID')) as number;
    await admin.client('KILL', 'ID', String(readerId));
    const sharedId = (await shared.client('ID')) as number;
    await admin.client('KILL', 'ID', String(sharedId));

    const after = await xaddStart(testGameId('k2'));
    await waitForOffset('start_jobs', after);
    expect((await results()).map((r) => r.job_id)).toEqual([before, after]);
    await eventually(() => (consumer.problem() === null ? true : undefined));
  });

  it('retries while Redis is unreachable for publishing, reports it, and recovers without losing the job', async () => {
    const service = new ScriptedService<StartInput>();
    const consumer = startConsumer(service);
    const warmup = await xaddStart(testGameId('w'));
    await waitForOffset('start_jobs', warmup);

    shared.disconnect(); // publisher and offsets now fail with "Connection is closed"
    const job = await xaddStart(testGameId('down'));
    const problem = await eventually(() => consumer.problem() ?? undefined, { intervalMs: 25 });
    expect(problem).toMatch(/start_jobs: processing job .* failing since .*Connection is closed/);
    expect(await offsetOf('start_jobs')).toBe(warmup);

    await shared.connect();
    await waitForOffset('start_jobs', job);
    expect((await results()).filter((r) => r.job_id === job)).toHaveLength(1);
    expect(service.calls).toHaveLength(2); // the service result was kept across publish retries
    await eventually(() => (consumer.problem() === null ? true : undefined));
  });

  it('runs the stop consumer on its own stream and offset', async () => {
    const service = new ScriptedService<StopInput>();
    service.respond = async (input) => succeeded(stoppedRecord(input.gameId, 'galaxy/game-test:1.0.0'));
    const gameId = testGameId('s');
    const id = (await admin.xadd(streams().stop, '*', 'game_id', gameId, 'reason', 'admin_request', 'requested_at_ms', String(Date.now()))) as string;
    const consumer = new StreamJobConsumer(deps(), stopJobs(service), settings(streams().stop));
    consumers.push(consumer);
    consumer.start();

    await waitForOffset('stop_jobs', id);
    expect(service.calls).toEqual([{ gameId, reason: 'admin_request', opSource: 'lobby_stream' }]);
    expect(await results()).toEqual([expect.objectContaining({ game_id: gameId, job_kind: 'stop', job_id: id, outcome: 'success' })]);
    expect(await offsetOf('start_jobs')).toBeNull();
  });
});
