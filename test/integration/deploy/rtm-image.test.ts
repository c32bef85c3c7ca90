// RTM's own image, deployed as docs/deploy.md describes: on the game network, the Docker
// socket mounted (reached through its group, RTM non-root), the state root mounted at the
// same path, PostgreSQL and Redis on unix sockets in a mounted folder. Drives start → the
// probe reaches the engine by its DNS name (RTMANAGER_PROBE_TARGET=dns) → a failing /healthz
// gives probe_failed, a healthy one probe_recovered → stop → SIGTERM to the container exits 0.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/app/project-root.js';
import { startPrivatePostgres, type PrivatePostgres } from '../../support/private-postgres.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/private-redis.js';
import { ENGINE_IMAGE, TEST_DOCKER_NETWORK, eventually, testGameId, testRedisPrefix, uniqueSuffix } from '../../support/test-env.js';
import { callInternal } from '../../support/rtm-process.js';

const IMAGE = 'galaxy/rtmanager:dev';
const RTM_UID = 10002;
const docker = new Dockerode({ socketPath: '/var/run/docker.sock' });
const prefix = testRedisPrefix();
const gameId = testGameId('img');
const rtmName = `rtm-it-image-${uniqueSuffix()}`;
let postgres: PrivatePostgres;
let redisServer: PrivateRedis;
let postgresUrl: string;
let stateRoot: string;
let redis: Redis;
let baseUrl: string;
const timeline: string[] = [];
const t0 = Date.now();
const mark = (what: string) => timeline.push(`+${((Date.now() - t0) / 1000).toFixed(1)}s ${what}`);

