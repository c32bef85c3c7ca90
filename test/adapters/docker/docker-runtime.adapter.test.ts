// What only the real daemon can show: the exact container the adapter creates, stop
// timing, exit codes in events, and how an unreachable or silent daemon fails.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient, DockerodeRuntime } from '../../../src/adapters/docker/docker-runtime.adapter.js';
import { buildContainerSpec, CONTAINER_STATE_PATH } from '../../../src/domain/container-spec.js';
import { DockerError, type DockerRuntime } from '../../../src/ports/docker-runtime.js';
import { DependencyUnavailable, isDependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';
import {
  ENGINE_IMAGE,
  eventually,
  MISSING_IMAGE,
  TEST_CEILINGS,
  TEST_DOCKER_HOST,
  TEST_DOCKER_NETWORK,
  TEST_HARDENING,
  uniqueSuffix,
} from '../../support/test-env.js';
import { collectEvents, EngineContainers, TEST_LIMITS, TEST_LOG_OPTIONS } from './engine-containers.fixture.js';

const silent = pino({ level: 'silent' });

function realRuntime(host = TEST_DOCKER_HOST, apiTimeoutMs = 15_000, pullTimeoutMs = 30_000): DockerodeRuntime {
  return new DockerodeRuntime(createDockerClient(host), { apiTimeoutMs, pullTimeoutMs, logger: silent });
}

/** A daemon that cannot be reached is a DependencyUnavailable('docker'), not a DockerError (issue 8 item 4). */
async function unavailableOf(p: Promise<unknown>): Promise<DependencyUnavailable> {
  const err = await p.then(
    () => {
      throw new Error('expected DependencyUnavailable, the call succeeded');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DependencyUnavailable);
  return err as DependencyUnavailable;
}

async function dockerErrorOf(p: Promise<unknown>): Promise<DockerError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DockerError);
    return err as DockerError;
  }
  throw new Error('expected a DockerError, the call succeeded');
}

/** `docker inspect` through the CLI: the daemon's own view, not the adapter's mapping. */
function dockerInspect(id: string): any {
  return JSON.parse(execFileSync('docker', ['inspect', id], { encoding: 'utf8' }))[0];
}

async function engineUrl(runtime: DockerRuntime, id: string): Promise<string> {
  const info = await runtime.inspectContainer(id);
  const ip = info?.networkIps[TEST_DOCKER_NETWORK];
  if (!ip) throw new Error(`container ${id} has no address on ${TEST_DOCKER_NETWORK}`);
  const url = `http://${ip}:8080`;
  await eventually(async () => ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1_000) })).ok ? true : undefined), {
    message: 'engine never answered /healthz',
  });
  return url;
}

async function control(url: string, pathAndQuery: string): Promise<void> {
  const res = await fetch(`${url}${pathAndQuery}`, { method: 'POST', signal: AbortSignal.timeout(2_000) });
  expect(res.status).toBeLessThan(300);
}

