import { DependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DockerError } from '../../../src/ports/docker-runtime.js';
import { IMAGE, IMAGE_MINOR, IMAGE_PATCH, createHarness, type Harness } from '../support/lifecycle-harness.js';

const GAME = 'g1';
const NAME = 'galaxy-game-g1';

let h: Harness;
beforeEach(() => {
  h = createHarness();
  for (const ref of [IMAGE_PATCH, IMAGE_MINOR, 'galaxy/game:2.0.0', 'galaxy/game:latest', 'other/game:1.0.1']) h.docker.addImage(ref);
});
afterEach(() => {
  h.assertNoLeaseHeld();
  h.assertIntentsDeclaredBeforeStopAndRemove();
});

const patch = (imageRef: string, gameId = GAME) => h.patch.execute({ gameId, imageRef, opSource: 'admin_rest' });
const kinds = () => h.rows(GAME).map((row) => [row.opKind, row.outcome, row.errorCode]);

describe('patch: success', () => {
  it('1.0.0 -> 1.0.1 on a running game: new container on the new tag, record and state dir kept', async () => {
    const running = await h.seedRunning(GAME);
    const r = await patch(IMAGE_PATCH);

    expect(r.outcome).toBe('success');
    expect(r.errorCode).toBeNull();
    expect(r.record).toMatchObject({ status: 'running', currentImageRef: IMAGE_PATCH, createdAt: running.createdAt, statePath: running.statePath });
    const c = h.docker.byName(NAME);
    expect(c?.image).toBe(IMAGE_PATCH);
    expect(c?.id).toBe(r.record?.currentContainerId);
    expect(h.docker.containers.has(running.currentContainerId as string)).toBe(false);

    expect(kinds()).toEqual([
      ['stop', 'success', null],
      ['start', 'success', null],
      ['patch', 'success', null],
    ]);
    const rows = h.rows(GAME);
    const correlationId = rows[2]?.correlationId;
    expect(correlationId).toBeTruthy();
    expect(rows.every((row) => row.correlationId === correlationId)).toBe(true);
    expect(rows[0]?.details).toEqual({ reason: 'patch' });
    expect(rows[2]).toMatchObject({ imageRef: IMAGE_PATCH, containerId: c?.id, details: { from_image_ref: IMAGE, previous_status: 'running' } });
  });

  it('a stopped game is recreated on the new image and runs (patch = restart on a new tag)', async () => {
    await h.seedStopped(GAME);
    const r = await patch(IMAGE_PATCH);
    expect(r.record).toMatchObject({ status: 'running', currentImageRef: IMAGE_PATCH });
    expect(kinds().map((k) => k[0])).toEqual(['start', 'patch']);
  });

  it('prerelease tags of the same major.minor are patches', async () => {
    await h.seedRunning(GAME);
    h.docker.addImage('galaxy/game:1.0.2-rc.1');
    expect((await patch('galaxy/game:1.0.2-rc.1')).outcome).toBe('success');
  });

  it('same image_ref: replay_no_op, nothing touched', async () => {
    const running = await h.seedRunning(GAME);
    const r = await patch(IMAGE);
    expect(r).toMatchObject({ outcome: 'success', errorCode: 'replay_no_op', record: running });
    expect(h.docker.calls).toHaveLength(0);
    expect(kinds()).toEqual([['patch', 'success', 'replay_no_op']]);
  });
});

describe('patch: refusals (nothing touched, one row)', () => {
  it.each([
    [IMAGE_MINOR, 'semver_patch_only', /1\.0\.x cannot become 1\.1\.0/],
    ['galaxy/game:2.0.0', 'semver_patch_only', /cannot become 2\.0\.0/],
    ['galaxy/game:0.9.9', 'semver_patch_only', /cannot become 0\.9\.9/],
    ['other/game:1.0.1', 'semver_patch_only', /repository/],
    ['galaxy/game:latest', 'image_ref_not_semver', /no semver tag/],
    ['galaxy/game', 'image_ref_not_semver', /no semver tag/],
    ['galaxy/game:1.0', 'image_ref_not_semver', /no semver tag/],
    ['galaxy/Game:1.0.1', 'invalid_request', /not a valid Docker image reference/],
  ])('%s -> %s', async (imageRef, code, message) => {
    const running = await h.seedRunning(GAME);
    const r = await patch(imageRef);
    expect(r).toMatchObject({ outcome: 'failure', errorCode: code });
    expect(r.errorMessage).toMatch(message);
    expect(h.docker.calls).toHaveLength(0);
    expect(await h.records.get(GAME)).toEqual(running);
    expect(kinds()).toEqual([['patch', 'failure', code]]);
  });

  it('current image_ref is not semver: image_ref_not_semver', async () => {
    await h.seedRunning(GAME, 'galaxy/game:latest');
    const r = await patch(IMAGE_PATCH);
    expect(r.errorCode).toBe('image_ref_not_semver');
    expect(r.errorMessage).toMatch(/current image_ref/);
    expect(h.docker.calls).toHaveLength(0);
  });

  it('outside the allowlist: image_ref_not_allowed', async () => {
    const hh = createHarness({ allowlist: ['registry.example.com/'] });
    const r = await hh.patch.execute({ gameId: GAME, imageRef: IMAGE_PATCH, opSource: 'admin_rest' });
    expect(r.errorCode).toBe('image_ref_not_allowed');
    expect(hh.rows(GAME)).toHaveLength(1);
  });

  it('no record: not_found', async () => {
    const r = await patch(IMAGE_PATCH);
    expect(r.errorCode).toBe('not_found');
    expect(kinds()).toEqual([['patch', 'failure', 'not_found']]);
  });

  it('removed record: not_found', async () => {
    await h.seedStopped(GAME);
    await h.cleanup.execute({ gameId: GAME, opSource: 'admin_rest' });
    h.resetObservations();
    expect((await patch(IMAGE_PATCH)).errorCode).toBe('not_found');
  });

  it('lease held elsewhere: conflict', async () => {
    await h.seedRunning(GAME);
    h.leases.foreign.add(GAME);
    expect((await patch(IMAGE_PATCH)).errorCode).toBe('conflict');
    expect(h.docker.calls).toHaveLength(0);
  });

  it('invalid game_id: invalid_request, no row', async () => {
    expect((await patch(IMAGE_PATCH, 'a_b')).errorCode).toBe('invalid_request');
    expect(h.operationLog.entries).toHaveLength(0);
  });
});

