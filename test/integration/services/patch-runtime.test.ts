// patch and restart on the real parts: the container is recreated, the state dir and its
// file survive, and the semver rules refuse minor bumps and non-semver tags.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerNameFor } from '../../../src/domain/runtime-record.js';
import { ENGINE_IMAGE, ENGINE_IMAGE_MINOR, ENGINE_IMAGE_PATCH, ENGINE_REPO, eventually } from '../../support/test-env.js';
import { createRealLifecycle, engineHealthz, type RealLifecycle } from './real-lifecycle.fixture.js';

let rtm: RealLifecycle;
beforeAll(async () => {
  rtm = await createRealLifecycle();
});
afterAll(async () => {
  await rtm?.close();
});

async function startedGame(label: string): Promise<{ gameId: string; containerId: string; stateFile: string }> {
  const gameId = rtm.gameId(label);
  const r = await rtm.start.execute({ gameId, imageRef: ENGINE_IMAGE, opSource: 'gm_rest' });
  if (r.outcome !== 'success') throw new Error(`start failed: ${r.errorCode} ${r.errorMessage}`);
  const stateFile = path.join(rtm.stateRoot, gameId, 'engine-state.json');
  await eventually(() => readFile(stateFile, 'utf8'), { message: 'engine never wrote its state file' });
  return { gameId, containerId: r.record?.currentContainerId as string, stateFile };
}

describe('patch on a real engine', () => {
  it('1.0.0 -> 1.0.1: a new container on the new tag; the state dir and its file are kept', async () => {
    const { gameId, containerId, stateFile } = await startedGame('patch');
    const before = await rtm.records.get(gameId);

    const r = await rtm.patch.execute({ gameId, imageRef: ENGINE_IMAGE_PATCH, opSource: 'admin_rest' });
    expect(r).toMatchObject({ outcome: 'success', errorCode: null });
    const newId = r.record?.currentContainerId as string;
    expect(newId).not.toBe(containerId);
    expect(await rtm.docker.inspectContainer(containerId)).toBeNull();
    expect(await rtm.docker.inspectContainer(containerNameFor(gameId))).toMatchObject({ id: newId, running: true, image: ENGINE_IMAGE_PATCH });
    expect(r.record).toMatchObject({ status: 'running', currentImageRef: ENGINE_IMAGE_PATCH, statePath: before?.statePath });
    expect(r.record?.createdAt).toEqual(before?.createdAt);

    // The new engine (1.0.1) rewrites the same file in the same, kept directory.
    const state = await eventually(async () => {
      const s = JSON.parse(await readFile(stateFile, 'utf8')) as { version?: string };
      return s.version === '1.0.1' ? s : undefined;
    }, { message: 'the patched engine never wrote its state into the kept directory' });
    expect(state.version).toBe('1.0.1');
    await eventually(async () => ((await engineHealthz(rtm, newId))?.status === 200 ? true : undefined));

    const rows = await rtm.operationLog.listByGame(gameId, 10);
    const patchRows = rows.filter((row) => row.correlationId !== null);
    expect(patchRows.map((row) => row.opKind).sort()).toEqual(['patch', 'start', 'stop']);
    expect(new Set(patchRows.map((row) => row.correlationId)).size).toBe(1);
  });

  it('1.0.0 -> 1.1.0 is semver_patch_only; :latest is image_ref_not_semver; nothing touched', async () => {
    const { gameId, containerId } = await startedGame('patchno');
    const minor = await rtm.patch.execute({ gameId, imageRef: ENGINE_IMAGE_MINOR, opSource: 'admin_rest' });
    expect(minor).toMatchObject({ outcome: 'failure', errorCode: 'semver_patch_only' });
    const latest = await rtm.patch.execute({ gameId, imageRef: `${ENGINE_REPO}:latest`, opSource: 'admin_rest' });
    expect(latest).toMatchObject({ outcome: 'failure', errorCode: 'image_ref_not_semver' });
    expect(await rtm.docker.inspectContainer(containerNameFor(gameId))).toMatchObject({ id: containerId, running: true, image: ENGINE_IMAGE });
    expect(await rtm.records.get(gameId)).toMatchObject({ currentContainerId: containerId, currentImageRef: ENGINE_IMAGE });
  });

  it('restart: a new container on the same image, the state file kept', async () => {
    const { gameId, containerId, stateFile } = await startedGame('restart');
    const firstState = JSON.parse(await readFile(stateFile, 'utf8')) as { started_at: string };
    const r = await rtm.restart.execute({ gameId, opSource: 'gm_rest' });
    expect(r).toMatchObject({ outcome: 'success', errorCode: null });
    const newId = r.record?.currentContainerId as string;
    expect(newId).not.toBe(containerId);
    expect(await rtm.docker.inspectContainer(newId)).toMatchObject({ running: true, image: ENGINE_IMAGE });
    await eventually(async () => {
      const s = JSON.parse(await readFile(stateFile, 'utf8')) as { started_at: string };
      return s.started_at !== firstState.started_at ? true : undefined;
    }, { message: 'the restarted engine never rewrote its state file' });
  });
});
