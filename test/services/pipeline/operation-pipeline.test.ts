import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { succeeded } from '../../../src/domain/operation-result.js';
import { DependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';
import { OperationPipeline, writeRecord } from '../../../src/services/pipeline/operation-pipeline.js';
import { outcomeOf } from '../../../src/services/pipeline/operation-recorder.js';
import { GameWorkQueue } from '../../../src/services/sync/game-work-queue.js';
import { FakeGameLeases } from '../../fakes/coordination.fake.js';
import { FakeMetrics, ManualClock } from '../../fakes/misc.fake.js';
import { FakeOperationLogStore, FakeRuntimeRecordStore } from '../../fakes/stores.fake.js';
import { recordFor } from '../../workers/runtime-fixtures.js';
import { IMAGE, RecordingMetrics, createHarness } from '../support/lifecycle-harness.js';

function setup() {
  const operationLog = new FakeOperationLogStore();
  const records = new FakeRuntimeRecordStore();
  const leases = new FakeGameLeases();
  const metrics = new RecordingMetrics();
  const pipeline = new OperationPipeline({ operationLog, leases, metrics, clock: new ManualClock(), logger: pino({ level: 'silent' }) });
  return { operationLog, records, leases, metrics, pipeline };
}

describe('OperationPipeline', () => {
  it('a write outside the transition table is a bug: internal_error, recorded, nothing written', async () => {
    const { operationLog, records, pipeline } = setup();
    await records.upsert(recordFor('g1', 'c1', 'removed'));
    let wrote = false;
    const r = await pipeline.run({
      gameId: 'g1',
      opKind: 'stop',
      context: { opSource: 'gm_rest' },
      act: async (lease) => {
        // removed -> stopped is in no table row: a buggy operation must not get it through.
        await writeRecord(lease, { from: 'removed', to: 'stopped', by: 'stop' }, async () => {
          wrote = true;
          return null;
        });
        return outcomeOf(succeeded(null));
      },
    });
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'internal_error' });
    expect(r.errorMessage).toMatch(/removed -> stopped by stop is not in the transition table/);
    expect(r.retryable ?? false).toBe(false);
    expect(wrote).toBe(false);
    expect((await records.get('g1'))?.status).toBe('removed');
    expect(operationLog.entries).toMatchObject([{ opKind: 'stop', outcome: 'failure', errorCode: 'internal_error' }]);
  });

  it('a lease held by another operation is a conflict counted by op kind (rtmanager_lease_conflicts_total)', async () => {
    const leases = new FakeGameLeases();
    const metrics = new FakeMetrics();
    const pipeline = new OperationPipeline({ operationLog: new FakeOperationLogStore(), leases, metrics, clock: new ManualClock(), logger: pino({ level: 'silent' }) });
    leases.foreign.add('g1');
    const result = await pipeline.run({ gameId: 'g1', opKind: 'stop', context: { opSource: 'gm_rest' }, act: async () => outcomeOf(succeeded(null)) });
    expect(result).toMatchObject({ outcome: 'failure', errorCode: 'conflict' });
    expect(metrics.leaseConflicts).toEqual(['stop']);
    leases.foreign.clear();
    await pipeline.run({ gameId: 'g1', opKind: 'stop', context: { opSource: 'gm_rest' }, act: async () => outcomeOf(succeeded(null)) });
    expect(metrics.leaseConflicts).toEqual(['stop']);
  });

  it('an invalid game_id never becomes an operation: no lease, no row', async () => {
    const { operationLog, leases, pipeline } = setup();
    const r = await pipeline.run({ gameId: 'Not Valid', opKind: 'start', context: { opSource: 'gm_rest' }, act: async () => outcomeOf(succeeded(null)) });
    expect(r.errorCode).toBe('invalid_request');
    expect(operationLog.entries).toEqual([]);
    expect(leases.held.size).toBe(0);
  });

  it('a step that throws an outage is a retryable failure; with deferRetryable nothing is recorded', async () => {
    const { operationLog, metrics, pipeline } = setup();
    const outage = async () => {
      throw new DependencyUnavailable('postgres', 'connection refused');
    };
    const deferred = await pipeline.run({ gameId: 'g1', opKind: 'start', context: { opSource: 'lobby_stream', deferRetryable: true, retries: 0 }, act: outage });
    expect(deferred).toMatchObject({ outcome: 'failure', errorCode: 'service_unavailable', retryable: true });
    expect(operationLog.entries).toEqual([]);
    const last = await pipeline.run({ gameId: 'g1', opKind: 'start', context: { opSource: 'lobby_stream', deferRetryable: false, retries: 4 }, act: outage });
    expect(last).toMatchObject({ errorCode: 'service_unavailable', retryable: true });
    expect(operationLog.entries).toMatchObject([{ outcome: 'failure', errorCode: 'service_unavailable', details: { retries: 4 } }]);
    expect(metrics.operations).toHaveLength(1);
  });
  it('an after step that throws is logged; the recorded result stands', async () => {
    const { operationLog, pipeline } = setup();
    const r = await pipeline.run({
      gameId: 'g1',
      opKind: 'stop',
      context: { opSource: 'gm_rest' },
      act: async () => outcomeOf(succeeded(null), { containerId: 'c1' }),
      after: async () => {
        throw new Error('publisher bug');
      },
    });
    expect(r).toEqual(succeeded(null));
    expect(operationLog.entries).toMatchObject([{ outcome: 'success', containerId: 'c1' }]);
  });
});