describe('patch: the new image fails to start', () => {
  it('image missing: the old container stays until the recovery start recreates the previous image', async () => {
    const running = await h.seedRunning(GAME);
    const r = await patch('galaxy/game:1.0.9');
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'image_pull_failed' });
    expect(r.errorMessage).toMatch(/restored on galaxy\/game:1\.0\.0/);
    expect(r.record).toMatchObject({ status: 'running', currentImageRef: IMAGE, createdAt: running.createdAt });
    expect(h.docker.byName(NAME)).toMatchObject({ state: 'running', image: IMAGE });
    expect(kinds()).toEqual([
      ['stop', 'success', null],
      ['start', 'failure', 'image_pull_failed'],
      ['start', 'success', null],
      ['patch', 'failure', 'image_pull_failed'],
    ]);
    const rows = h.rows(GAME);
    expect(new Set(rows.map((row) => row.correlationId)).size).toBe(1);
    expect(rows[3]?.details).toMatchObject({ failed_step: 'start', recovery: 'restored_previous_image' });
    expect(h.notificationIntents.published.map((i) => i.intentType)).toEqual(['runtime.image_pull_failed']);
    expect(await h.records.get(GAME)).toEqual(r.record);
  });

  it('container start fails: rolled back, then the previous image is restored', async () => {
    await h.seedRunning(GAME);
    h.docker.failOn.startContainer = new DockerError('failed', 'exec format error', 500);
    const r = await patch(IMAGE_PATCH);
    expect(r.errorCode).toBe('container_start_failed');
    expect(h.docker.byName(NAME)).toMatchObject({ state: 'running', image: IMAGE });
    expect([...h.docker.containers.values()].filter((c) => c.name === NAME)).toHaveLength(1);
    expect((await h.records.get(GAME))?.currentImageRef).toBe(IMAGE);
  });

  it('recovery fails too: failure, the row says so, the game is recorded stopped', async () => {
    await h.seedRunning(GAME);
    vi.spyOn(h.docker, 'startContainer').mockRejectedValue(new DockerError('failed', 'no space left on device', 500));
    const r = await patch(IMAGE_PATCH);
    expect(r.errorCode).toBe('container_start_failed');
    expect(r.errorMessage).toMatch(/restoring galaxy\/game:1\.0\.0 also failed \(container_start_failed\)/);
    expect(r.record?.status).toBe('stopped');
    expect(h.rows(GAME).at(-1)?.details).toMatchObject({ recovery: 'failed', recovery_error_code: 'container_start_failed' });
    expect(h.docker.byName(NAME)).toBeUndefined();
    expect(h.notificationIntents.published).toHaveLength(2);
  });

  it('a stopped game is not restored: it stays stopped', async () => {
    await h.seedStopped(GAME);
    const r = await patch('galaxy/game:1.0.9');
    expect(r.errorCode).toBe('image_pull_failed');
    expect(r.record?.status).toBe('stopped');
    expect(kinds().map((k) => k[0])).toEqual(['start', 'patch']);
    expect(h.rows(GAME).at(-1)?.details).toMatchObject({ recovery: 'not_attempted' });
  });

  it('inner stop fails: no start, the outer row carries the stop failure', async () => {
    await h.seedRunning(GAME);
    h.docker.failOn.stopContainer = new DependencyUnavailable('docker', 'timeout');
    const r = await patch(IMAGE_PATCH);
    expect(r.errorCode).toBe('docker_unavailable');
    expect(kinds().map((k) => k[0])).toEqual(['stop', 'patch']);
    expect(h.docker.callsOf('createContainer')).toHaveLength(0);
  });
});
