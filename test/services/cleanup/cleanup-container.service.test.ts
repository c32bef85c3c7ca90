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

const cleanup = (opSource: 'admin_rest' | 'auto_ttl' | 'gm_rest' = 'admin_rest', gameId = GAME) =>
  h.cleanup.execute({ gameId, opSource });

describe('cleanup', () => {
  it('stopped: removes the container (not forced) and records removed', async () => {
    const stopped = await h.seedStopped(GAME);
    const id = stopped.currentContainerId as string;
    const r = await cleanup('auto_ttl');
    expect(r.outcome).toBe('success');
    expect(r.errorCode).toBeNull();
    expect(r.record).toMatchObject({ status: 'removed', removedAt: h.clock.now(), currentContainerId: id, statePath: stopped.statePath });
    expect(h.docker.containers.has(id)).toBe(false);
    expect(h.docker.callsOf('removeContainer')).toEqual([[id, { force: false }]]);
    expect(h.containerIntents.declared).toEqual([{ containerId: id, action: 'remove', dockerCallIndex: 0 }]);
    expect(h.rows(GAME)).toMatchObject([
      { opKind: 'cleanup_container', opSource: 'auto_ttl', outcome: 'success', errorCode: null, containerId: id, imageRef: IMAGE },
    ]);
    expect(h.metrics.operations).toEqual([{ opKind: 'cleanup_container', outcome: 'success', seconds: 0 }]);
  });

  it('running: conflict, container untouched', async () => {
    const running = await h.seedRunning(GAME);
    const r = await cleanup();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'conflict', record: running });
    expect(h.docker.calls).toHaveLength(0);
    expect(h.docker.containers.get(running.currentContainerId as string)?.state).toBe('running');
  });

  it('removed: replay_no_op', async () => {
    await h.seedStopped(GAME);
    await cleanup();
    h.resetObservations();
    const r = await cleanup();
    expect(r).toMatchObject({ outcome: 'success', errorCode: 'replay_no_op' });
    expect(h.docker.calls).toHaveLength(0);
    expect(h.rows(GAME)).toHaveLength(1);
  });

  it('no record: not_found with a row', async () => {
    const r = await cleanup();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'not_found', record: null });
    expect(h.rows(GAME)).toMatchObject([{ opKind: 'cleanup_container', errorCode: 'not_found' }]);
  });

  it('invalid game_id: invalid_request, no row', async () => {
    expect((await cleanup('admin_rest', '../x')).errorCode).toBe('invalid_request');
    expect(h.operationLog.entries).toHaveLength(0);
  });

  it('container already gone: still recorded removed', async () => {
    const stopped = await h.seedStopped(GAME);
    h.docker.containers.delete(stopped.currentContainerId as string);
    const r = await cleanup();
    expect(r.record?.status).toBe('removed');
  });

  it('Docker says running although the record says stopped: conflict, not killed', async () => {
    const stopped = await h.seedStopped(GAME);
    const c = h.docker.containers.get(stopped.currentContainerId as string);
    if (c) c.state = 'running';
    const r = await cleanup();
    expect(r.errorCode).toBe('conflict');
    expect(c && h.docker.containers.get(c.id)?.state).toBe('running');
    expect((await h.records.get(GAME))?.status).toBe('stopped');
  });

  it('daemon unavailable: docker_unavailable, record still stopped', async () => {
    await h.seedStopped(GAME);
    h.docker.failOn.removeContainer = new DependencyUnavailable('docker', 'timeout');
    const r = await cleanup();
    expect(r.errorCode).toBe('docker_unavailable');
    expect((await h.records.get(GAME))?.status).toBe('stopped');
  });

  it('daemon refuses: internal_error', async () => {
    await h.seedStopped(GAME);
    h.docker.failOn.removeContainer = new DockerError('failed', 'driver failed to remove root filesystem', 500);
    expect((await cleanup()).errorCode).toBe('internal_error');
  });

  it('CAS lost: conflict, the other writer wins', async () => {
    await h.seedStopped(GAME);
    const realRemove = h.docker.removeContainer.bind(h.docker);
    vi.spyOn(h.docker, 'removeContainer').mockImplementationOnce(async (id, o) => {
      await realRemove(id, o);
      const row = h.records.rows.get(GAME);
      if (row) row.status = 'running';
    });
    const r = await cleanup();
    expect(r.errorCode).toBe('conflict');
    expect(h.records.rows.get(GAME)?.status).toBe('running');
  });

  it('lease held elsewhere: conflict', async () => {
    await h.seedStopped(GAME);
    h.leases.foreign.add(GAME);
    expect((await cleanup()).errorCode).toBe('conflict');
    expect(h.docker.calls).toHaveLength(0);
  });

  it('store down: service_unavailable', async () => {
    vi.spyOn(h.records, 'get').mockRejectedValueOnce(new DependencyUnavailable('postgres', 'pg down'));
    expect((await cleanup()).errorCode).toBe('service_unavailable');
  });
});
