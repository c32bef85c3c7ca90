// cleanup on the real parts: refuses a running game, removes a stopped game's container
// and never its state directory.
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerNameFor } from '../../../src/domain/runtime-record.js';
import { ENGINE_IMAGE, eventually } from '../../support/test-env.js';
import { createRealLifecycle, type RealLifecycle } from './real-lifecycle.fixture.js';

let rtm: RealLifecycle;
beforeAll(async () => {
  rtm = await createRealLifecycle();
});
afterAll(async () => {
  await rtm?.close();
});

describe('cleanup on a real engine', () => {
  it('running: conflict; stopped: the container is gone, the state dir and its file stay', async () => {
    const gameId = rtm.gameId('clean');
    const started = await rtm.start.execute({ gameId, imageRef: ENGINE_IMAGE, opSource: 'gm_rest' });
    const containerId = started.record?.currentContainerId as string;
    const stateFile = path.join(rtm.stateRoot, gameId, 'engine-state.json');
    await eventually(() => readFile(stateFile, 'utf8'));

    const refused = await rtm.cleanup.execute({ gameId, opSource: 'admin_rest' });
    expect(refused).toMatchObject({ outcome: 'failure', errorCode: 'conflict' });
    expect(await rtm.docker.inspectContainer(containerId)).toMatchObject({ running: true });

    const stopped = await rtm.stop.execute({ gameId, reason: 'finished', opSource: 'lobby_stream' });
    expect(stopped.record?.status).toBe('stopped');
    expect(await rtm.docker.inspectContainer(containerId)).toMatchObject({ running: false });

    const cleaned = await rtm.cleanup.execute({ gameId, opSource: 'auto_ttl' });
    expect(cleaned).toMatchObject({ outcome: 'success', errorCode: null });
    expect(cleaned.record).toMatchObject({ status: 'removed' });
    expect(await rtm.docker.inspectContainer(containerId)).toBeNull();
    expect(await rtm.docker.inspectContainer(containerNameFor(gameId))).toBeNull();
    expect((await stat(path.join(rtm.stateRoot, gameId))).isDirectory()).toBe(true);
    expect(JSON.parse(await readFile(stateFile, 'utf8'))).toMatchObject({ version: '1.0.0' });

    const again = await rtm.cleanup.execute({ gameId, opSource: 'auto_ttl' });
    expect(again).toMatchObject({ outcome: 'success', errorCode: 'replay_no_op' });

    const rows = await rtm.operationLog.listByGame(gameId, 10);
    expect(rows.map((r) => [r.opKind, r.outcome, r.errorCode])).toEqual([
      ['cleanup_container', 'success', 'replay_no_op'],
      ['cleanup_container', 'success', null],
      ['stop', 'success', null],
      ['cleanup_container', 'failure', 'conflict'],
      ['start', 'success', null],
    ]);
  });
});