describe('OperationPipeline with the per-game work queue', () => {
  it('operations of one game take turns (no conflict in this process), after the game’s sync; an inner step does not wait for its own turn', async () => {
    const leases = new FakeGameLeases();
    const queue = new GameWorkQueue();
    const operationLog = new FakeOperationLogStore();
    const pipeline = new OperationPipeline({ operationLog, leases, queue, metrics: new RecordingMetrics(), clock: new ManualClock(), logger: pino({ level: 'silent' }) });
    const order: string[] = [];
    let releaseSync: () => void = () => undefined;
    const sync = queue.sync('g1', () => new Promise<void>((resolve) => (releaseSync = () => (order.push('sync'), resolve()))));
    const op = (name: string) =>
      pipeline.run({
        gameId: 'g1',
        opKind: 'stop',
        context: { opSource: 'gm_rest' },
        act: async (lease) => {
          order.push(`${name} start`);
          // An inner step under the held lease runs at once (it is part of this turn).
          await pipeline.run({ gameId: 'g1', opKind: 'start', context: { opSource: 'gm_rest' }, heldLease: lease, act: async () => outcomeOf(succeeded(null)) });
          await new Promise((r) => setImmediate(r));
          order.push(`${name} end`);
          return outcomeOf(succeeded(null));
        },
      });
    const both = Promise.all([op('a'), op('b')]);
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual([]);
    releaseSync();
    await sync;
    const [a, b] = await both;
    expect([a.outcome, b.outcome]).toEqual(['success', 'success']);
    expect(order).toEqual(['sync', 'a start', 'a end', 'b start', 'b end']);
    expect(operationLog.entries.map((e) => e.opKind)).toEqual(['start', 'stop', 'start', 'stop']);
  });
});

describe('restart and patch keep a pending marker only while they run', () => {
  it('the marker exists during the inner steps and is gone afterwards', async () => {
    const h = createHarness();
    await h.seedRunning('g1');
    const seen: unknown[] = [];
    const stop = h.docker.stopContainer.bind(h.docker);
    h.docker.stopContainer = async (...args) => {
      seen.push(h.pendingOperations.rows.get('g1'));
      return stop(...args);
    };
    const r = await h.restart.execute({ gameId: 'g1', opSource: 'gm_rest' });
    expect(r.outcome).toBe('success');
    const outer = h.rows('g1').find((row) => row.opKind === 'restart');
    expect(seen).toMatchObject([{ gameId: 'g1', opKind: 'restart', opSource: 'gm_rest', correlationId: outer?.correlationId }]);
    expect(h.pendingOperations.rows.size).toBe(0);
  });

  it('a marker that cannot be written fails the patch before any step (service_unavailable)', async () => {
    const h = createHarness();
    await h.seedRunning('g1');
    h.docker.addImage('galaxy/game:1.0.1');
    h.pendingOperations.failWith = new DependencyUnavailable('postgres', 'down');
    const r = await h.patch.execute({ gameId: 'g1', imageRef: 'galaxy/game:1.0.1', opSource: 'admin_rest' });
    expect(r).toMatchObject({ errorCode: 'service_unavailable', retryable: true });
    expect(h.docker.callsOf('stopContainer')).toEqual([]);
    expect((await h.records.get('g1'))?.currentImageRef).toBe(IMAGE);
  });

  it('deferRetryable: an inner outage leaves no row at all and comes back retryable', async () => {
    const h = createHarness();
    await h.seedRunning('g1');
    h.docker.failOn.stopContainer = new DependencyUnavailable('docker', 'timeout');
    const r = await h.restart.execute({ gameId: 'g1', opSource: 'lobby_stream', deferRetryable: true, retries: 1 });
    expect(r).toMatchObject({ errorCode: 'docker_unavailable', retryable: true });
    expect(h.rows('g1')).toEqual([]);
    expect(h.pendingOperations.rows.size).toBe(0);
  });
});
