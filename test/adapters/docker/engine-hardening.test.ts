// The hardening options of issue 9 item 9 on the real daemon (API 1.41): private cgroup
// namespace, forced user, read-only rootfs with a tmpfs /tmp, and root images refused by
// the start service before anything exists — and started when the operator allows it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient, DockerodeRuntime } from '../../../src/adapters/docker/docker-runtime.adapter.js';
import { READ_ONLY_TMPFS } from '../../../src/adapters/docker/container-create.mapper.js';
import { containerNameFor } from '../../../src/domain/runtime-record.js';
import { createRealLifecycle, type RealLifecycle } from '../../integration/services/real-lifecycle.fixture.js';
import { ENGINE_IMAGE, eventually, TEST_DOCKER_HOST, TEST_DOCKER_NETWORK, uniqueSuffix } from '../../support/test-env.js';
import { EngineContainers } from './engine-containers.fixture.js';

const runtime = new DockerodeRuntime(createDockerClient(TEST_DOCKER_HOST), { apiTimeoutMs: 15_000, pullTimeoutMs: 30_000, logger: pino({ level: 'silent' }) });

function dockerInspect(id: string): any {
  return JSON.parse(execFileSync('docker', ['inspect', id], { encoding: 'utf8' }))[0];
}

/** Runs node inside the engine (the image has no shell): exit status and output. */
function nodeInEngine(id: string, script: string): { status: number | null; out: string } {
  const r = spawnSync('docker', ['exec', id, '/usr/bin/node', '-e', script], { encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const writeProbe = (file: string) => `require('fs').writeFileSync(${JSON.stringify(file)}, 'x'); console.log('wrote')`;

describe('engine hardening on the real daemon', () => {
  const containers = new EngineContainers(() => runtime);
  afterEach(async () => {
    await containers.cleanup();
  });

  it('private cgroup namespace: the engine starts and sees its own cgroup as the root', async () => {
    const spec = await containers.spec(ENGINE_IMAGE, { label: 'cgns' });
    const id = await runtime.createContainer(spec);
    await runtime.startContainer(id);
    expect(dockerInspect(id).HostConfig.CgroupnsMode).toBe('private');
    await eventually(async () => ((await runtime.inspectContainer(id))?.running ? true : undefined));
    const cgroups = nodeInEngine(id, `process.stdout.write(require('fs').readFileSync('/proc/self/cgroup', 'utf8'))`);
    expect(cgroups.status).toBe(0);
    const paths = cgroups.out.trim().split('\n').map((line) => line.split(':').slice(2).join(':'));
    expect(paths.length).toBeGreaterThan(0);
    // With the host namespace these would read /docker/<id>.
    for (const p of paths) expect(p).toBe('/');
  });

  it('read-only rootfs with a forced user: / refuses writes, /tmp (tmpfs) and the state mount take them', async () => {
    const spec = await containers.spec(ENGINE_IMAGE, { label: 'ro', hardening: { user: '10001:10001', readOnlyRootfs: true } });
    const id = await runtime.createContainer(spec);
    await runtime.startContainer(id);
    const raw = dockerInspect(id);
    expect(raw.Config.User).toBe('10001:10001');
    expect(raw.HostConfig).toMatchObject({
      ReadonlyRootfs: true,
      Tmpfs: READ_ONLY_TMPFS,
      CgroupnsMode: 'private',
      Privileged: false,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      IpcMode: 'private',
    });
    await eventually(async () => (existsSync(path.join(spec.stateBind.hostPath, 'engine-state.json')) ? true : undefined), {
      message: 'the engine never wrote its state into the bind mount',
    });
    const root = nodeInEngine(id, writeProbe('/probe'));
    expect(root.status).not.toBe(0);
    expect(root.out).toMatch(/EROFS|read-only file system/i);
    expect(nodeInEngine(id, writeProbe('/tmp/probe'))).toMatchObject({ status: 0, out: expect.stringContaining('wrote') });
    expect(nodeInEngine(id, writeProbe('/var/lib/galaxy-game/probe'))).toMatchObject({ status: 0 });
    expect(existsSync(path.join(spec.stateBind.hostPath, 'probe'))).toBe(true);
  });
});

describe('root images through the start service (real Docker, PostgreSQL, Redis)', () => {
  // A root variant of the test engine under a tag of this run only; the shared
  // galaxy/game-test tags are never rebuilt or removed.
  const rootImage = `rtm-test-root-${uniqueSuffix()}:1.0.0`;
  let strict: RealLifecycle;
  let allowing: RealLifecycle;

  beforeAll(async () => {
    execFileSync('docker', ['build', '-q', '-t', rootImage, '-'], { input: `FROM ${ENGINE_IMAGE}\nUSER 0:0\n`, encoding: 'utf8' });
    strict = await createRealLifecycle();
    allowing = await createRealLifecycle({ hardening: { allowRoot: true } });
  });
  afterAll(async () => {
    await strict?.close();
    await allowing?.close();
    spawnSync('docker', ['rmi', '-f', rootImage]);
  });

  it('the root image reads as USER 0:0', async () => {
    expect((await runtime.inspectImage(rootImage))?.user).toBe("0:0");
  });

  it('is refused start_config_invalid and leaves nothing behind', async () => {
    const gameId = strict.gameId('root');
    const r = await strict.start.execute({ gameId, imageRef: rootImage, opSource: 'admin_rest' });
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'start_config_invalid' });
    expect(r.errorMessage).toMatch(/would run as root \(USER "0:0"\).*RTMANAGER_ALLOW_ROOT_ENGINES=true/);
    expect(await runtime.inspectContainer(containerNameFor(gameId))).toBeNull();
    expect(existsSync(path.join(strict.stateRoot, gameId))).toBe(false);
    expect(await strict.records.get(gameId)).toBeNull();
    const intents = await strict.intents();
    expect(intents.map((i) => i.intent_type)).toEqual(['runtime.start_config_invalid']);
  });

  it('starts with RTMANAGER_ALLOW_ROOT_ENGINES=true, still hardened', async () => {
    const gameId = allowing.gameId('root-ok');
    const r = await allowing.start.execute({ gameId, imageRef: rootImage, opSource: 'admin_rest' });
    expect(r, r.errorMessage ?? '').toMatchObject({ outcome: 'success' });
    const raw = dockerInspect(containerNameFor(gameId));
    expect(raw.State.Running).toBe(true);
    expect(raw.Config.User).toBe("0:0");
    expect(raw.HostConfig).toMatchObject({ CapDrop: ['ALL'], Privileged: false, CgroupnsMode: 'private', NetworkMode: TEST_DOCKER_NETWORK });
  });
});
