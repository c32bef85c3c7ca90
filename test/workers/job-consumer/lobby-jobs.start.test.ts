import { afterEach, describe, expect, it } from 'vitest';
import { succeeded } from '../../../src/domain/operation-result.js';
import type { StartRuntime } from '../../../src/workers/job-consumer/lobby-jobs.js';
import { startJobs, type StartJob } from '../../../src/workers/job-consumer/lobby-jobs.js';
import { StreamJobConsumer } from '../../../src/workers/job-consumer/stream-job-consumer.js';
import { eventually } from '../../support/test-env.js';
import { ConsumerWorld, START_STREAM, ScriptedService, runningRecord, startJobFields, testSettings } from './consumer-harness.js';

type StartInput = Parameters<StartRuntime['execute']>[0];
const fast = { intervalMs: 5, timeoutMs: 5_000 };
const consumers: StreamJobConsumer<StartJob>[] = [];

afterEach(async () => {
  await Promise.all(consumers.splice(0).map((c) => c.stop()));
});

/** Run the consumer until the offset reaches the last entry added. */
async function runUntilDone(world: ConsumerWorld, service: ScriptedService<StartInput>, lastId: string): Promise<StreamJobConsumer<StartJob>> {
  const consumer = new StreamJobConsumer(world.deps(), startJobs(service), testSettings(START_STREAM));
  consumers.push(consumer);
  consumer.start();
  await eventually(() => (world.offsets.offsets.get('start_jobs') === lastId ? true : undefined), fast);
  return consumer;
}

describe('the start-jobs consumer (StreamJobConsumer + startJobs)', () => {
  it('starts the runtime for Lobby and publishes the result with the record’s container data', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    const id = world.reader.add(START_STREAM, startJobFields('game-1', 'galaxy/game:1.2.3'));
    world.clock.advance(1_234);

    await runUntilDone(world, service, id);

    expect(service.calls).toEqual([{ gameId: 'game-1', imageRef: 'galaxy/game:1.2.3', opSource: 'lobby_stream' }]);
    expect(world.results.published).toEqual([
      {
        gameId: 'game-1',
        jobKind: 'start',
        jobId: id,
        outcome: 'success',
        errorCode: null,
        errorMessage: null,
        containerId: 'cid-game-1',
        engineEndpoint: 'http://galaxy-game-game-1:8080',
        imageRef: 'galaxy/game:1.2.3',
        completedAt: world.clock.now(),
      },
    ]);
  });

  it('publishes an idempotent replay as success with replay_no_op', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    service.respond = async (input) => succeeded(runningRecord(input.gameId, input.imageRef), true);
    const id = world.reader.add(START_STREAM, startJobFields('game-2'));

    await runUntilDone(world, service, id);

    expect(world.results.byJob(id)).toMatchObject({ outcome: 'success', errorCode: 'replay_no_op', containerId: 'cid-game-2' });
  });

  it('ignores fields the schema does not list (producers may add tracing fields)', async () => {
    const world = new ConsumerWorld();
    const service = new ScriptedService<StartInput>();
    const id = world.reader.add(START_STREAM, { ...startJobFields('game-3'), traceparent: '00-abc-def-01' });

    await runUntilDone(world, service, id);

    expect(service.calledGames).toEqual(['game-3']);
    expect(world.results.byJob(id)).toMatchObject({ outcome: 'success' });
  });

  describe('malformed entries: answered or counted, never dropped silently, never stopping the consumer', () => {
    const invalid: Array<[string, Record<string, string> | Array<[string, string]>, RegExp]> = [
      ['missing image_ref', { game_id: 'bad-1', requested_at_ms: '1' }, /missing required field "image_ref"/],
      ['missing requested_at_ms', { game_id: 'bad-2', image_ref: 'galaxy/game:1.0.0' }, /missing required field "requested_at_ms"/],
      ['unparsable requested_at_ms', { ...startJobFields('bad-3'), requested_at_ms: 'yesterday' }, /requested_at_ms: must match pattern/],
      ['unparsable image_ref', startJobFields('bad-4', 'Galaxy Game!!'), /image_ref "Galaxy Game!!" is not a valid Docker image reference/],
      ['empty image_ref', startJobFields('bad-5', ''), /image_ref: must NOT have fewer than 1 characters/],
      [
        'repeated field',
        [['game_id', 'bad-6'], ['image_ref', 'galaxy/game:1.0.0'], ['image_ref', 'galaxy/game:2.0.0'], ['requested_at_ms', '1']],
        /fields given more than once: image_ref/,
      ],
      ['invalid game_id (echoed)', startJobFields('bad-Not_A_Valid_Id'), /game_id "bad-Not_A_Valid_Id" is not a valid game id/],
      ['game_id too long for a game id (echoed)', startJobFields(`bad-${'a'.repeat(60)}`), /is not a valid game id/],
      ['path traversal in game_id (echoed, never used)', startJobFields('bad-/../../etc'), /is not a valid game id/],
    ];

    it.each(invalid)('%s → failure result invalid_request naming the problem', async (_name, fields, message) => {
      const world = new ConsumerWorld();
      const service = new ScriptedService<StartInput>();
      const bad = world.reader.add(START_STREAM, fields);
      const good = world.reader.add(START_STREAM, startJobFields('good-after'));

      await runUntilDone(world, service, good);

      const result = world.results.byJob(bad);
      expect(result).toMatchObject({ jobKind: 'start', outcome: 'failure', errorCode: 'invalid_request', containerId: null, engineEndpoint: null, imageRef: null });
      expect(result?.errorMessage).toMatch(message);
      expect(result?.gameId).toMatch(/^bad-/);
      expect(service.calledGames).toEqual(['good-after']);
      expect(world.metrics.rejected).toEqual([]);
    });

    const rejected: Array<[string, Record<string, string>, string]> = [
      ['no game_id', { image_ref: 'galaxy/game:1.0.0', requested_at_ms: '1' }, 'missing_game_id'],
      ['empty game_id', startJobFields(''), 'missing_game_id'],
      ['game_id of 300 chars', startJobFields('a'.repeat(300)), 'invalid_game_id'],
      ['empty entry', {}, 'missing_game_id'],
    ];

    it.each(rejected)('%s → counted rejection, no result, consumer moves on', async (_name, fields, reason) => {
      const world = new ConsumerWorld();
      const service = new ScriptedService<StartInput>();
      world.reader.add(START_STREAM, fields);
      const good = world.reader.add(START_STREAM, startJobFields('good-after'));

      await runUntilDone(world, service, good);

      expect(world.metrics.rejected).toEqual([{ consumer: 'start_jobs', reason }]);
      expect(world.results.published.map((r) => r.gameId)).toEqual(['good-after']);
      expect(service.calledGames).toEqual(['good-after']);
    });
  });
});
