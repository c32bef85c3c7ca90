// The lifecycle services on the swarm backend (single-node swarm of the integration-swarm
// project): start is a service whose task's container is recorded and answers /healthz over
// the overlay; stop scales it to 0; restart and patch run a new task (patch on the new tag)
// with the state directory kept; cleanup removes the service and leaves nothing behind.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createDockerClient } from '../../../src/adapters/docker/docker-runtime.adapter.js';
import { SwarmRuntime } from '../../../src/adapters/docker/swarm/swarm-runtime.adapter.js';
import { containerNameFor } from '../../../src/domain/runtime-record.js';
import { healthzOverSwarm } from '../../support/swarm-cluster.js';
import { SWARM_PROBER } from '../../support/swarm-global-setup.js';
import { ENGINE_IMAGE, ENGINE_IMAGE_PATCH, eventually } from '../../support/test-env.js';
import { createRealLifecycle, type RealLifecycle } from '../services/real-lifecycle.fixture.js';

let rtm: RealLifecycle;
let managerHost: string;
let network: string;

beforeAll(async () => {
  ({ managerHost, network } = inject('swarm'));
  const docker = new SwarmRuntime(createDockerClient(managerHost), {
    apiTimeoutMs: 15_000,
    pullTimeoutMs: 30_000,
    startTimeoutMs: 30_000,
    stopGraceSeconds: 5,
    taskPollMs: 100,
    logger: pino({ level: 'silent' }),
  });
  rtm = await createRealLifecycle({ engine: { docker, network } });
});
afterAll(async () => {
  await rtm?.close();
});

async function healthy(containerId: string): Promise<void> {
  await eventually(async () => {
    const ip = (await rtm.docker.inspectContainer(containerId))?.networkIps[network];
    return ip && healthzOverSwarm(managerHost, SWARM_PROBER, ip)?.status === 200 ? true : undefined;
  }, { message: `engine ${containerId} never answered /healthz over the overlay` });
}

describe('lifecycle on the swarm backend', () => {
  it('start, stop, restart, patch, cleanup: a service per game, the task container recorded, the state kept', async () => {
    const gameId = rtm.gameId('swarm');
    const name = containerNameFor(gameId);
    const started = await rtm.start.execute({ gameId, imageRef: ENGINE_IMAGE, opSource: 'gm_rest' });
    expect(started).toMatchObject({ outcome: 'success', errorCode: null });
    const first = started.record?.currentContainerId as string;
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(await rtm.docker.inspectContainer(name)).toMatchObject({ id: first, running: true, name });
    expect(started.record?.engineEndpoint).toBe(`http://${name}:8080`);
    await healthy(first);
    const serviceId = () => execFileSync('docker', ['-H', managerHost, 'service', 'inspect', '-f', '{{.ID}}', name], { encoding: 'utf8' }).trim();
    const service = serviceId();
    const stateFile = path.join(rtm.stateRoot, gameId, 'engine-state.json');
    await eventually(() => readFile(stateFile, 'utf8'), { message: 'engine never wrote its state file' });

    const stopped = await rtm.stop.execute({ gameId, reason: 'admin_request', opSource: 'admin_rest' });
    expect(stopped).toMatchObject({ outcome: 'success' });
    expect(stopped.record).toMatchObject({ status: 'stopped', currentContainerId: first });
    expect(await rtm.docker.inspectContainer(name)).toMatchObject({ running: false, state: 'exited' });

    const restarted = await rtm.restart.execute({ gameId, opSource: 'admin_rest' });
    expect(restarted).toMatchObject({ outcome: 'success' });
    const second = restarted.record?.currentContainerId as string;
    expect(second).not.toBe(first);
    await healthy(second);
    // Restart is an update of the same service (ForceUpdate+1), not a new one.
    expect(serviceId()).toBe(service);

    const patched = await rtm.patch.execute({ gameId, imageRef: ENGINE_IMAGE_PATCH, opSource: 'admin_rest' });
    expect(patched).toMatchObject({ outcome: 'success' });
    const third = patched.record?.currentContainerId as string;
    expect(await rtm.docker.inspectContainer(name)).toMatchObject({ id: third, running: true, image: ENGINE_IMAGE_PATCH });
    await healthy(third);
    expect(serviceId()).toBe(service);
    await eventually(async () => ((JSON.parse(await readFile(stateFile, 'utf8')) as { version?: string }).version === '1.0.1' ? true : undefined), {
      message: 'the patched engine never wrote into the kept state directory',
    });

    expect(await rtm.stop.execute({ gameId, reason: 'finished', opSource: 'lobby_stream' })).toMatchObject({ outcome: 'success' });
    expect(await rtm.cleanup.execute({ gameId, opSource: 'admin_rest' })).toMatchObject({ outcome: 'success' });
    expect(await rtm.docker.inspectContainer(name)).toBeNull();
    expect((await rtm.docker.listOwnedContainers()).filter((c) => c.name === name)).toEqual([]);
  });
});
