import { DependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DockerError } from '../../../src/ports/docker-runtime.js';
import { IMAGE, createHarness, type Harness } from '../support/lifecycle-harness.js';

const GAME = 'g1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let h: Harness;
beforeEach(() => {
  h = createHarness();
});
afterEach(() => {
  h.assertNoLeaseHeld();
  h.assertIntentsDeclaredBeforeStopAndRemove();
});

const restart = (gameId = GAME) => h.restart.execute({ gameId, opSource: 'gm_rest' });

describe('restart', () => {
  it('running: stop then start on the current image under one lease; outer + inner rows share a correlation id', async () => {
    const running = await h.seedRunning(GAME);
    const acquire = vi.spyOn(h.leases, 'tryAcquire');
    const r = await restart();

    expect(r.outcome).toBe('success');
    expect(r.errorCode).toBeNull();
    expect(r.record).toMatchObject({ status: 'running', currentImageRef: IMAGE, createdAt: running.createdAt });
    expect(r.record?.currentContainerId).not.toBe(running.currentContainerId);
    expect(h.docker.containers.has(running.currentContainerId as string)).toBe(false);
    expect(acquire).toHaveBeenCalledTimes(1);

    const rows = h.rows(GAME);
    expect(rows.map((row) => [row.opKind, row.outcome, row.errorCode])).toEqual([
      ['stop', 'success', null],
      ['start', 'success', null],
      ['restart', 'success', null],
    ]);
    const correlationId = rows[2]?.correlationId;
    expect(correlationId).toMatch(UUID);
    expect(rows.every((row) => row.correlationId === correlationId && row.opSource === 'gm_rest')).toBe(true);
    expect(rows[0]?.details).toEqual({ reason: 'restart' });
    expect(rows[2]).toMatchObject({ imageRef: IMAGE, containerId: r.record?.currentContainerId });
    expect(rows[2]?.details).toMatchObject({ previous_container_id: running.currentContainerId, previous_status: 'running' });
    expect(h.healthEvents.ofType('container_started')).toHaveLength(1);
    expect(h.metrics.operations.map((m) => m.opKind)).toEqual(['stop', 'start', 'restart']);
  });

  it('each restart gets a fresh correlation id', async () => {
    await h.seedRunning(GAME);
    await restart();
    await restart();
    const outer = h.rows(GAME).filter((row) => row.opKind === 'restart');
    expect(outer).toHaveLength(2);
    expect(outer[0]?.correlationId).not.toBe(outer[1]?.correlationId);
  });

  it('stopped: only the inner start runs', async () => {
    await h.seedStopped(GAME);
    const r = await restart();
    expect(r.record?.status).toBe('running');
    expect(h.rows(GAME).map((row) => row.opKind)).toEqual(['start', 'restart']);
    expect(h.docker.callsOf('stopContainer')).toHaveLength(0);
  });

  it('no record: not_found, one row', async () => {
    const r = await restart();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'not_found' });
    expect(h.rows(GAME)).toMatchObject([{ opKind: 'restart', errorCode: 'not_found', correlationId: expect.stringMatching(UUID) }]);
  });

  it('removed: not_found', async () => {
    await h.seedStopped(GAME);
    await h.cleanup.execute({ gameId: GAME, opSource: 'admin_rest' });
    h.resetObservations();
    const r = await restart();
    expect(r.errorCode).toBe('not_found');
    expect(h.docker.calls).toHaveLength(0);
  });

  it('inner start fails: the outer row carries its code; the intent is published once', async () => {
    await h.seedRunning(GAME);
    h.docker.failOn.startContainer = new DockerError('failed', 'exec format error', 500);
    const r = await restart();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'container_start_failed' });
    expect(h.rows(GAME).map((row) => [row.opKind, row.outcome, row.errorCode])).toEqual([
      ['stop', 'success', null],
      ['start', 'failure', 'container_start_failed'],
      ['restart', 'failure', 'container_start_failed'],
    ]);
    expect(h.rows(GAME)[2]?.details).toMatchObject({ failed_step: 'start' });
    expect(h.notificationIntents.published.map((i) => i.intentType)).toEqual(['runtime.container_start_failed']);
    expect((await h.records.get(GAME))?.status).toBe('stopped');
  });

  it('inner stop fails: no start is attempted', async () => {
    await h.seedRunning(GAME);
    h.docker.failOn.stopContainer = new DependencyUnavailable('docker', 'timeout');
    const r = await restart();
    expect(r.errorCode).toBe('docker_unavailable');
    expect(h.rows(GAME).map((row) => row.opKind)).toEqual(['stop', 'restart']);
    expect(h.docker.callsOf('createContainer')).toHaveLength(0);
    expect((await h.records.get(GAME))?.status).toBe('running');
  });

  it('lease held elsewhere: conflict, one row', async () => {
    await h.seedRunning(GAME);
    h.leases.foreign.add(GAME);
    const r = await restart();
    expect(r.errorCode).toBe('conflict');
    expect(h.rows(GAME)).toHaveLength(1);
    expect(h.docker.calls).toHaveLength(0);
  });

  it('a concurrent stop during the restart is refused by the held lease', async () => {
    await h.seedRunning(GAME);
    let concurrent: Promise<unknown> | null = null;
    const realCreate = h.docker.createContainer.bind(h.docker);
    vi.spyOn(h.docker, 'createContainer').mockImplementationOnce(async (spec) => {
      concurrent = h.stop.execute({ gameId: GAME, reason: 'cancelled', opSource: 'lobby_stream' });
      return realCreate(spec);
    });
    const r = await restart();
    expect(r.outcome).toBe('success');
    expect(await concurrent).toMatchObject({ errorCode: 'conflict' });
  });

  it('invalid game_id: invalid_request, no row', async () => {
    expect((await restart('UP')).errorCode).toBe('invalid_request');
    expect(h.operationLog.entries).toHaveLength(0);
  });

  it('store down: service_unavailable', async () => {
    vi.spyOn(h.records, 'get').mockRejectedValueOnce(new DependencyUnavailable('postgres', 'pg down'));
    expect((await restart()).errorCode).toBe('service_unavailable');
  });
});