describe('DockerodeRuntime against the real daemon', () => {
  const runtime = realRuntime();
  const containers = new EngineContainers(() => runtime);

  afterEach(async () => {
    await containers.cleanup();
  });

  it('creates the container of CONTRACT §2 exactly: labels, env, limits, mounts, hardening, logs, network', async () => {
    const spec = await containers.spec(ENGINE_IMAGE);
    const id = await runtime.createContainer(spec);
    const raw = dockerInspect(id);
    const imageLabels = (await runtime.inspectImage(ENGINE_IMAGE))?.labels ?? {};

    expect(raw.Name).toBe(`/${spec.name}`);
    expect(raw.Config.Hostname).toBe(spec.name);
    expect(raw.Config.Image).toBe(ENGINE_IMAGE);
    // Docker merges the image's labels in; the create request adds exactly the contract's three.
    expect(raw.Config.Labels).toEqual({ ...imageLabels, ...spec.labels });
    expect(spec.labels).toEqual({ 'com.galaxy.owner': 'rtmanager', 'com.galaxy.game_id': spec.gameId, 'com.galaxy.image_ref': ENGINE_IMAGE });
    expect(raw.Config.Env).toEqual(expect.arrayContaining([`GAME_STATE_PATH=${CONTAINER_STATE_PATH}`, `STORAGE_PATH=${CONTAINER_STATE_PATH}`]));
    expect(Object.keys(raw.Config.ExposedPorts)).toEqual(['8080/tcp']);

    const hc = raw.HostConfig;
    expect(hc.NetworkMode).toBe(TEST_DOCKER_NETWORK);
    expect(hc.Binds).toEqual([`${spec.stateBind.hostPath}:${CONTAINER_STATE_PATH}:rw`]);
    expect(hc.NanoCpus).toBe(TEST_LIMITS.cpus * 1e9);
    expect(hc.Memory).toBe(TEST_LIMITS.memoryBytes);
    expect(hc.MemorySwap).toBe(TEST_LIMITS.memoryBytes);
    expect(hc.PidsLimit).toBe(TEST_LIMITS.pidsLimit);
    expect(hc.Privileged).toBe(false);
    expect(hc.CapDrop).toEqual(['ALL']);
    expect(hc.CapAdd ?? null).toBeNull();
    expect(hc.SecurityOpt).toEqual(['no-new-privileges:true']);
    expect(hc.Init).toBe(true);
    expect(hc.ReadonlyRootfs).toBe(false);
    expect(hc.Tmpfs ?? {}).toEqual({});
    expect(hc.CgroupnsMode).toBe('private');
    // No forced user: the image's own (non-root) USER applies.
    expect(raw.Config.User).toBe('10001:10001');
    expect(hc.RestartPolicy).toMatchObject({ Name: 'no' });
    expect(hc.AutoRemove).toBe(false);
    expect(hc.LogConfig).toEqual({ Type: 'json-file', Config: TEST_LOG_OPTIONS });
    expect(hc.PublishAllPorts).toBe(false);
    expect(Object.keys(hc.PortBindings ?? {})).toEqual([]);
    for (const ns of [hc.PidMode, hc.IpcMode, hc.UTSMode, hc.UsernsMode, hc.NetworkMode]) expect(ns).not.toBe('host');
    expect(JSON.stringify(raw.Mounts)).not.toContain('docker.sock');
    expect(raw.Mounts).toEqual([expect.objectContaining({ Type: 'bind', Source: spec.stateBind.hostPath, Destination: CONTAINER_STATE_PATH, RW: true })]);
    expect(raw.NetworkSettings.Networks[TEST_DOCKER_NETWORK].Aliases).toContain(spec.name);
    expect(raw.State.Status).toBe('created');
  });

  it('a started engine is reachable on the game network and writes its state into the bind mount', async () => {
    const spec = await containers.spec(ENGINE_IMAGE);
    const id = await runtime.createContainer(spec);
    await runtime.startContainer(id);
    const url = await engineUrl(runtime, id);
    const info = (await (await fetch(`${url}/info`)).json()) as { hostname: string; state_dir: string };
    expect(info).toMatchObject({ hostname: spec.name, state_dir: CONTAINER_STATE_PATH });
    const state = JSON.parse(await readFile(path.join(spec.stateBind.hostPath, 'engine-state.json'), 'utf8')) as { hostname: string };
    expect(state.hostname).toBe(spec.name);
  });

  it('inspectImage reads the image labels (Config.Labels) and its USER', async () => {
    const info = await runtime.inspectImage(ENGINE_IMAGE);
    expect(info?.labels).toMatchObject({ 'com.galaxy.cpu_quota': '1.0', 'com.galaxy.memory': '256m', 'com.galaxy.pids_limit': '128' });
    expect(info?.user).toBe('10001:10001');
  });

  it('hostResources is what `docker info` reports (NCPU, MemTotal)', async () => {
    const info = JSON.parse(execFileSync('docker', ['info', '--format', '{{json .}}'], { encoding: 'utf8' })) as { NCPU: number; MemTotal: number };
    expect(await runtime.hostResources()).toEqual({ cpus: info.NCPU, memoryBytes: info.MemTotal });
  });

  it('graceful stop is quick thanks to Init: the engine gets the SIGTERM', async () => {
    const spec = await containers.spec(ENGINE_IMAGE);
    const id = await runtime.createContainer(spec);
    await runtime.startContainer(id);
    await engineUrl(runtime, id);
    const started = Date.now();
    await runtime.stopContainer(id, 10);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(await runtime.inspectContainer(id)).toMatchObject({ state: 'exited', exitCode: 0 });
  });

  it('stop of an engine that ignores SIGTERM waits the timeout, then kills it', async () => {
    const spec = await containers.spec(ENGINE_IMAGE);
    const id = await runtime.createContainer(spec);
    await runtime.startContainer(id);
    await control(await engineUrl(runtime, id), '/control/ignore-sigterm');
    const started = Date.now();
    await runtime.stopContainer(id, 2);
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(2_000);
    expect(took).toBeLessThan(2_000 + 3_000);
    expect(await runtime.inspectContainer(id)).toMatchObject({ state: 'exited', running: false, exitCode: 137 });
  });

  it('stop deadline is the grace period plus the API timeout, not the API timeout alone', async () => {
    const spec = await containers.spec(ENGINE_IMAGE);
    const id = await runtime.createContainer(spec);
    await runtime.startContainer(id);
    await control(await engineUrl(runtime, id), '/control/ignore-sigterm');
    const shortApi = realRuntime(TEST_DOCKER_HOST, 1_000);
    await shortApi.stopContainer(id, 2); // takes ~2 s > apiTimeoutMs: must not time out
    expect((await runtime.inspectContainer(id))?.state).toBe('exited');
  });

  it('events: die carries the engine exit code; kill carries the signal', async () => {
    const feed = collectEvents(runtime, Date.now() / 1000 - 1);
    try {
      const spec = await containers.spec(ENGINE_IMAGE);
      const id = await runtime.createContainer(spec);
      await runtime.startContainer(id);
      await control(await engineUrl(runtime, id), '/control/exit?code=3');
      const die = await eventually(() => feed.of(id).find((e) => e.action === 'die'), { message: 'no die event' });
      expect(die.exitCode).toBe(3);
      expect(die.signal).toBeNull();
      expect(await runtime.inspectContainer(id)).toMatchObject({ state: 'exited', exitCode: 3, oomKilled: false });

      await runtime.startContainer(id);
      await engineUrl(runtime, id);
      await runtime.stopContainer(id, 10);
      await eventually(() => (feed.of(id).some((e) => e.action === 'stop') ? true : undefined), { message: 'no stop event' });
      const kill = feed.of(id).find((e) => e.action === 'kill');
      expect(kill?.signal).toBe('15');
      expect(kill?.exitCode).toBeNull();
      // Labels are the container's labels; the daemon's own attributes are split off.
      for (const e of feed.of(id)) {
        expect(e.labels).toMatchObject(spec.labels);
        for (const k of ['image', 'name', 'exitCode', 'signal']) expect(e.labels).not.toHaveProperty(k);
      }
      const actions = feed.of(id).map((e) => e.action);
      expect(actions).toEqual(['create', 'start', 'die', 'start', 'kill', 'die', 'stop']);
    } finally {
      await feed.stop();
    }
    expect(feed.failure).toBeNull();
  });

  it('events: aborting a connected, idle stream ends the iteration at once', async () => {
    const feed = collectEvents(runtime, Date.now() / 1000 - 1);
    const spec = await containers.spec(ENGINE_IMAGE);
    const id = await runtime.createContainer(spec);
    await eventually(() => (feed.of(id).length > 0 ? true : undefined), { message: 'stream never delivered' });
    const started = Date.now();
    await feed.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(feed.failure).toBeNull();
  });

  it('pull of an image no registry serves fails fast with the daemon message', async () => {
    const started = Date.now();
    const err = await dockerErrorOf(runtime.pullImage(MISSING_IMAGE));
    expect(['not_found', 'failed']).toContain(err.kind);
    expect(err.message.length).toBeGreaterThan(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await runtime.inspectImage(MISSING_IMAGE)).toBeNull();
  });

  it('a bad container spec is failed with the daemon message', async () => {
    const spec = await containers.spec(ENGINE_IMAGE);
    // (Not an unknown log *driver*: the daemon then looks for a plugin of that name for
    // ~15 s before answering, and the call ends at its deadline as unavailable.)
    const err = await dockerErrorOf(runtime.createContainer({ ...spec, logOptions: { 'no-such-opt': 'x' } }));
    expect(err.kind).toBe('failed');
    expect(err.statusCode).toBe(400);
    expect(err.message).toBe("unknown log opt 'no-such-opt' for json-file log driver");
  });
});

