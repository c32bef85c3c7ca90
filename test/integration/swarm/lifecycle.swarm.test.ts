// The lifecycle services on the swarm backend (single-node swarm of the integration-swarm
// project), wired as the composition root wires them (replaceRunningInPlace): start is a
// service whose task's container is recorded and answers /healthz over the overlay; restart
// and patch of a running game are ONE forced update of the service (no inner stop), the old
// task kept in its history; stop ends at 0 replicas with the task's container (and logs) kept;
// the state directory is kept throughout; cleanup removes the service and leaves nothing.
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
  rtm = await createRealLifecycle({ engine: { docker, network, replaceRunningInPlace: true } });
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

async function logText(containerId: string): Promise<string> {
  const lines: string[] = [];
  for await (const batch of await rtm.docker.containerLogs(containerId, { tail: 200, follow: false, signal: new AbortController().signal })) lines.push(...batch.map((l) => l.line));
  return lines.join('\n');
}

describe('lifecycle on the swarm backend', () => {
  it('start, restart and patch in place, stop keeping the task, cleanup: one service per game, the state kept', async () => {
    const gameId = rtm.gameId('swarm');
    const name = containerNameFor(gameId);
    const cli = (...args: string[]) => execFileSync('docker', ['-H', managerHost, ...args], { encoding: 'utf8' }).trim();
    const forceUpdate = () => Number(cli('service', 'inspect', '-f', '{{.Spec.TaskTemplate.ForceUpdate}}', name));
    const rowsOf = async (correlationId: string | null) => (await rtm.operationLog.listByGame(gameId, 50)).filter((r) => r.correlationId === correlationId && correlationId !== null);

    const started = await rtm.start.execute({ gameId, imageRef: ENGINE_IMAGE, opSource: 'gm_rest' });
    expect(started).toMatchObject({ outcome: 'success', errorCode: null });
    const first = started.record?.currentContainerId as string;
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(await rtm.docker.inspectContainer(name)).toMatchObject({ id: first, running: true, name });
    expect(started.record?.engineEndpoint).toBe(`http://${name}:8080`);
    await healthy(first);
    const service = cli('service', 'inspect', '-f', '{{.ID}}', name);
    const stateFile = path.join(rtm.stateRoot, gameId, 'engine-state.json');
    await eventually(() => readFile(stateFile, 'utf8'), { message: 'engine never wrote its state file' });

    // restart of a running game = one forced update: a new task, the old one kept (exited) in the history.
    let forced = forceUpdate();
    const restarted = await rtm.restart.execute({ gameId, opSource: 'admin_rest' });
    expect(restarted).toMatchObject({ outcome: 'success', errorCode: null });
    const second = restarted.record?.currentContainerId as string;
    expect(second).not.toBe(first);
    expect(forceUpdate()).toBe(forced + 1);
    await healthy(second);
    expect(await rtm.docker.inspectContainer(first)).toMatchObject({ id: first, running: false, state: 'exited' });
    const restartRow = (await rtm.operationLog.listByGame(gameId, 50)).find((r) => r.opKind === 'restart');
    const restartRows = await rowsOf(restartRow?.correlationId ?? null);
    expect(restartRows.map((r) => r.opKind).sort()).toEqual(['restart', 'start']);
    expect(restartRows.find((r) => r.opKind === 'start')?.details).toMatchObject({ in_place: true, replaced_container_id: first });

    // stop = retire the task + scale to 0: the record keeps the task's container, its logs stay readable.
    const stopped = await rtm.stop.execute({ gameId, reason: 'admin_request', opSource: 'admin_rest' });
    expect(stopped).toMatchObject({ outcome: 'success' });
    expect(stopped.record).toMatchObject({ status: 'stopped', currentContainerId: second });
    expect(cli('service', 'inspect', '-f', '{{.Spec.Mode.Replicated.Replicas}}', name)).toBe('0');
    expect(await rtm.docker.inspectContainer(second)).toMatchObject({ id: second, running: false, state: 'exited' });
    expect(await rtm.docker.inspectContainer(name)).toMatchObject({ id: second, running: false, state: 'exited' });
    expect(await logText(second)).toContain('shutting down');

    // restart of a stopped game: a start of the same service.
    const again = await rtm.restart.execute({ gameId, opSource: 'admin_rest' });
    expect(again).toMatchObject({ outcome: 'success' });
    const third = again.record?.currentContainerId as string;
    expect(third).not.toBe(second);
    await healthy(third);
    expect(cli('service', 'inspect', '-f', '{{.ID}}', name)).toBe(service);

    // patch of a running game = one update of the image: the new tag runs on the kept state.
    forced = forceUpdate();
    const patched = await rtm.patch.execute({ gameId, imageRef: ENGINE_IMAGE_PATCH, opSource: 'admin_rest' });
    expect(patched).toMatchObject({ outcome: 'success' });
    const fourth = patched.record?.currentContainerId as string;
    expect(forceUpdate()).toBe(forced + 1);
    expect(cli('service', 'inspect', '-f', '{{.Spec.TaskTemplate.ContainerSpec.Image}}', name)).toBe(ENGINE_IMAGE_PATCH);
    expect(await rtm.docker.inspectContainer(name)).toMatchObject({ id: fourth, running: true, image: ENGINE_IMAGE_PATCH });
    await healthy(fourth);
    expect(cli('service', 'inspect', '-f', '{{.ID}}', name)).toBe(service);
    await eventually(async () => ((JSON.parse(await readFile(stateFile, 'utf8')) as { version?: string }).version === '1.0.1' ? true : undefined), {
      message: 'the patched engine never wrote into the kept state directory',
    });

    expect(await rtm.stop.execute({ gameId, reason: 'finished', opSource: 'lobby_stream' })).toMatchObject({ outcome: 'success' });
    expect(await rtm.cleanup.execute({ gameId, opSource: 'admin_rest' })).toMatchObject({ outcome: 'success' });
    expect(await rtm.docker.inspectContainer(name)).toBeNull();
    expect(await rtm.docker.inspectContainer(fourth)).toBeNull();
    expect((await rtm.docker.listOwnedContainers()).filter((c) => c.name === name)).toEqual([]);
  });
});
