// start on the real parts: the engine answers, writes its state, replays are no-ops,
// failures leave nothing behind, and a foreign container with the game's name is left alone.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerNameFor } from '../../../src/domain/runtime-record.js';
import { ENGINE_IMAGE, ENGINE_IMAGE_BADLABEL, MISSING_IMAGE, eventually } from '../../support/test-env.js';
import { createRealLifecycle, engineHealthz, type RealLifecycle } from './real-lifecycle.fixture.js';

let rtm: RealLifecycle;
beforeAll(async () => {
  rtm = await createRealLifecycle();
});
afterAll(async () => {
  await rtm?.close();
});

describe('start on a real engine', () => {
  it('starts the engine: it answers /healthz, writes its state file, and is recorded running', async () => {
    const gameId = rtm.gameId('start');
    const r = await rtm.start.execute({ gameId, imageRef: ENGINE_IMAGE, opSource: 'gm_rest' });
    expect(r).toMatchObject({ outcome: 'success', errorCode: null });
    const containerId = r.record?.currentContainerId as string;

    const info = await rtm.docker.inspectContainer(containerNameFor(gameId));
    expect(info).toMatchObject({ id: containerId, running: true, labels: { 'com.galaxy.owner': 'rtmanager', 'com.galaxy.game_id': gameId, 'com.galaxy.image_ref': ENGINE_IMAGE } });

    const health = await eventually(async () => {
      const h = await engineHealthz(rtm, containerId);
      return h?.status === 200 ? h : undefined;
    }, { message: 'engine /healthz never answered 200' });
    expect(health.body).toEqual({ status: 'ok' });

    const stateFile = path.join(rtm.stateRoot, gameId, 'engine-state.json');
    const state = await eventually(async () => JSON.parse(await readFile(stateFile, 'utf8')) as Record<string, unknown>);
    expect(state).toMatchObject({ hostname: containerNameFor(gameId), version: '1.0.0' });

    expect(await rtm.records.get(gameId)).toMatchObject({
      status: 'running',
      currentContainerId: containerId,
      currentImageRef: ENGINE_IMAGE,
      engineEndpoint: `http://galaxy-game-${gameId}:8080`,
      statePath: path.join(rtm.stateRoot, gameId),
    });
    const rows = await rtm.operationLog.listByGame(gameId, 10);
    expect(rows).toMatchObject([{ opKind: 'start', opSource: 'gm_rest', outcome: 'success', containerId, imageRef: ENGINE_IMAGE }]);
    const started = (await rtm.healthEvents()).filter((e) => e.game_id === gameId);
    expect(started).toMatchObject([{ event_type: 'container_started', container_id: containerId }]);
    expect(JSON.parse(started[0]?.details ?? '{}')).toEqual({ image_ref: ENGINE_IMAGE });

    // Replay: same image, nothing touched.
    const replay = await rtm.start.execute({ gameId, imageRef: ENGINE_IMAGE, opSource: 'lobby_stream' });
    expect(replay).toMatchObject({ outcome: 'success', errorCode: 'replay_no_op' });
    expect(replay.record?.currentContainerId).toBe(containerId);
    expect((await rtm.docker.inspectContainer(containerId))?.running).toBe(true);
    expect(await rtm.operationLog.listByGame(gameId, 10)).toHaveLength(2);
  });

  it('a missing image: image_pull_failed, the admin intent, and nothing left behind', async () => {
    const gameId = rtm.gameId('miss');
    const r = await rtm.start.execute({ gameId, imageRef: MISSING_IMAGE, opSource: 'lobby_stream' });
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'image_pull_failed', record: null });
    expect(await rtm.docker.inspectContainer(containerNameFor(gameId))).toBeNull();
    expect(await rtm.records.get(gameId)).toBeNull();
    const intents = (await rtm.intents()).filter((i) => JSON.parse(i.payload ?? '{}').game_id === gameId);
    expect(intents).toMatchObject([{ intent_type: 'runtime.image_pull_failed', audience: 'admin', producer: 'rtmanager' }]);
    expect(JSON.parse(intents[0]?.payload ?? '{}')).toMatchObject({ image_ref: MISSING_IMAGE, error_code: 'image_pull_failed' });
    expect(await rtm.operationLog.listByGame(gameId, 10)).toMatchObject([{ outcome: 'failure', errorCode: 'image_pull_failed' }]);
  });

  it('an unparsable resource label: start_config_invalid, no container', async () => {
    const gameId = rtm.gameId('badl');
    const r = await rtm.start.execute({ gameId, imageRef: ENGINE_IMAGE_BADLABEL, opSource: 'lobby_stream' });
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'start_config_invalid' });
    expect(r.errorMessage).toContain('com.galaxy.cpu_quota');
    expect(await rtm.docker.inspectContainer(containerNameFor(gameId))).toBeNull();
    expect(await rtm.records.get(gameId)).toBeNull();
    const intents = (await rtm.intents()).filter((i) => JSON.parse(i.payload ?? '{}').game_id === gameId);
    expect(intents.map((i) => i.intent_type)).toEqual(['runtime.start_config_invalid']);
  });

  it('an unowned container with the game name: conflict, and the foreign container is untouched', async () => {
    const gameId = rtm.gameId('foreign');
    const name = containerNameFor(gameId);
    const foreignId = execFileSync('docker', ['run', '-d', '--name', name, '--label', 'com.example.owner=someone', ENGINE_IMAGE], { encoding: 'utf8' }).trim();
    try {
      const r = await rtm.start.execute({ gameId, imageRef: ENGINE_IMAGE, opSource: 'admin_rest' });
      expect(r).toMatchObject({ outcome: 'failure', errorCode: 'conflict' });
      const after = await rtm.docker.inspectContainer(name);
      expect(after).toMatchObject({ id: foreignId, running: true });
      expect(after?.labels['com.galaxy.owner']).toBeUndefined();
      expect(await rtm.records.get(gameId)).toBeNull();
      expect(await rtm.operationLog.listByGame(gameId, 10)).toMatchObject([{ outcome: 'failure', errorCode: 'conflict' }]);
    } finally {
      execFileSync('docker', ['rm', '-f', foreignId]);
    }
  });
});
