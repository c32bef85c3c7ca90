// Restart and patch wired for a backend that replaces a running engine in one step (the swarm
// backend: one forced update of the service; issue 20): no inner stop, the inner start
// replaces the running engine (running -> running by start), and a replacement that fails
// once the old engine is gone records the game stopped, so patch recovers as after a stop.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DockerError } from '../../../src/ports/docker-runtime.js';
import { IMAGE, IMAGE_PATCH, createHarness, type Harness } from '../support/lifecycle-harness.js';

const GAME = 'g1';

let h: Harness;
beforeEach(() => {
  h = createHarness({ replaceRunningInPlace: true });
  h.docker.addImage(IMAGE_PATCH);
});
afterEach(() => {
  h.assertNoLeaseHeld();
  h.assertIntentsDeclaredBeforeStopAndRemove();
});

const restart = () => h.restart.execute({ gameId: GAME, opSource: 'gm_rest' });
const patch = (imageRef: string) => h.patch.execute({ gameId: GAME, imageRef, opSource: 'admin_rest' });

describe('restart in place', () => {
  it('running: one inner start replaces the engine (no stop row, no stop call); the record moves to the new one', async () => {
    const running = await h.seedRunning(GAME);
    const r = await restart();
    expect(r).toMatchObject({ outcome: 'success', errorCode: null });
    expect(r.record).toMatchObject({ status: 'running', currentImageRef: IMAGE, createdAt: running.createdAt });
    expect(r.record?.currentContainerId).not.toBe(running.currentContainerId);
    expect(h.docker.callsOf('stopContainer')).toHaveLength(0);
    expect(h.docker.callsOf('replaceContainer')).toHaveLength(1);
    const rows = h.rows(GAME);
    expect(rows.map((row) => [row.opKind, row.outcome])).toEqual([
      ['start', 'success'],
      ['restart', 'success'],
    ]);
    expect(rows[0]?.details).toMatchObject({ in_place: true, replaced_container_id: running.currentContainerId });
    expect(rows[0]?.correlationId).toBe(rows[1]?.correlationId);
  });

  it('stopped: the same inner start as without in-place replacement', async () => {
    await h.seedStopped(GAME);
    const r = await restart();
    expect(r.record?.status).toBe('running');
    expect(h.rows(GAME).map((row) => row.opKind)).toEqual(['start', 'restart']);
    expect(h.rows(GAME)[0]?.details).not.toHaveProperty('in_place');
  });

  it('the replacement refused before anything changed: the old engine runs on, the record is untouched', async () => {
    const running = await h.seedRunning(GAME);
    h.docker.failOn.replaceContainer = new DockerError('failed', 'update out of sequence');
    const r = await restart();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'container_start_failed' });
    expect(await h.records.get(GAME)).toMatchObject({ status: 'running', currentContainerId: running.currentContainerId });
    expect(h.docker.containers.get(running.currentContainerId as string)?.state).toBe('running');
  });

  it('the new engine fails after the old one went: rolled back, the record says stopped', async () => {
    const running = await h.seedRunning(GAME);
    h.docker.failOn.startContainer = new DockerError('failed', 'the task of galaxy-game-g1 ended as failed');
    const r = await restart();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'container_start_failed' });
    expect(await h.records.get(GAME)).toMatchObject({ status: 'stopped', currentContainerId: running.currentContainerId });
    expect([...h.docker.containers.values()].filter((c) => c.state === 'running')).toEqual([]);
    expect(h.rows(GAME).find((row) => row.opKind === 'start')?.details).toMatchObject({ in_place: true, rolled_back: true });
  });
});

describe('patch in place', () => {
  it('running: one inner start on the new image replaces the engine', async () => {
    await h.seedRunning(GAME);
    const r = await patch(IMAGE_PATCH);
    expect(r).toMatchObject({ outcome: 'success', errorCode: null });
    expect(r.record).toMatchObject({ status: 'running', currentImageRef: IMAGE_PATCH });
    expect(h.docker.callsOf('stopContainer')).toHaveLength(0);
    expect(h.rows(GAME).map((row) => row.opKind)).toEqual(['start', 'patch']);
  });

  it('the new image fails after the old engine went: the game is brought back on its previous image', async () => {
    await h.seedRunning(GAME);
    h.docker.failOn.startContainer = new DockerError('failed', 'the task of galaxy-game-g1 ended as failed');
    const r = await patch(IMAGE_PATCH);
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'container_start_failed' });
    expect(r.errorMessage).toContain(`the game was restored on ${IMAGE}`);
    expect(await h.records.get(GAME)).toMatchObject({ status: 'running', currentImageRef: IMAGE });
    expect([...h.docker.containers.values()].filter((c) => c.state === 'running')).toHaveLength(1);
    expect(h.rows(GAME).find((row) => row.opKind === 'patch')?.details).toMatchObject({ recovery: 'restored_previous_image' });
  });
});
