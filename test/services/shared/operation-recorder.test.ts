import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { failed, succeeded } from '../../../src/domain/operation-result.js';
import { OperationFailure } from '../../../src/services/shared/operation-failure.js';
import { OperationRecorder } from '../../../src/services/shared/operation-recorder.js';
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
    const op = recorder.begin({ gameId: 'g1', opKind: 'stop', opSource: 'gm_rest', correlationId: 'c1', imageRef: 'i:1' });
    op.containerId = 'abc';
    op.details.reason = 'finished';
    clock.advance(2500);
    const r = await op.finish(succeeded(null, true));
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
  });

  it('fail() records the failure code and message', async () => {
    const { operationLog, recorder } = setup();
    const r = await recorder
      .begin({ gameId: 'g1', opKind: 'start', opSource: 'lobby_stream', correlationId: null })
      .fail(new OperationFailure('conflict', 'busy'), null);
    expect(r).toEqual(failed('conflict', 'busy'));
    expect(operationLog.entries[0]).toMatchObject({ outcome: 'failure', errorCode: 'conflict', errorMessage: 'busy' });
  });

  it('finishing twice is a bug: it throws and writes no second row', async () => {
    const { operationLog, recorder } = setup();
    const op = recorder.begin({ gameId: 'g1', opKind: 'start', opSource: 'lobby_stream', correlationId: null });
    await op.finish(succeeded(null));
    await expect(op.finish(succeeded(null))).rejects.toThrow(/finished twice/);
    expect(operationLog.entries).toHaveLength(1);
  });

  it('a row that cannot be written turns the result into service_unavailable, keeping the record', async () => {
    const { operationLog, metrics, recorder } = setup();
    vi.spyOn(operationLog, 'append').mockRejectedValueOnce(new Error('pg down'));
    const r = await recorder
      .begin({ gameId: 'g1', opKind: 'cleanup_container', opSource: 'auto_ttl', correlationId: null })
      .fail(new OperationFailure('not_found', 'none'), null);
    expect(r.errorCode).toBe('service_unavailable');
    expect(r.errorMessage).toMatch(/ended with failure \(not_found\) but could not be recorded: pg down/);
    expect(metrics.operations[0]?.outcome).toBe('failure');
  });

  // Stopgap of the agreed OperationContext (the write-path redesign owns the real one).
  it('with deferRetryable writes no row for a retryable outcome, and the final call writes one row with retries', async () => {
    const { operationLog, metrics, recorder } = setup();
    const scope = { gameId: 'g1', opKind: 'start' as const, opSource: 'lobby_stream' as const, correlationId: null };
    const deferred = await recorder.begin({ ...scope, retries: 0, deferRetryable: true }).finish(failed('service_unavailable', 'pg down'));
    const busy = await recorder.begin({ ...scope, retries: 1, deferRetryable: true }).finish(failed('conflict', 'lease held', null, true));
    expect([deferred.retryable, busy.retryable]).toEqual([true, true]);
    expect(operationLog.entries).toHaveLength(0);
    expect(metrics.operations).toHaveLength(0);

    const refused = await recorder.begin({ ...scope, retries: 2, deferRetryable: true }).finish(failed('image_pull_failed', 'no such image'));
    expect(refused.errorCode).toBe('image_pull_failed');
    await recorder.begin({ ...scope, retries: 3, deferRetryable: false }).finish(failed('service_unavailable', 'pg down'));
    expect(operationLog.entries.map((e) => [e.errorCode, e.details.retries])).toEqual([
      ['image_pull_failed', 2],
      ['service_unavailable', 3],
    ]);
  });
});
