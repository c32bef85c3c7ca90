// The test engine image itself (engine/, scripts/build-engine-image.sh), run directly on the
// real daemon without RTM: every switch the other suites rely on must really work.
import { chown, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../src/adapters/docker/docker-client.factory.js';
import {
  ENGINE_IMAGE,
  ENGINE_IMAGE_BADLABEL,
  ENGINE_IMAGE_MINOR,
  ENGINE_IMAGE_PATCH,
  ENGINE_IMAGE_SMALLMEM,
  eventually,
  TEST_DOCKER_HOST,
  TEST_DOCKER_NETWORK,
  uniqueSuffix,
} from '../support/test-env.js';

const ENGINE_UID = 10001;
const STATE_PATH = '/var/lib/galaxy-game';

let docker: Dockerode;
let stateRoot: string;
const created: Dockerode.Container[] = [];

interface RunOptions {
  image?: string;
  env?: string[];
  /** Bind a fresh host state dir (owned by the engine's uid) at STATE_PATH. */
  stateDir?: boolean;
  /** Bytes; swap = memory, as RTM sets it. */
  memory?: number;
}

interface RunningEngine {
  container: Dockerode.Container;
  url: string;
  stateDir: string | null;
}

async function inspect(container: Dockerode.Container): Promise<Dockerode.ContainerInspectInfo> {
  return container.inspect();
}

async function runEngine(opts: RunOptions = {}): Promise<RunningEngine> {
  let stateDir: string | null = null;
  const binds: string[] = [];
  if (opts.stateDir) {
    stateDir = await mkdtemp(path.join(stateRoot, 'game-'));
    await chown(stateDir, ENGINE_UID, ENGINE_UID);
    binds.push(`${stateDir}:${STATE_PATH}`);
  }
  const container = await docker.createContainer({
    name: `galaxy-game-it-eng-${uniqueSuffix()}`,
    Image: opts.image ?? ENGINE_IMAGE,
    Env: [`GAME_STATE_PATH=${STATE_PATH}`, ...(opts.env ?? [])],
    HostConfig: {
      NetworkMode: TEST_DOCKER_NETWORK,
      Init: true,
      Binds: binds,
      ...(opts.memory ? { Memory: opts.memory, MemorySwap: opts.memory } : {}),
    },
  });
  created.push(container);
  await container.start();
  const ip = await eventually(async () => (await inspect(container)).NetworkSettings.Networks[TEST_DOCKER_NETWORK]?.IPAddress || undefined, {
    message: `no address on ${TEST_DOCKER_NETWORK}`,
  });
  return { container, url: `http://${ip}:8080`, stateDir };
}

async function get(url: string, timeoutMs = 2_000): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function post(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(2_000) });
  return { status: res.status, body: await res.json() };
}

/** Wait until the engine answers /healthz (any status): it is listening. */
async function listening(engine: RunningEngine): Promise<void> {
  await eventually(async () => ((await get(`${engine.url}/healthz`, 1_000)).status > 0 ? true : undefined), { message: 'engine not listening' });
}

async function exited(container: Dockerode.Container, timeoutMs = 15_000): Promise<Dockerode.ContainerInspectInfo['State']> {
  return eventually(async () => {
    const { State } = await inspect(container);
    return State.Status === 'exited' ? State : undefined;
  }, { timeoutMs, message: 'container did not exit' });
}

beforeAll(async () => {
  docker = createDockerClient(TEST_DOCKER_HOST);
  stateRoot = await mkdtemp(path.join(os.tmpdir(), 'rtm-engine-it-'));
});

afterEach(async () => {
  const all = created.splice(0);
  await Promise.all(all.map((c) => c.remove({ force: true }).catch(() => undefined)));
});

afterAll(async () => {
  await rm(stateRoot, { recursive: true, force: true });
});

