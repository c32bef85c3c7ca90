// Reconcile on the swarm backend (single-node swarm of the integration-swarm project): services
// are adopted and disposed exactly as containers are — an owned service nobody recorded is
// adopted with its task's container, a running record whose service was removed is disposed, and
// a running record whose task ended behind RTM's back is marked stopped (its container kept), and
// one whose service was force-updated behind its back moves to the new task (adopted).
import { execFileSync } from 'node:child_process';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createDockerClient } from '../../../src/adapters/docker/docker-client.factory.js';
import { RETIRED_PLACEMENT } from '../../../src/adapters/docker/swarm/retired-placement.js';
import { SwarmRuntime } from '../../../src/adapters/docker/swarm/swarm-runtime.adapter.js';
import { GAME_ID_LABEL, IMAGE_REF_LABEL, OWNER_LABEL, OWNER_VALUE } from '../../../src/domain/container-spec.js';
import { containerNameFor } from '../../../src/domain/runtime-record.js';
import { ReconcilerWorker } from '../../../src/workers/reconciler/reconciler.worker.js';
import { ENGINE_IMAGE, eventually } from '../../support/test-env.js';
import { createHealthHarness, type HealthHarness } from '../health/health-harness.js';

let h: HealthHarness;
let managerHost: string;
let network: string;
const manager = (...args: string[]) => execFileSync('docker', ['-H', managerHost, ...args], { encoding: 'utf8' }).trim();

beforeAll(async () => {
  ({ managerHost, network } = inject('swarm'));
  const docker = new SwarmRuntime(createDockerClient(managerHost), {
    apiTimeoutMs: 15_000, pullTimeoutMs: 30_000, startTimeoutMs: 30_000, stopGraceSeconds: 5, taskPollMs: 100, logger: pino({ level: 'silent' }),
  });
  h = await createHealthHarness({ engine: { docker, network } });
});
afterAll(async () => {
  await h?.close();
});

describe('reconcile on the swarm backend', () => {
  it('adopts an owned service nobody recorded (its task container recorded) and disposes a record whose service is gone', async () => {
    const adoptId = h.newGameId('adopt');
    const name = containerNameFor(adoptId);
    const labels = [`${OWNER_LABEL}=${OWNER_VALUE}`, `${GAME_ID_LABEL}=${adoptId}`, `${IMAGE_REF_LABEL}=${ENGINE_IMAGE}`];
    manager('service', 'create', '-d', '--name', name, '--hostname', name, '--restart-condition', 'none', '--endpoint-mode', 'dnsrr', '--init',
      '--network', `name=${network},alias=${name}`, ...labels.flatMap((l) => ['--label', l, '--container-label', l]), ENGINE_IMAGE);
    const running = await eventually(async () => {
      const info = await h.docker.inspectContainer(name);
      return info?.running ? info : undefined;
    }, { timeoutMs: 30_000, message: 'the hand-made service never ran' });

    const goneId = h.newGameId('gone');
    const started = await h.services.start.execute({ gameId: goneId, imageRef: ENGINE_IMAGE, opSource: 'admin_rest' });
    expect(started.outcome).toBe('success');
    manager('service', 'rm', containerNameFor(goneId));
    await eventually(async () => ((await h.docker.inspectContainer(started.record?.currentContainerId as string)) === null ? true : undefined), {
      timeoutMs: 30_000,
      message: 'the removed service is still seen',
    });

    const deadId = h.newGameId('dead');
    const dead = await h.services.start.execute({ gameId: deadId, imageRef: ENGINE_IMAGE, opSource: 'admin_rest' });
    expect(dead.outcome).toBe('success');
    const deadContainer = dead.record?.currentContainerId as string;
    manager('kill', deadContainer); // the single node is the manager: its container is local
    await eventually(async () => ((await h.docker.inspectContainer(deadContainer))?.running === false ? true : undefined), {
      timeoutMs: 30_000,
      message: 'the killed task is still seen running',
    });

    // A forced update RTM did not record (an in-place restart cut short by a crash after the update):
    // the record's task is kept, exited; the new task runs and is adopted.
    const movedId = h.newGameId('moved');
    const moved = await h.services.start.execute({ gameId: movedId, imageRef: ENGINE_IMAGE, opSource: 'admin_rest' });
    expect(moved.outcome).toBe('success');
    manager('service', 'update', '-d', '--force', containerNameFor(movedId));
    const successor = await eventually(async () => {
      const info = await h.docker.inspectContainer(containerNameFor(movedId));
      return info?.running && info.id !== moved.record?.currentContainerId ? info : undefined;
    }, { timeoutMs: 30_000, message: 'the forced update never ran a new task' });

    const report = await new ReconcilerWorker({ ...h, reconcile: h.reconcileServices(0).game, settings: { intervalMs: 60_000 } }).reconcileOnce();
    expect([...report.adopted].sort()).toEqual([adoptId, movedId].sort());
    expect(await h.records.get(movedId)).toMatchObject({ status: 'running', currentContainerId: successor.id });
    expect(await h.docker.inspectContainer(moved.record?.currentContainerId as string)).toMatchObject({ running: false });
    expect(report.disposed).toEqual([goneId]);
    expect(report.markedStopped).toEqual([deadId]);
    expect(await h.records.get(deadId)).toMatchObject({ status: 'stopped', currentContainerId: deadContainer });
    expect(await h.docker.inspectContainer(deadContainer)).toMatchObject({ running: false, exitCode: 137 });
    expect(report.failed).toEqual([]);
    expect(await h.records.get(adoptId)).toMatchObject({ status: 'running', currentContainerId: running.id, currentImageRef: ENGINE_IMAGE, engineEndpoint: `http://${name}:8080` });
    expect(running.id).toMatch(/^[0-9a-f]{64}$/);
    expect((await h.records.get(goneId))?.status).toBe('removed');
  }, 90_000);

  it('a stop cut short after its retire update (a pending placeholder, still 1 replica): marked stopped, the service and the task kept; start runs it again', async () => {
    const gameId = h.newGameId('halfstop');
    const name = containerNameFor(gameId);
    const started = await h.services.start.execute({ gameId, imageRef: ENGINE_IMAGE, opSource: 'admin_rest' });
    expect(started.outcome).toBe('success');
    const first = started.record?.currentContainerId as string;
    manager('service', 'update', '-d', '--force', '--constraint-add', RETIRED_PLACEMENT, name);
    await eventually(async () => ((await h.docker.inspectContainer(first))?.running === false ? true : undefined), {
      timeoutMs: 30_000,
      message: 'the retired task never stopped',
    });

    const report = await new ReconcilerWorker({ ...h, reconcile: h.reconcileServices(0).game, settings: { intervalMs: 60_000 } }).reconcileOnce();
    expect(report.markedStopped).toContain(gameId);
    expect(report.removedHalfMade).not.toContain(gameId);
    expect(await h.records.get(gameId)).toMatchObject({ status: 'stopped', currentContainerId: first });
    expect(await h.docker.inspectContainer(name)).toMatchObject({ id: first, running: false });

    const again = await h.services.start.execute({ gameId, imageRef: ENGINE_IMAGE, opSource: 'admin_rest' });
    expect(again.outcome).toBe('success');
    expect(again.record?.currentContainerId).not.toBe(first);
    expect(manager('service', 'inspect', '-f', '{{json .Spec.TaskTemplate.Placement}}', name)).not.toContain(RETIRED_PLACEMENT);
  }, 90_000);
});