beforeAll(async () => {
  execFileSync('bash', ['scripts/build-rtm-image.sh', '--quiet'], { cwd: projectRoot(), stdio: ['ignore', 'inherit', 'inherit'] });
  mark('image built');
  // Real throwaway servers reached on unix sockets in folders the container bind-mounts.
  [postgres, redisServer] = await Promise.all([startPrivatePostgres(), startPrivateRedis({ persistence: 'none', unixSocket: true })]);
  const database = new URL(await postgres.createDatabase('rtm_image')).pathname.slice(1);
  postgresUrl = `postgres:///${database}?host=${encodeURIComponent(postgres.socketDir)}&port=${postgres.port}&user=postgres`;
  redis = new Redis(redisServer.socketPath as string, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  // Docker resolves bind sources on the host: the state root has the same path inside and out.
  stateRoot = mkdtempSync(path.join(os.tmpdir(), 'rtm-image-state-'));
  chownSync(stateRoot, RTM_UID, RTM_UID);
  const container = await docker.createContainer(rtmContainer(rtmName));
  await container.start();
  mark('RTM container started');
  const info = await container.inspect();
  const port = info.NetworkSettings.Ports['8090/tcp']?.[0]?.HostPort;
  baseUrl = `http://127.0.0.1:${port}`;
}, 300_000);

/** RTM's container as docs/deploy.md runs it, against this suite's servers; `env` adds to it. */
function rtmContainer(name: string, env: string[] = []): Dockerode.ContainerCreateOptions {
  const socketGid = statSync('/var/run/docker.sock').gid;
  return {
    name,
    Image: IMAGE,
    User: `${RTM_UID}:${RTM_UID}`,
    Env: [
      `RTMANAGER_POSTGRES_URL=${postgresUrl}`,
      `RTMANAGER_REDIS_URL=unix://${redisServer.socketPath}`,
      `RTMANAGER_REDIS_KEY_PREFIX=${prefix}`,
      `RTMANAGER_DOCKER_NETWORK=${TEST_DOCKER_NETWORK}`,
      `RTMANAGER_GAME_STATE_ROOT=${stateRoot}`,
      'RTMANAGER_PROBE_TARGET=dns',
      'RTMANAGER_PROBE_INTERVAL=0.5',
      'RTMANAGER_PROBE_TIMEOUT=0.4',
      'RTMANAGER_PROBE_FAILURES_THRESHOLD=2',
      'RTMANAGER_RECONCILE_GRACE=5',
      'RTMANAGER_STOP_TIMEOUT=5',
      'RTMANAGER_SHUTDOWN_TIMEOUT=15',
      ...env,
    ],
    ExposedPorts: { '8090/tcp': {} },
    HostConfig: {
      GroupAdd: [String(socketGid)],
      Binds: ['/var/run/docker.sock:/var/run/docker.sock', `${stateRoot}:${stateRoot}`, `${postgres.socketDir}:${postgres.socketDir}`, `${path.dirname(redisServer.socketPath as string)}:${path.dirname(redisServer.socketPath as string)}`],
      PortBindings: { '8090/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] },
      NetworkMode: TEST_DOCKER_NETWORK,
    },
  };
}

afterAll(async () => {
  const rtm = docker.getContainer(rtmName);
  const logs = await rtm.logs({ stdout: true, stderr: true, tail: 40 }).catch(() => Buffer.from(''));
  await rtm.remove({ force: true }).catch(() => undefined);
  await docker.getContainer(`galaxy-game-${gameId}`).remove({ force: true }).catch(() => undefined);
  redis?.disconnect();
  await Promise.all([postgres?.dispose(), redisServer?.dispose()]);
  if (stateRoot) rmSync(stateRoot, { recursive: true, force: true });
  process.stdout.write(`rtm image timeline:\n  ${timeline.join('\n  ')}\n`);
  if (process.env.RTM_TEST_SHOW_IMAGE_LOGS) process.stdout.write(logs.toString('utf8'));
}, 60_000);

const call = (method: string, route: string, body?: unknown) => callInternal(baseUrl, method, route, body);

async function healthEvent(type: string, after = '0'): Promise<{ id: string; fields: Record<string, string> }> {
  return eventually(
    async () => {
      const entries = await redis.xrange(`${prefix}runtime:health_events`, after === '0' ? '-' : `(${after}`, '+');
      for (const [id, flat] of entries) {
        const fields: Record<string, string> = {};
        for (let i = 0; i < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
        if (fields.game_id === gameId && fields.event_type === type) return { id, fields };
      }
      return undefined;
    },
    { timeoutMs: 30_000, message: `${type} not published` },
  );
}

async function engineControl(mode: 'ok' | 'fail'): Promise<void> {
  const info = await docker.getContainer(`galaxy-game-${gameId}`).inspect();
  const ip = info.NetworkSettings.Networks[TEST_DOCKER_NETWORK]?.IPAddress;
  // The engine may still be booting right after the start answered.
  const status = await eventually(async () => (await fetch(`http://${ip}:8080/control/healthz?mode=${mode}`, { method: 'POST' })).status, {
    message: 'engine control endpoint never answered',
  });
  expect(status).toBeLessThan(300);
}

describe('RTM image', () => {
  it('is non-root, runs node behind tini, and declares a HEALTHCHECK', async () => {
    const image = await docker.getImage(IMAGE).inspect();
    expect(image.Config.User).toBe(`${RTM_UID}:${RTM_UID}`);
    const nodeFlags = readFileSync(path.join(projectRoot(), 'scripts/node-flags'), 'utf8').trim().split(/\s+/);
    expect(image.Config.Entrypoint).toEqual(['/sbin/tini', '--', '/usr/bin/node', ...nodeFlags, '/app/dist/src/main.js']);
    expect(image.Config.Healthcheck?.Test).toEqual(['CMD', '/usr/bin/node', '/app/dist/src/main.js', 'healthcheck']);
    process.stdout.write(`rtm image size: ${Math.round(image.Size / 1024 / 1024)} MB\n`);
  });

  it('runs the project\'s Node (the one this suite runs on: Node 24)', () => {
    const version = execFileSync('docker', ['run', '--rm', '--pull', 'never', IMAGE, '--version'], { encoding: 'utf8' }).trim();
    process.stdout.write(`docker run ${IMAGE} --version: ${version}\n`);
    expect(version).toMatch(/^rtmanager \d+\.\d+\.\d+ \(commit [0-9a-f]+, node v24\.\d+\.\d+\)$/);
    expect(version).toContain(`node ${process.version})`);
  });

  it('becomes ready with the socket mounted, and Docker reports it healthy', async () => {
    const ready = await eventually(
      async () => {
        const res = await fetch(`${baseUrl}/readyz`);
        return res.status === 200 ? ((await res.json()) as { status: string }) : undefined;
      },
      { timeoutMs: 60_000, message: 'RTM in its container never became ready' },
    );
    expect(ready.status).toBe('ready');
    mark('/readyz 200');
    await eventually(async () => ((await docker.getContainer(rtmName).inspect()).State.Health?.Status === 'healthy' ? true : undefined), {
      timeoutMs: 60_000,
      message: 'HEALTHCHECK never reported healthy',
    });
    mark('HEALTHCHECK healthy');
  }, 120_000);

  it('says it runs Node 24: in its first log line and in GET /diagnostics', async () => {
    const logs = (await docker.getContainer(rtmName).logs({ stdout: true, stderr: false })).toString('utf8');
    const first = JSON.parse(logs.slice(logs.indexOf('{'), logs.indexOf('\n', logs.indexOf('{')))) as { msg: string; node_version: string };
    expect(first.msg).toBe('starting');
    expect(first.node_version).toMatch(/^v24\./);
    const diagnostics = await call('GET', '/diagnostics');
    expect(diagnostics.status).toBe(200);
    expect((diagnostics.json.rtm as { node_version: string }).node_version).toMatch(/^24\./);
    process.stdout.write(`first log line node_version ${first.node_version}; diagnostics rtm.node_version ${(diagnostics.json.rtm as { node_version: string }).node_version}\n`);
  }, 60_000);

  it('starts module by module with tracing on (the SDK and instrumentations load from the pruned node_modules)', async () => {
    const name = `${rtmName}-traced`;
    // Nothing listens there: the spans are lost, the start path is what is checked.
    const traced = await docker.createContainer(rtmContainer(name, ['RTMANAGER_OTLP_ENDPOINT=http://127.0.0.1:4318', 'RTMANAGER_LOG_LEVEL=info']));
    try {
      await traced.start();
      const lines = await eventually(
        async () => {
          const text = (await traced.logs({ stdout: true, stderr: true })).toString('utf8');
          return text.includes('internal listener open') ? text : undefined;
        },
        { timeoutMs: 60_000, message: 'the traced RTM never opened its listener' },
      );
      expect(lines).toContain('"start_path":"modules"');
      expect(lines).toContain('tracing enabled');
      expect(lines).not.toMatch(/"level":(50|60)/);
    } finally {
      await traced.remove({ force: true }).catch(() => undefined);
    }
  }, 90_000);

  it('starts an engine, probes it by DNS name (failed, then recovered), and stops it', async () => {
    const started = await call('POST', `/runtimes/${gameId}/start`, { image_ref: ENGINE_IMAGE });
    expect(started.status).toBe(200);
    const runtime = started.json.runtime as Record<string, unknown>;
    expect(runtime.status).toBe('running');
    expect(runtime.engine_endpoint).toBe(`http://galaxy-game-${gameId}:8080`);
    mark('start answered running');

    await engineControl('fail');
    const failed = await healthEvent('probe_failed');
    mark('probe_failed published');
    await engineControl('ok');
    await healthEvent('probe_recovered', failed.id);
    mark('probe_recovered published (the probe reached the engine by DNS name)');

    const stopped = await call('POST', `/runtimes/${gameId}/stop`, { reason: 'admin_request' });
    expect(stopped.status).toBe(200);
    expect((stopped.json.runtime as Record<string, unknown>).status).toBe('stopped');
    const cleaned = await call('DELETE', `/runtimes/${gameId}/container`);
    expect(cleaned.status).toBe(200);
    mark('stopped and cleaned up');
  }, 120_000);

  it('exits 0 on SIGTERM (docker stop) through tini', async () => {
    const rtm = docker.getContainer(rtmName);
    await rtm.stop({ t: 20 });
    const state = (await rtm.inspect()).State;
    expect(state.ExitCode).toBe(0);
    expect(state.OOMKilled).toBe(false);
    mark(`docker stop: exit ${state.ExitCode}`);
  }, 60_000);
});
