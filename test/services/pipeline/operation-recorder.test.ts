import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { failed, succeeded } from '../../../src/domain/operation-result.js';
import { OperationFailure } from '../../../src/services/pipeline/operation-failure.js';
import { OperationRecorder, outcomeOf } from '../../../src/services/pipeline/operation-recorder.js';
import { ManualClock } from '../../fakes/misc.fake.js';
import { FakeOperationLogStore } from '../../fakes/stores.fake.js';
import { RecordingMetrics } from '../support/lifecycle-harness.js';

function setup() {
  const operationLog = new FakeOperationLogStore();
  const metrics = new RecordingMetrics();
  const clock = new ManualClock();
  const recorder = new OperationRecorder({ operationLog, metrics, clock, logger: pino({ level: 'silent' }) });
  return { operationLog, metrics, clock, recorder };
}

describe('OperationRecorder', () => {
  it('writes one row with the timing, ids and details, and reports the duration', async () => {
    const { operationLog, metrics, clock, recorder } = setup();
    const started = clock.now();
    const op = recorder.begin({ gameId: 'g1', opKind: 'stop', context: { opSource: 'gm_rest', correlationId: 'c1' }, imageRef: 'i:1', details: { reason: 'finished' } });
    clock.advance(2500);
    const r = await op.finish(outcomeOf(succeeded(null, true), { containerId: 'abc' }));
    expect(r.errorCode).toBe('replay_no_op');
    expect(operationLog.entries).toEqual([
      {
        id: '1',
        gameId: 'g1',
        opKind: 'stop',
        opSource: 'gm_rest',
        outcome: 'success',
        errorCode: 'replay_no_op',
        errorMessage: null,
        imageRef: 'i:1',
        containerId: 'abc',
        correlationId: 'c1',
        details: { reason: 'finished' },
        startedAt: started,
        finishedAt: clock.now(),
      },
    ]);
    expect(metrics.operations).toEqual([{ opKind: 'stop', outcome: 'success', seconds: 2.5 }]);
    expect(metrics.opSources).toEqual(['gm_rest']);
  });

  it('fail() records the failure code and message', async () => {
    const { operationLog, recorder } = setup();
    const r = await recorder
      .begin({ gameId: 'g1', opKind: 'start', context: { opSource: 'lobby_stream' } })
      .fail(new OperationFailure('conflict', 'busy'), null);
    expect(r).toEqual(failed('conflict', 'busy'));
    expect(operationLog.entries[0]).toMatchObject({ outcome: 'failure', errorCode: 'conflict', errorMessage: 'busy' });
  });

  it('finishing twice is a bug: it throws and writes no second row', async () => {
    const { operationLog, recorder } = setup();
    const op = recorder.begin({ gameId: 'g1', opKind: 'start', context: { opSource: 'lobby_stream' } });
    await op.finish(outcomeOf(succeeded(null)));
    await expect(op.finish(outcomeOf(succeeded(null)))).rejects.toThrow(/finished twice/);
    expect(operationLog.entries).toHaveLength(1);
  });

  it('a row that cannot be written turns the result into service_unavailable, keeping the record', async () => {
    const { operationLog, metrics, recorder } = setup();
    vi.spyOn(operationLog, 'append').mockRejectedValueOnce(new Error('pg down'));
    const r = await recorder
      .begin({ gameId: 'g1', opKind: 'cleanup_container', context: { opSource: 'auto_ttl' } })
      .fail(new OperationFailure('not_found', 'none'), null);
    expect(r.errorCode).toBe('service_unavailable');
    expect(r.errorMessage).toMatch(/ended with failure \(not_found\) but could not be recorded: pg down/);
    expect(metrics.operations[0]?.outcome).toBe('failure');
  });

  it('deferRetryable: a retryable outcome writes no row and no metric and comes back retryable', async () => {
    const { operationLog, metrics, recorder } = setup();
    const context = { opSource: 'lobby_stream' as const, deferRetryable: true, retries: 2 };
    for (const failure of [
      new OperationFailure('service_unavailable', 'pg down'),
      new OperationFailure('docker_unavailable', 'daemon down'),
      new OperationFailure('conflict', 'lease busy', { retryable: true }),
    ]) {
      const r = await recorder.begin({ gameId: 'g1', opKind: 'start', context }).fail(failure, null);
      expect(r).toMatchObject({ outcome: 'failure', errorCode: failure.code, retryable: true });
    }
    expect(operationLog.entries).toEqual([]);
    expect(metrics.operations).toEqual([]);
  });

  it('deferRetryable: the call that ends the job writes exactly one row with details.retries', async () => {
    const { operationLog, recorder } = setup();
    const ending = { opSource: 'lobby_stream' as const, deferRetryable: true, retries: 3 };
    await recorder.begin({ gameId: 'g1', opKind: 'start', context: ending }).succeed(null);
    await recorder.begin({ gameId: 'g2', opKind: 'start', context: ending }).fail(new OperationFailure('conflict', 'other image'), null);
    const giveUp = { opSource: 'lobby_stream' as const, deferRetryable: false, retries: 7 };
    await recorder.begin({ gameId: 'g3', opKind: 'start', context: giveUp }).fail(new OperationFailure('service_unavailable', 'pg down'), null);
    expect(operationLog.entries.map((e) => [e.gameId, e.outcome, e.errorCode, e.details.retries])).toEqual([
      ['g1', 'success', null, 3],
      ['g2', 'failure', 'conflict', 3],
      ['g3', 'failure', 'service_unavailable', 7],
    ]);
  });

  it('without a context carrying retries, details has no retries key (REST callers)', async () => {
    const { operationLog, recorder } = setup();
    await recorder.begin({ gameId: 'g1', opKind: 'start', context: { opSource: 'gm_rest' } }).fail(new OperationFailure('docker_unavailable', 'down'), null);
    expect(operationLog.entries).toHaveLength(1);
    expect(operationLog.entries[0]?.details).toEqual({});
  });

  it('the row is written from the returned outcome: its container, image and details over the scope’s', async () => {
    const { operationLog, recorder } = setup();
    const op = recorder.begin({ gameId: 'g1', opKind: 'restart', context: { opSource: 'gm_rest' }, imageRef: null, details: { first: 1 } });
    await op.finish(outcomeOf(succeeded(null), { containerId: 'new', imageRef: 'i:2', details: { learned: true } }));
    expect(operationLog.entries[0]).toMatchObject({ containerId: 'new', imageRef: 'i:2', details: { first: 1, learned: true } });
  });
});
