import { DependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DockerError } from '../../../src/ports/docker-runtime.js';
import { IMAGE, createHarness, type Harness } from '../support/lifecycle-harness.js';

const GAME = 'g1';

let h: Harness;
beforeEach(() => {
  h = createHarness();
});
afterEach(() => {
  h.assertNoLeaseHeld();
  h.assertIntentsDeclaredBeforeStopAndRemove();
});

const stop = (over: Partial<{ gameId: string; reason: string }> = {}) =>
  h.stop.execute({ gameId: GAME, reason: 'finished', opSource: 'lobby_stream', ...over } as Parameters<Harness['stop']['execute']>[0]);

describe('stop', () => {
  it('stops a running game gracefully and records stopped; the container is kept', async () => {
    const running = await h.seedRunning(GAME);
    const id = running.currentContainerId as string;
    const r = await stop({ reason: 'cancelled' });

    expect(r.outcome).toBe('success');
    expect(r.errorCode).toBeNull();
    expect(r.record).toMatchObject({ status: 'stopped', currentContainerId: id, stoppedAt: h.clock.now(), lastOpAt: h.clock.now() });
    expect(r.record?.createdAt).toEqual(running.createdAt);
    expect(h.docker.callsOf('stopContainer')).toEqual([[id, 7]]);
    expect(h.docker.containers.get(id)?.state).toBe('exited');
    expect(h.docker.callsOf('removeContainer')).toHaveLength(0);
    expect(h.containerIntents.declared).toEqual([{ containerId: id, action: 'stop', dockerCallIndex: 0 }]);
    expect(h.rows(GAME)).toMatchObject([
      { opKind: 'stop', outcome: 'success', errorCode: null, containerId: id, imageRef: IMAGE, details: { reason: 'cancelled' } },
    ]);
    expect(h.metrics.operations).toEqual([{ opKind: 'stop', outcome: 'success', seconds: 0 }]);
  });

  it.each([['orphan_cleanup'], ['cancelled'], ['finished'], ['admin_request'], ['timeout']])(
    'accepts reason %s and records it',
    async (reason) => {
      await h.seedRunning(GAME);
      expect((await stop({ reason })).outcome).toBe('success');
      expect(h.rows(GAME)[0]?.details).toEqual({ reason });
    },
  );

  it('no record: replay_no_op with a row, nothing touched', async () => {
    const r = await stop();
    expect(r).toEqual({ outcome: 'success', errorCode: 'replay_no_op', errorMessage: null, record: null });
    expect(h.docker.calls).toHaveLength(0);
    expect(h.rows(GAME)).toMatchObject([{ outcome: 'success', errorCode: 'replay_no_op', details: { reason: 'finished' } }]);
  });

  it('already stopped: replay_no_op, nothing touched', async () => {
    const stopped = await h.seedStopped(GAME);
    const r = await stop();
    expect(r).toMatchObject({ outcome: 'success', errorCode: 'replay_no_op', record: stopped });
    expect(h.docker.calls).toHaveLength(0);
    expect(await h.records.get(GAME)).toEqual(stopped);
  });

  it('removed: replay_no_op', async () => {
    await h.seedStopped(GAME);
    await h.cleanup.execute({ gameId: GAME, opSource: 'auto_ttl' });
    h.resetObservations();
    const r = await stop();
    expect(r).toMatchObject({ outcome: 'success', errorCode: 'replay_no_op' });
    expect(r.record?.status).toBe('removed');
    expect(h.docker.calls).toHaveLength(0);
  });

  it('invalid reason: invalid_request with a row, nothing touched', async () => {
    await h.seedRunning(GAME);
    const r = await stop({ reason: 'bored' });
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'invalid_request' });
    expect(h.docker.calls).toHaveLength(0);
    expect(h.rows(GAME)).toMatchObject([{ errorCode: 'invalid_request', details: { reason: 'bored' } }]);
    expect((await h.records.get(GAME))?.status).toBe('running');
  });

  it('invalid game_id: invalid_request, no row', async () => {
    const r = await stop({ gameId: 'G/..' });
    expect(r.errorCode).toBe('invalid_request');
    expect(h.operationLog.entries).toHaveLength(0);
  });

  it('lease held elsewhere: conflict, the engine keeps running', async () => {
    await h.seedRunning(GAME);
    h.leases.foreign.add(GAME);
    const r = await stop();
    expect(r.errorCode).toBe('conflict');
    expect(h.docker.calls).toHaveLength(0);
    expect((await h.records.get(GAME))?.status).toBe('running');
    expect(h.rows(GAME)).toHaveLength(1);
  });

  it('container already gone: recorded stopped (decision), row says so', async () => {
    const running = await h.seedRunning(GAME);
    h.docker.containers.delete(running.currentContainerId as string);
    const r = await stop();
    expect(r.outcome).toBe('success');
    expect(r.record?.status).toBe('stopped');
    expect(h.rows(GAME)[0]?.details).toEqual({ reason: 'finished', container_missing: true });
  });

  it('daemon unavailable: docker_unavailable, record still running', async () => {
    await h.seedRunning(GAME);
    h.docker.failOn.stopContainer = new DependencyUnavailable('docker', 'timeout');
    const r = await stop();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'docker_unavailable' });
    expect(r.record?.status).toBe('running');
    expect((await h.records.get(GAME))?.status).toBe('running');
    expect(h.rows(GAME)).toHaveLength(1);
  });

  it('daemon refuses the stop: internal_error, record still running', async () => {
    await h.seedRunning(GAME);
    h.docker.failOn.stopContainer = new DockerError('failed', 'cannot stop container: permission denied', 500);
    const r = await stop();
    expect(r.errorCode).toBe('internal_error');
    expect((await h.records.get(GAME))?.status).toBe('running');
  });

  it('CAS lost (record changed meanwhile): conflict, the other writer wins', async () => {
    await h.seedRunning(GAME);
    const realStop = h.docker.stopContainer.bind(h.docker);
    vi.spyOn(h.docker, 'stopContainer').mockImplementationOnce(async (id, t) => {
      await realStop(id, t);
      const row = h.records.rows.get(GAME);
      if (row) row.currentContainerId = 'someone-else'; // e.g. reconcile adopted another container
    });
    const r = await stop();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'conflict' });
    expect(h.records.rows.get(GAME)).toMatchObject({ status: 'running', currentContainerId: 'someone-else' });
  });

  it('lease lost before the record write: conflict, record untouched', async () => {
    await h.seedRunning(GAME);
    const realStop = h.docker.stopContainer.bind(h.docker);
    vi.spyOn(h.docker, 'stopContainer').mockImplementationOnce(async (id, t) => {
      await realStop(id, t);
      h.leases.held.delete(GAME);
    });
    const r = await stop();
    expect(r.errorCode).toBe('conflict');
    expect((await h.records.get(GAME))?.status).toBe('running');
  });

  it.each([['get' as const], ['updateStatus' as const]])('store %s fails: service_unavailable', async (method) => {
    await h.seedRunning(GAME);
    vi.spyOn(h.records, method).mockRejectedValueOnce(new DependencyUnavailable('postgres', 'pg down'));
    const r = await stop();
    expect(r.errorCode).toBe('service_unavailable');
    expect(h.rows(GAME)).toHaveLength(1);
  });

  // Named behaviour change (issue 8 item 4): a store exception that is not an outage is a
  // bug, answered internal_error and not retryable (it was a retryable service_unavailable).
  it('store bug (not an outage): internal_error, not retryable, recorded', async () => {
    await h.seedRunning(GAME);
    vi.spyOn(h.records, 'updateStatus').mockRejectedValueOnce(Object.assign(new Error('column "stoped_at" does not exist'), { code: '42703' }));
    const r = await stop();
    expect([r.errorCode, r.retryable ?? false]).toEqual(['internal_error', false]);
    expect(h.rows(GAME)).toMatchObject([{ outcome: 'failure', errorCode: 'internal_error' }]);
  });

  it('lease acquisition fails: service_unavailable', async () => {
    vi.spyOn(h.leases, 'tryAcquire').mockRejectedValueOnce(new DependencyUnavailable('redis', 'redis down'));
    expect((await stop()).errorCode).toBe('service_unavailable');
  });
});

describe('stop vs start, concurrently', () => {
  it.each([1, 2, 3, 4, 5])('round %i: each is success or conflict; the record matches Docker', async () => {
    await h.seedStopped(GAME);
    const [started, stopped] = await Promise.all([
      h.start.execute({ gameId: GAME, imageRef: IMAGE, opSource: 'gm_rest' }),
      stop(),
    ]);
    for (const r of [started, stopped]) expect(r.errorCode === null || r.errorCode === 'conflict' || r.errorCode === 'replay_no_op').toBe(true);
    const record = await h.records.get(GAME);
    const container = h.docker.containers.get(record?.currentContainerId as string);
    expect(container?.state === 'running').toBe(record?.status === 'running');
  });
});
