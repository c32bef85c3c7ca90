// docs/swarm.md "Moving from one host to a swarm": a game run by the docker backend and stopped
// there, then started by an RTM switched to the swarm backend on the same database and state
// root. The record (created_at, history) and the state directory are kept; the engine is a
// service now. And the stopped plain container is invisible to the swarm backend (the record's
// container "vanished" for it: the reconciler would mark the record removed, from which a start
// works the same).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createDockerClient } from '../../../src/adapters/docker/docker-client.factory.js';
import { SwarmRuntime } from '../../../src/adapters/docker/swarm/swarm-runtime.adapter.js';
import { containerNameFor } from '../../../src/domain/runtime-record.js';
import { ENGINE_IMAGE, eventually } from '../../support/test-env.js';
import { createRealLifecycle, type RealLifecycle } from '../services/real-lifecycle.fixture.js';

let onHost: RealLifecycle;
let onSwarm: RealLifecycle;

beforeAll(async () => {
  const { managerHost, network } = inject('swarm');
  onHost = await createRealLifecycle();
  const docker = new SwarmRuntime(createDockerClient(managerHost), {
    apiTimeoutMs: 15_000, pullTimeoutMs: 30_000, startTimeoutMs: 30_000, stopGraceSeconds: 5, taskPollMs: 100, logger: pino({ level: 'silent' }),
  });
  onSwarm = await createRealLifecycle({ engine: { docker, network, replaceRunningInPlace: true }, sharing: onHost });
});
afterAll(async () => {
  await onSwarm?.close();
  await onHost?.close();
});

describe('moving a game from one host to the swarm backend', () => {
  it('stopped on the host, started on the swarm: same record and state directory, a service now', async () => {
    const gameId = onHost.gameId('move');
    const name = containerNameFor(gameId);
    try {
      const onHostStart = await onHost.start.execute({ gameId, imageRef: ENGINE_IMAGE, opSource: 'admin_rest' });
      expect(onHostStart.outcome).toBe('success');
      const plain = onHostStart.record?.currentContainerId as string;
      const stateDir = onHostStart.record?.statePath as string;
      const stateFile = path.join(stateDir, 'engine-state.json');
      await eventually(() => readFile(stateFile, 'utf8'), { message: 'the engine on the host never wrote its state' });
      expect((await onHost.stop.execute({ gameId, reason: 'admin_request', opSource: 'admin_rest' })).outcome).toBe('success');
      await writeFile(path.join(stateDir, 'game-save.json'), '{"turn":42}\n');

      // The switched RTM does not see the host's plain container.
      expect(await onSwarm.docker.inspectContainer(plain)).toBeNull();
      const onSwarmStart = await onSwarm.start.execute({ gameId, imageRef: ENGINE_IMAGE, opSource: 'admin_rest' });
      expect(onSwarmStart).toMatchObject({ outcome: 'success', errorCode: null });
      expect(onSwarmStart.record).toMatchObject({ status: 'running', statePath: stateDir, createdAt: onHostStart.record?.createdAt });
      const task = onSwarmStart.record?.currentContainerId as string;
      expect(task).not.toBe(plain);
      expect(await onSwarm.docker.inspectContainer(name)).toMatchObject({ id: task, running: true });
      const written = await eventually(async () => {
        const s = JSON.parse(await readFile(stateFile, 'utf8')) as { hostname?: string };
        return s.hostname === name ? s : undefined;
      }, { message: 'the engine on the swarm never wrote into the kept state directory' });
      expect(written.hostname).toBe(name);
      expect(await readFile(path.join(stateDir, 'game-save.json'), 'utf8')).toBe('{"turn":42}\n');
      const kinds = (await onSwarm.operationLog.listByGame(gameId, 10)).map((r) => r.opKind).sort();
      expect(kinds).toEqual(['start', 'start', 'stop']);
    } finally {
      await onSwarm.docker.removeContainer(name, { force: true }).catch(() => undefined);
    }
  });
});
