// `npm run test:swarm`: RTM's image on a three-node swarm (one manager, two workers; extra
// dockerds in their own network namespaces, never the machine's daemon), deployed as
// docs/swarm.md says: a container on the manager, attached to the overlay, the manager's socket
// mounted, the state root at the same path on every node. Games land on all three nodes, RTM
// reaches each by its DNS name across nodes, an engine killed on a worker is a container_exited,
// a worker whose dockerd stops gives node_down for its games, restart and patch work, and
// cleanup leaves no service. The figures (per-node count, detection times) are printed.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/app/project-root.js';
import { startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { startPrivateRedis, type PrivateRedis } from '../support/private-redis.js';
import { startSwarm, sweepOrphanSwarms, type SwarmCluster } from '../support/swarm-cluster.js';
import { ENGINE_IMAGE, ENGINE_IMAGE_PATCH, eventually, testGameId, testRedisPrefix } from '../support/test-env.js';
import { callInternal } from '../support/rtm-process.js';

const RTM_IMAGE = 'galaxy/rtmanager:dev';
const RTM_UID = 10002;
const NETWORK = 'rtm-swarm3-net';
const RTM_NAME = 'rtm-swarm';
const prefix = testRedisPrefix();
const games = Array.from({ length: 6 }, (_, i) => testGameId(`sw${i}`));
const figures: string[] = [];

let swarm: SwarmCluster;
let postgres: PrivatePostgres;
let redisServer: PrivateRedis;
let redis: Redis;
let stateRoot: string;
let baseUrl: string;
/** Node id -> node number (1 = manager). */
const nodeNumber = new Map<string, number>();
/** game -> its current container id, as RTM recorded it. */
const containerOf = new Map<string, string>();

async function deployRtm(): Promise<void> {
  [postgres, redisServer] = await Promise.all([startPrivatePostgres(), startPrivateRedis({ persistence: 'none', unixSocket: true })]);
  const database = new URL(await postgres.createDatabase('rtm_swarm')).pathname.slice(1);
  const postgresUrl = `postgres:///${database}?host=${encodeURIComponent(postgres.socketDir)}&port=${postgres.port}&user=postgres`;
  redis = new Redis(redisServer.socketPath as string, { lazyConnect: true, maxRetriesPerRequest: 2 });
  await redis.connect();
  // One filesystem at the same path on every node: here every node is this machine.
  stateRoot = mkdtempSync(path.join(os.tmpdir(), 'rtm-swarm-state-'));
  chownSync(stateRoot, RTM_UID, RTM_UID);
  const socket = swarm.managerHost.replace(/^unix:\/\//, '');
  const redisDir = path.dirname(redisServer.socketPath as string);
  const env = {
    RTMANAGER_ENGINE_BACKEND: 'swarm',
    RTMANAGER_SWARM_HARDENING_WAIVER: 'no_new_privileges,swap_limit,cgroupns',
    RTMANAGER_POSTGRES_URL: postgresUrl,
    RTMANAGER_REDIS_URL: `unix://${redisServer.socketPath}`,
    RTMANAGER_REDIS_KEY_PREFIX: prefix,
    RTMANAGER_DOCKER_NETWORK: NETWORK,
    RTMANAGER_GAME_STATE_ROOT: stateRoot,
    RTMANAGER_PROBE_TARGET: 'dns',
    RTMANAGER_PROBE_INTERVAL: '1',
    RTMANAGER_PROBE_TIMEOUT: '0.8',
    RTMANAGER_INSPECT_INTERVAL: '2',
    RTMANAGER_STOP_TIMEOUT: '5',
    RTMANAGER_SHUTDOWN_TIMEOUT: '15',
  };
  swarm.docker(1, [
    'run', '-d', '--pull', 'never', '--name', RTM_NAME, '--user', `${RTM_UID}:${RTM_UID}`, '--group-add', String(statSync(socket).gid),
    ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    '-v', `${socket}:/var/run/docker.sock`, '-v', `${stateRoot}:${stateRoot}`, '-v', `${postgres.socketDir}:${postgres.socketDir}`, '-v', `${redisDir}:${redisDir}`,
    '--network', NETWORK, '-p', '8090:8090', RTM_IMAGE,
  ]);
  baseUrl = `http://${swarm.nodeIps[0]}:8090`;
}

beforeAll(async () => {
  sweepOrphanSwarms();
  execFileSync('bash', ['scripts/build-rtm-image.sh', '--quiet'], { cwd: projectRoot(), stdio: ['ignore', 'inherit', 'inherit'] });
  swarm = startSwarm({ nodes: 3, network: NETWORK, images: [ENGINE_IMAGE, ENGINE_IMAGE_PATCH, RTM_IMAGE] });
  for (let i = 1; i <= 3; i++) nodeNumber.set(swarm.docker(i, ['info', '-f', '{{.Swarm.NodeID}}']).trim(), i);
  await deployRtm();
  await eventually(async () => ((await fetch(`${baseUrl}/readyz`).catch(() => null))?.status === 200 ? true : undefined), {
    timeoutMs: 60_000,
    message: 'RTM on the manager never became ready',
  });
}, 600_000);

afterAll(async () => {
  if (swarm) {
    const logs = (() => {
      try {
        return swarm.docker(1, ['logs', '--tail', '30', RTM_NAME]);
      } catch {
        return '';
      }
    })();
    if (process.env.RTM_TEST_SHOW_IMAGE_LOGS) process.stdout.write(logs);
    swarm.close();
  }
  redis?.disconnect();
  await Promise.all([postgres?.dispose(), redisServer?.dispose()]);
  if (stateRoot) rmSync(stateRoot, { recursive: true, force: true });
  process.stdout.write(`swarm figures:\n  ${figures.join('\n  ')}\n`);
}, 120_000);

const call = (method: string, route: string, body?: unknown) => callInternal(baseUrl, method, route, body);

interface HealthEntry {
  at: number;
  fields: Record<string, string>;
}

async function healthEvent(gameId: string, type: string, sinceMs: number, timeoutMs = 30_000, match: (details: Record<string, unknown>) => boolean = () => true): Promise<HealthEntry> {
  return eventually(
    async () => {
      for (const [id, flat] of await redis.xrange(`${prefix}runtime:health_events`, `${sinceMs}`, '+')) {
        const fields: Record<string, string> = {};
        for (let i = 0; i < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
        if (fields.game_id === gameId && fields.event_type === type && match(JSON.parse(fields.details ?? '{}') as Record<string, unknown>))
          return { at: Number(id.split('-')[0]), fields };
      }
      return undefined;
    },
    { timeoutMs, message: `${type} of ${gameId} not published` },
  );
}

/** game -> the node (1-based) its task was placed on at start. */
const placed = new Map<string, number>();

/** The node (1-based) running a game's newest task, as the manager sees it. */
function nodeOf(gameId: string): number {
  const taskId = swarm.docker(1, ['service', 'ps', '-q', '--no-trunc', `galaxy-game-${gameId}`]).trim().split('\n')[0] ?? '';
  if (taskId === '') return 0;
  return nodeNumber.get(swarm.docker(1, ['inspect', '--type', 'task', '-f', '{{.NodeID}}', taskId]).trim()) ?? 0;
}

function gamesOn(node: number): string[] {
  return games.filter((g) => placed.get(g) === node);
}

describe('RTM on a three-node swarm', () => {
  it('starts games on all three nodes and reaches each by its DNS name across nodes', async () => {
    for (const gameId of games) {
      const started = await call('POST', `/runtimes/${gameId}/start`, { image_ref: ENGINE_IMAGE });
      expect(started.status, JSON.stringify(started.json)).toBe(200);
      const runtime = started.json.runtime as Record<string, unknown>;
      expect(runtime).toMatchObject({ status: 'running', engine_endpoint: `http://galaxy-game-${gameId}:8080` });
      containerOf.set(gameId, runtime.current_container_id as string);
      placed.set(gameId, nodeOf(gameId));
    }
    const perNode = [1, 2, 3].map((n) => gamesOn(n).length);
    figures.push(`games per node (manager, worker 2, worker 3): ${perNode.join(' / ')}`);
    for (const count of perNode) expect(count).toBeGreaterThanOrEqual(1);
    // From RTM's own container: overlay DNS (dnsrr) to the task on whichever node it runs.
    for (const gameId of games) {
      const script = `fetch('http://galaxy-game-${gameId}:8080/healthz').then((r) => console.log(r.status), () => console.log(0))`;
      const status = await eventually(async () => {
        const out = swarm.docker(1, ['exec', RTM_NAME, '/usr/bin/node', '-e', script]).trim();
        return out === '200' ? out : undefined;
      }, { message: `galaxy-game-${gameId} never answered over the overlay` });
      expect(status).toBe('200');
    }
  }, 300_000);

  it('an engine killed on a worker is a container_exited with its exit code', async () => {
    const gameId = gamesOn(2)[0] as string;
    const killedAt = Date.now();
    swarm.docker(2, ['kill', containerOf.get(gameId) as string]);
    const managerSaw = await eventually(async () => {
      const state = swarm.docker(1, ['service', 'ps', '--format', '{{.CurrentState}}', `galaxy-game-${gameId}`]).trim().split('\n')[0] ?? '';
      return /^Failed/.test(state) ? Date.now() : undefined;
    }, { intervalMs: 50 });
    const exited = await healthEvent(gameId, 'container_exited', killedAt);
    expect(JSON.parse(exited.fields.details as string)).toMatchObject({ exit_code: 137 });
    figures.push(`crash detection: kill on worker 2 -> container_exited ${exited.at - killedAt} ms; manager's view (CLI poll, 50 ms) ${managerSaw - killedAt} ms`);
  }, 60_000);

  it('a worker whose dockerd stops gives node_down for each of its games, then rejoins', async () => {
    const onThree = gamesOn(3);
    expect(onThree.length).toBeGreaterThanOrEqual(1);
    const stoppedAt = Date.now();
    swarm.stopNode(3);
    try {
      for (const gameId of onThree) {
        const down = await healthEvent(gameId, 'inspect_unhealthy', stoppedAt, 60_000, (d) => d.reason === 'node_down');
        figures.push(`node_down of ${gameId}: ${down.at - stoppedAt} ms after worker 3's dockerd stopped`);
      }
      // What the operator does next: restart the game, which lands on a node that is up.
      const moved = onThree[0] as string;
      const restartedAt = Date.now();
      const restarted = await call('POST', `/runtimes/${moved}/restart`);
      expect(restarted.status, JSON.stringify(restarted.json)).toBe(200);
      expect(nodeOf(moved)).not.toBe(3);
      figures.push(`restart of ${moved} while its node is down: ${Date.now() - restartedAt} ms, now on node ${nodeOf(moved)}`);
      // A stop does not wait for the down node: Swarm stops the task when the node rejoins.
      const parked = onThree[1];
      if (parked !== undefined) {
        const stopped = await call('POST', `/runtimes/${parked}/stop`, { reason: 'admin_request' });
        expect(stopped.status, JSON.stringify(stopped.json)).toBe(200);
        expect(stopped.json.runtime).toMatchObject({ status: 'stopped' });
      }
    } finally {
      swarm.startNode(3);
    }
    await eventually(() => (/Ready/.test(swarm.docker(1, ['node', 'ls', '--format', '{{.Status}}']).split('\n').filter(Boolean).join(' ')) &&
      !/Down/.test(swarm.docker(1, ['node', 'ls', '--format', '{{.Status}}'])) ? true : undefined), { timeoutMs: 60_000, message: 'worker 3 never rejoined' });
  }, 180_000);

  it('restart and patch a running game (the service is kept)', async () => {
    // Not one whose engine was killed (worker 2's first) or whose node went down (worker 3).
    const gameId = gamesOn(1)[0] ?? (gamesOn(2)[1] as string);
    const serviceId = () => swarm.docker(1, ['service', 'inspect', '-f', '{{.ID}}', `galaxy-game-${gameId}`]).trim();
    const service = serviceId();
    const forceUpdate = () => Number(swarm.docker(1, ['service', 'inspect', '-f', '{{.Spec.TaskTemplate.ForceUpdate}}', `galaxy-game-${gameId}`]).trim());
    // Each is ONE forced update of the service (restart: same spec; patch: the new image).
    let forced = forceUpdate();
    const restarted = await call('POST', `/runtimes/${gameId}/restart`);
    expect(restarted.status, JSON.stringify(restarted.json)).toBe(200);
    expect((restarted.json.runtime as Record<string, unknown>).current_container_id).not.toBe(containerOf.get(gameId));
    expect(forceUpdate()).toBe(forced + 1);
    forced = forceUpdate();
    const patched = await call('POST', `/runtimes/${gameId}/patch`, { image_ref: ENGINE_IMAGE_PATCH });
    expect(patched.status, JSON.stringify(patched.json)).toBe(200);
    expect(patched.json.runtime).toMatchObject({ status: 'running', current_image_ref: ENGINE_IMAGE_PATCH });
    expect(forceUpdate()).toBe(forced + 1);
    expect(serviceId()).toBe(service);
  }, 120_000);

  it('stop keeps the task container and its logs (a game on a worker); cleanup of every game leaves no service behind', async () => {
    let logsChecked = 0;
    for (const gameId of games) {
      const current = await call('GET', `/runtimes/${gameId}`);
      if ((current.json as { status?: string }).status !== 'running') {
        expect((await call('DELETE', `/runtimes/${gameId}/container`)).status).toBe(200);
        continue;
      }
      const node = nodeOf(gameId);
      const stopped = await call('POST', `/runtimes/${gameId}/stop`, { reason: 'admin_request' });
      expect(stopped.status).toBe(200);
      expect(stopped.json.runtime).toMatchObject({ status: 'stopped', current_container_id: current.json.current_container_id });
      if (logsChecked < 2 && node >= 2) {
        // The stopped task ran on a worker: its output comes through the manager, still there.
        const res = await fetch(`${baseUrl}/api/v1/internal/runtimes/${gameId}/logs?tail=50`, { headers: { 'x-galaxy-caller': 'admin_service' } });
        const body = await res.text();
        expect(res.status, body).toBe(200);
        const lines = body.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { line: string }).line);
        expect(lines.length).toBeGreaterThan(0);
        // Worker 2 ran its task until this stop (worker 3's dockerd was restarted earlier).
        if (node === 2) expect(lines.join('\n')).toContain('shutting down');
        figures.push(`logs of stopped ${gameId} (task on worker ${node}): ${lines.length} lines after stop`);
        logsChecked++;
      }
      expect((await call('DELETE', `/runtimes/${gameId}/container`)).status).toBe(200);
    }
    expect(logsChecked).toBeGreaterThan(0);
    expect(swarm.docker(1, ['service', 'ls', '-q']).trim()).toBe('');
  }, 180_000);
});