describe('DockerodeRuntime when the daemon is not there', () => {
  const calls: Array<[string, (r: DockerRuntime) => Promise<unknown>]> = [
    ['ping', (r) => r.ping()],
    ['networkExists', (r) => r.networkExists(TEST_DOCKER_NETWORK)],
    ['inspectImage', (r) => r.inspectImage(ENGINE_IMAGE)],
    ['pullImage', (r) => r.pullImage(ENGINE_IMAGE)],
    ['inspectContainer', (r) => r.inspectContainer('galaxy-game-x')],
    ['startContainer', (r) => r.startContainer('galaxy-game-x')],
    ['stopContainer', (r) => r.stopContainer('galaxy-game-x', 1)],
    ['removeContainer', (r) => r.removeContainer('galaxy-game-x', { force: true })],
    ['listOwnedContainers', (r) => r.listOwnedContainers()],
    ['events', async (r) => {
      for await (const _ of r.events({ signal: new AbortController().signal })) break;
    }],
  ];

  for (const [label, host] of [
    ['connection refused (tcp://127.0.0.1:1)', 'tcp://127.0.0.1:1'],
    ['a socket path that does not exist', `unix:///tmp/rtm-no-docker-${uniqueSuffix()}.sock`],
  ] as const) {
    it(`${label}: every call is unavailable, at once`, async () => {
      const runtime = realRuntime(host, 10_000, 10_000);
      for (const [name, call] of calls) {
        const started = Date.now();
        const err = await unavailableOf(call(runtime));
        expect(isDependencyUnavailable(err, 'docker'), name).toBe(true);
        expect(Date.now() - started, name).toBeLessThan(2_000);
      }
    });
  }

  describe('a daemon that accepts connections and never answers', () => {
    let server: net.Server;
    let host: string;
    const sockets = new Set<net.Socket>();
    let closedSockets = 0;

    beforeAll(async () => {
      server = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('data', () => {}); // read the request, never reply
        socket.on('close', () => {
          closedSockets += 1;
          sockets.delete(socket);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      host = `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    });
    afterAll(async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('every call is unavailable at its deadline and its connection is closed, no hang', async () => {
      const apiTimeoutMs = 300;
      const runtime = realRuntime(host, apiTimeoutMs, 500);
      // Nothing reaches a daemon, so nothing is created (no state directory either).
      const spec = buildContainerSpec({
        gameId: 'it-silent-daemon',
        imageRef: ENGINE_IMAGE,
        hostStatePath: '/nonexistent/rtm-silent-daemon',
        limits: TEST_LIMITS,
        defaults: { network: TEST_DOCKER_NETWORK, enginePort: 8080, limits: TEST_LIMITS, ceilings: TEST_CEILINGS, hardening: TEST_HARDENING, logDriver: 'json-file', logOptions: TEST_LOG_OPTIONS },
      });
      const all: Array<[string, (r: DockerRuntime) => Promise<unknown>, number]> = [
        ...calls.map(([n, c]) => [n, c, apiTimeoutMs] as [string, (r: DockerRuntime) => Promise<unknown>, number]),
        ['createContainer', (r) => r.createContainer(spec), apiTimeoutMs],
      ];
      // pull has its own deadline; stop adds its grace period.
      for (const entry of all) {
        if (entry[0] === 'pullImage') entry[2] = 500;
        if (entry[0] === 'stopContainer') entry[2] = 1_000 + apiTimeoutMs;
      }
      for (const [name, call, deadlineMs] of all) {
        const closedBefore = closedSockets;
        const started = Date.now();
        const err = await unavailableOf(call(runtime));
        const took = Date.now() - started;
        expect(isDependencyUnavailable(err, 'docker'), name).toBe(true);
        expect(err.message, name).toContain('did not answer');
        expect(took, name).toBeGreaterThanOrEqual(deadlineMs - 20);
        expect(took, name).toBeLessThan(deadlineMs + 1_000);
        await eventually(() => (closedSockets > closedBefore ? true : undefined), { timeoutMs: 2_000, message: `${name} left its connection open` });
      }
    });
  });
});
