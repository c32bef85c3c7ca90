import { afterEach, describe, expect, it } from 'vitest';
import { failed, succeeded } from '../../../src/domain/operation-result.js';
import type { StopRuntime } from '../../../src/workers/job-consumer/lobby-jobs.js';
import { stopJobs, type StopJob } from '../../../src/workers/job-consumer/lobby-jobs.js';
import { StreamJobConsumer } from '../../../src/workers/job-consumer/stream-job-consumer.js';
import { eventually } from '../../support/test-env.js';
import { ConsumerWorld, STOP_STREAM, ScriptedService, stopJobFields, stoppedRecord, testSettings } from './consumer-harness.js';

type StopInput = Parameters<StopRuntime['execute']>[0];
const fast = { intervalMs: 5, timeoutMs: 5_000 };
const consumers: StreamJobConsumer<StopJob>[] = [];

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.stop()));
});

function stopService(): ScriptedService<StopInput> {
  const service = new ScriptedService<StopInput>();
  service.respond = async (input) => succeeded(stoppedRecord(input.gameId, 'galaxy/game:1.0.0'));
  return service;
}

async function runUntilDone(
  world: ConsumerWorld,
  service: ScriptedService<StopInput>,
  lastId: string,
  overrides: Parameters<typeof testSettings>[1] = {},
): Promise<void> {
  const consumer = new StreamJobConsumer(world.deps(), stopJobs(service), testSettings(STOP_STREAM, overrides));
  consumers.push(consumer);
  consumer.start();
  await eventually(() => (world.offsets.offsets.get('stop_jobs') === lastId ? true : undefined), fast);
}

describe('the stop-jobs consumer (StreamJobConsumer + stopJobs)', () => {
  it('stops the runtime with the job’s reason and publishes the result', async () => {
    const world = new ConsumerWorld();
    const service = stopService();
    const id = world.reader.add(STOP_STREAM, stopJobFields('game-1', 'orphan_cleanup'));

    await runUntilDone(world, service, id);

    expect(service.calls).toEqual([{ gameId: 'game-1', reason: 'orphan_cleanup', opSource: 'lobby_stream' }]);
    expect(world.results.published).toEqual([
      {
        gameId: 'game-1',
        jobKind: 'stop',
        jobId: id,
        outcome: 'success',
        errorCode: null,
        errorMessage: null,
        containerId: 'cid-game-1',
        engineEndpoint: 'http://galaxy-game-game-1:8080',
        imageRef: 'galaxy/game:1.0.0',
        completedAt: world.clock.now(),
      },
    ]);
    expect(world.offsets.offsets.has('start_jobs')).toBe(false);
  });

  it('answers a stop of an unknown game (replay_no_op, no record) with empty container fields', async () => {
    const world = new ConsumerWorld();
    const service = stopService();
    service.respond = async () => succeeded(null, true);
    const id = world.reader.add(STOP_STREAM, stopJobFields('never-started', 'cancelled'));

    await runUntilDone(world, service, id);

    expect(world.results.byJob(id)).toMatchObject({
      outcome: 'success',
      errorCode: 'replay_no_op',
      containerId: null,
      engineEndpoint: null,
      imageRef: null,
    });
  });

  // Issue 9 item 1: docker_unavailable is retried while the job is younger than the max age;
  // a job already past it (max age 0) is answered with the failure of its one, final call.
  it('publishes a failed stop as a failure result', async () => {
    const world = new ConsumerWorld();
    const service = stopService();
    service.respond = async () => failed('docker_unavailable', 'docker daemon unreachable');
    const id = world.reader.add(STOP_STREAM, stopJobFields('game-2'));

    await runUntilDone(world, service, id, { maxAgeMs: 0 });

    expect(service.contexts).toEqual([{ retries: 0, deferRetryable: false }]);
    expect(world.results.byJob(id)).toMatchObject({ outcome: 'failure', errorCode: 'docker_unavailable', errorMessage: 'docker daemon unreachable' });
  });

  it.each([
    ['unknown reason', stopJobFields('bad-1', 'bored'), /reason: must be one of orphan_cleanup, cancelled, finished, admin_request, timeout/],
    ['missing reason', { game_id: 'bad-2', requested_at_ms: '1' }, /missing required field "reason"/],
    ['unparsable requested_at_ms', { ...stopJobFields('bad-3'), requested_at_ms: '-5' }, /requested_at_ms: must match pattern/],
  ])('%s → failure result invalid_request, consumer continues', async (_name, fields, message) => {
    const world = new ConsumerWorld();
    const service = stopService();
    const bad = world.reader.add(STOP_STREAM, fields);
    const good = world.reader.add(STOP_STREAM, stopJobFields('good-after'));

    await runUntilDone(world, service, good);

    const result = world.results.byJob(bad);
    expect(result).toMatchObject({ jobKind: 'stop', outcome: 'failure', errorCode: 'invalid_request' });
    expect(result?.errorMessage).toMatch(message);
    expect(service.calledGames).toEqual(['good-after']);
  });

  it('answers an entry with an invalid game_id (echoed, never used) and moves on', async () => {
    const world = new ConsumerWorld();
    const service = stopService();
    const bad = world.reader.add(STOP_STREAM, stopJobFields('../etc'));
    const good = world.reader.add(STOP_STREAM, stopJobFields('good-after'));

    await runUntilDone(world, service, good);

    expect(world.results.byJob(bad)).toMatchObject({ gameId: '../etc', outcome: 'failure', errorCode: 'invalid_request' });
    expect(service.calledGames).toEqual(['good-after']);
  });

  it('counts an entry without a game_id as a rejection and moves on', async () => {
    const world = new ConsumerWorld();
    const service = stopService();
    world.reader.add(STOP_STREAM, { reason: 'cancelled', requested_at_ms: '1' });
    const good = world.reader.add(STOP_STREAM, stopJobFields('good-after'));

    await runUntilDone(world, service, good);

    expect(world.metrics.rejected).toEqual([{ consumer: 'stop_jobs', reason: 'missing_game_id' }]);
    expect(world.results.published.map((r) => r.gameId)).toEqual(['good-after']);
  });
});