describe('test engine image', () => {
  it('serves /healthz, writes its state file into the bind-mounted dir, runs as uid 10001', async () => {
    const engine = await runEngine({ stateDir: true });
    await listening(engine);
    expect(await get(`${engine.url}/healthz`)).toEqual({ status: 200, body: { status: 'ok' } });

    const state = JSON.parse(await readFile(path.join(engine.stateDir!, 'engine-state.json'), 'utf8'));
    const info = await inspect(engine.container);
    expect(state).toMatchObject({ pid: expect.any(Number), hostname: info.Config.Hostname, uid: ENGINE_UID, version: '1.0.0' });
    expect(Date.parse(state.started_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(info.Config.User).toBe('10001:10001');
    expect((await get(`${engine.url}/info`)).body).toMatchObject({ uid: ENGINE_UID, state_error: null, healthz_mode: 'ok' });
  });

  it('images carry the resource labels; variants differ only where meant to', async () => {
    const labelsOf = async (ref: string) => (await docker.getImage(ref).inspect()).Config.Labels ?? {};
    const base = await labelsOf(ENGINE_IMAGE);
    expect(base).toMatchObject({
      'com.galaxy.cpu_quota': '1.0',
      'com.galaxy.memory': '256m',
      'com.galaxy.pids_limit': '128',
      'org.opencontainers.image.title': 'galaxy-game-test-engine',
    });
    expect(base['com.galaxy.test_engine_hash']).toMatch(/^[0-9a-f]{16}$/);
    expect(await labelsOf(ENGINE_IMAGE_PATCH)).toEqual(base);
    expect(await labelsOf(ENGINE_IMAGE_MINOR)).toEqual(base);
    expect(await labelsOf(ENGINE_IMAGE_SMALLMEM)).toEqual({ ...base, 'com.galaxy.memory': '48m' });
    expect(await labelsOf(ENGINE_IMAGE_BADLABEL)).toEqual({ ...base, 'com.galaxy.cpu_quota': 'lots' });
    const env = (await docker.getImage(ENGINE_IMAGE_PATCH).inspect()).Config.Env ?? [];
    expect(env).toContain('ENGINE_VERSION=1.0.1');
    expect(env).toContain(`STORAGE_PATH=${STATE_PATH}`);
  });

  it('an unwritable state dir is logged and reported by /healthz, which still answers 200', async () => {
    const engine = await runEngine(); // no bind mount: the scratch image has no /var/lib/galaxy-game
    await listening(engine);
    const res = await get(`${engine.url}/healthz`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', state_error: expect.stringMatching(/^ENOENT: cannot write/) });
  });

  it('/control/healthz switches /healthz between ok (200), fail (500) and hang (no answer)', async () => {
    const engine = await runEngine();
    await listening(engine);
    expect((await post(`${engine.url}/control/healthz?mode=fail`)).status).toBe(200);
    expect((await get(`${engine.url}/healthz`)).status).toBe(500);

    await post(`${engine.url}/control/healthz?mode=hang`);
    await expect(get(`${engine.url}/healthz`, 500)).rejects.toThrow(/timeout|aborted/i);

    await post(`${engine.url}/control/healthz?mode=ok`);
    expect((await get(`${engine.url}/healthz`)).status).toBe(200);
    expect((await post(`${engine.url}/control/healthz?mode=sideways`)).status).toBe(400);
  });

  it('a healthz-mode file in the host state dir overrides the mode while it exists', async () => {
    const engine = await runEngine({ stateDir: true });
    await listening(engine);
    const modeFile = path.join(engine.stateDir!, 'healthz-mode');
    await writeFile(modeFile, 'fail\n');
    expect((await get(`${engine.url}/healthz`)).status).toBe(500);
    await unlink(modeFile);
    expect((await get(`${engine.url}/healthz`)).status).toBe(200);
  });

  it('ENGINE_HEALTHZ_MODE sets the starting mode', async () => {
    const engine = await runEngine({ env: ['ENGINE_HEALTHZ_MODE=fail'] });
    await listening(engine);
    expect((await get(`${engine.url}/healthz`)).status).toBe(500);
  });

  it('/control/exit?code=3 ends the container with exit code 3', async () => {
    const engine = await runEngine();
    await listening(engine);
    expect(await post(`${engine.url}/control/exit?code=3&delay_ms=100`)).toEqual({ status: 202, body: { exiting: true, code: 3, delay_ms: 100 } });
    const state = await exited(engine.container);
    expect(state.ExitCode).toBe(3);
    expect(state.OOMKilled).toBe(false);
  });

  it('ENGINE_EXIT_CODE + ENGINE_EXIT_AFTER_MS exit on their own', async () => {
    const engine = await runEngine({ env: ['ENGINE_EXIT_CODE=5', 'ENGINE_EXIT_AFTER_MS=200'] });
    expect((await exited(engine.container)).ExitCode).toBe(5);
  });

  it('smallmem image + /control/oom: the kernel OOM-kills it (State.OOMKilled)', async () => {
    const labels = (await docker.getImage(ENGINE_IMAGE_SMALLMEM).inspect()).Config.Labels ?? {};
    const megabytes = Number.parseInt(/^(\d+)m$/.exec(labels['com.galaxy.memory'] ?? '')?.[1] ?? 'NaN', 10);
    expect(megabytes).toBe(48);
    const engine = await runEngine({ image: ENGINE_IMAGE_SMALLMEM, memory: megabytes * 1024 * 1024 });
    await listening(engine);
    expect((await get(`${engine.url}/healthz`)).status).toBe(200); // node starts within 48 MiB
    expect((await post(`${engine.url}/control/oom`)).status).toBe(202);
    const state = await exited(engine.container, 30_000);
    expect(state.OOMKilled).toBe(true);
    expect(state.ExitCode).toBe(137);
  });

  it('SIGTERM (docker stop, Init: true) ends it at once with exit code 0', async () => {
    const engine = await runEngine();
    await listening(engine);
    const t0 = Date.now();
    await engine.container.stop({ t: 10 });
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeLessThan(2_000);
    expect((await exited(engine.container)).ExitCode).toBe(0);
  });

  it('/control/ignore-sigterm makes docker stop -t 2 wait the whole timeout, then kill', async () => {
    const engine = await runEngine();
    await listening(engine);
    expect(await post(`${engine.url}/control/ignore-sigterm`)).toEqual({ status: 200, body: { ignore_sigterm: true } });
    const t0 = Date.now();
    await engine.container.stop({ t: 2 });
    const elapsed = Date.now() - t0;
    expect(elapsed).toBeGreaterThanOrEqual(2_000);
    expect((await exited(engine.container)).ExitCode).toBe(137);
  });

  it('ENGINE_IGNORE_SIGTERM=1 starts with SIGTERM ignored', async () => {
    const engine = await runEngine({ env: ['ENGINE_IGNORE_SIGTERM=1'] });
    await listening(engine);
    expect((await get(`${engine.url}/info`)).body).toMatchObject({ ignore_sigterm: true });
    await engine.container.kill({ signal: 'SIGTERM' });
    await eventually(async () => ((await engine.container.logs({ stdout: true })).toString('utf8').includes('ignoring SIGTERM on purpose') ? true : undefined), {
      message: 'the engine never logged the ignored SIGTERM',
    });
    // Still serving after the signal: it was really ignored.
    expect((await get(`${engine.url}/healthz`)).status).toBe(200);
    expect((await inspect(engine.container)).State.Running).toBe(true);
  });
});
