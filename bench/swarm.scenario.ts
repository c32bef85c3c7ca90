// The swarm rows (issue 20 item 6), on a single-node swarm of the bench's own (an extra
// dockerd in its own network namespace: scripts/swarm-nodes.sh), each next to its baseline in
// the same run: the swarm backend's start of one game and of a burst (create + start until the
// task runs) against a raw `POST /services/create` of the same spec + polling GET /tasks until
// running at the same interval; and crash detection (a killed task container -> the backend's
// `die`) against the manager's own view of the task (GET /tasks polled every 20 ms); restart of
// a running game (the backend's in-place replacement: one forced update) against a raw forced
// `POST /services/{id}/update` + wait for the new task, and stop (retire + scale to 0, the task
// kept) against a raw scale to 0 (which removes the task) + wait until nothing runs.
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import pino from 'pino';
import { createDockerClient } from '../src/adapters/docker/docker-client.factory.js';
import { dockerDial } from '../src/adapters/docker/docker-call.js';
import { serviceSpecOf } from '../src/adapters/docker/swarm/service-spec.mapper.js';
import { SwarmRuntime } from '../src/adapters/docker/swarm/swarm-runtime.adapter.js';
import type { SwarmService } from '../src/adapters/docker/swarm/swarm-task.mapper.js';
import { buildContainerSpec, type ContainerSpec } from '../src/domain/container-spec.js';
import { startSwarm, sweepOrphanSwarms } from '../test/support/swarm-cluster.js';
import type { BenchFlags } from './bench-flags.js';
import { ratioOf, side, type BenchRow } from './bench-report.js';
import type { BenchRun } from './bench-run.js';
import { FLEET_IMAGE } from './bench-servers.js';

const NETWORK = 'rtm-bench-swarm-net';
/** RTM's production task poll (src/app/infrastructure.ts), used by both sides of the start rows. */
const TASK_POLL_MS = 200;
const MANAGER_VIEW_POLL_MS = 20;
const LIMITS = { cpus: 0.25, memoryBytes: 64 * 1024 ** 2, pidsLimit: 64 };

interface Ctx {
  run: BenchRun;
  docker: Dockerode;
  runtime: SwarmRuntime;
  stateDir: string;
  networkId: string;
  nodeHost: string;
  seq: number;
}

const api = <T>(ctx: Ctx, method: 'GET' | 'POST' | 'DELETE', p: string, extra: { query?: Record<string, unknown>; body?: unknown } = {}) =>
  dockerDial<T>(ctx.docker, { path: p, method, ...extra, signal: AbortSignal.timeout(30_000), statusCodes: { 200: true, 201: true, 404: 'not found', 409: 'conflict', 500: 'server error' } });

function spec(ctx: Ctx): ContainerSpec {
  const gameId = `bench-sw-${ctx.run.runId}-${ctx.seq++}`;
  return buildContainerSpec({
    gameId,
    imageRef: FLEET_IMAGE,
    hostStatePath: ctx.stateDir,
    limits: LIMITS,
    defaults: {
      network: NETWORK, enginePort: 8080, limits: LIMITS, ceilings: { cpus: null, memoryBytes: null, pidsLimit: 4096 },
      hardening: { user: null, allowRoot: false, readOnlyRootfs: true }, logDriver: 'json-file', logOptions: {},
    },
  });
}

async function tasksOf(ctx: Ctx, service: string) {
  return api<Array<{ ID: string; DesiredState?: string; Status?: { State?: string } }>>(ctx, 'GET', '/tasks', { query: { filters: { service: [service] } } });
}

/** Raw baseline of an update: read the service, apply `change`, POST it at its version. */
async function rawUpdate(ctx: Ctx, service: string, change: (spec: SwarmService['Spec']) => SwarmService['Spec']): Promise<void> {
  const current = await api<SwarmService>(ctx, 'GET', `/services/${service}`);
  await api(ctx, 'POST', `/services/${service}/update`, { query: { version: current.Version.Index }, body: change(current.Spec) });
}

/** Raw baseline: the same spec, 1 replica, created in one call; GET /tasks until it runs. */
async function rawStart(ctx: Ctx, s: ContainerSpec): Promise<string> {
  const { ID } = await api<{ ID: string }>(ctx, 'POST', '/services/create', { body: serviceSpecOf(s, { networkId: ctx.networkId, stopGraceSeconds: 2, replicas: 1, expressible: new Set() }) });
  await ctx.run.until('raw task running', 60_000, TASK_POLL_MS, async () => ((await tasksOf(ctx, ID)).some((t) => t.Status?.State === 'running') ? true : null));
  return ID;
}

async function removeAll(ctx: Ctx, names: string[]): Promise<void> {
  for (const n of names) await ctx.runtime.removeContainer(n, { force: true });
}

async function startRows(ctx: Ctx, flags: BenchFlags): Promise<BenchRow[]> {
  const one = { rtm: [] as number[], raw: [] as number[] };
  const iterations = flags.quick ? 3 : Math.min(flags.iterations, 10);
  for (let i = 0; i < iterations; i++) {
    ctx.run.checkpoint();
    // Alternate which side goes first: neither always gets the warmer daemon.
    for (const which of i % 2 === 0 ? (['rtm', 'raw'] as const) : (['raw', 'rtm'] as const)) {
      const s = spec(ctx);
      const t0 = performance.now();
      if (which === 'rtm') await ctx.runtime.startContainer(await ctx.runtime.createContainer(s));
      else await rawStart(ctx, s);
      one[which].push(performance.now() - t0);
      await removeAll(ctx, [s.name]);
    }
  }
  const burstSize = flags.quick ? 4 : 8;
  const burst = { rtm: [] as number[], raw: [] as number[] };
  for (let round = 0; round < (flags.quick ? 1 : 2); round++) {
    for (const which of ['rtm', 'raw'] as const) {
      const specs = Array.from({ length: burstSize }, () => spec(ctx));
      const t0 = performance.now();
      await Promise.all(specs.map((s) => (which === 'rtm' ? ctx.runtime.createContainer(s).then((id) => ctx.runtime.startContainer(id)) : rawStart(ctx, s))));
      burst[which].push(performance.now() - t0);
      await removeAll(ctx, specs.map((s) => s.name));
    }
  }
  const rows: BenchRow[] = [];
  const oneRtm = side('swarm backend create+start', one.rtm);
  const oneRaw = side('raw service create + wait running', one.raw);
  const r1 = ratioOf(oneRtm, oneRaw, 'median');
  rows.push({ key: 'swarm_start_one', label: 'swarm: start one game (task running)', unit: 'ms', rtm: oneRtm, baseline: oneRaw, ratio: r1, compare: 'median', target: '<= 1.5x raw', holds: r1 !== null && r1 <= 1.5 });
  const bRtm = side(`swarm backend, ${burstSize} at once`, burst.rtm);
  const bRaw = side(`raw, ${burstSize} at once`, burst.raw);
  const r2 = ratioOf(bRtm, bRaw, 'median');
  rows.push({ key: 'swarm_start_burst', label: `swarm: burst of ${burstSize} starts, all running`, unit: 'ms', rtm: bRtm, baseline: bRaw, ratio: r2, compare: 'median', target: '<= 1.5x raw', holds: r2 !== null && r2 <= 1.5 });
  return rows;
}

/** restart (in place) and stop of a running game, each side on its own service, alternating order. */
async function restartStopRows(ctx: Ctx, flags: BenchFlags): Promise<BenchRow[]> {
  const restart = { rtm: [] as number[], raw: [] as number[] };
  const stop = { rtm: [] as number[], raw: [] as number[] };
  for (let i = 0; i < (flags.quick ? 3 : 6); i++) {
    ctx.run.checkpoint();
    for (const which of i % 2 === 0 ? (['rtm', 'raw'] as const) : (['raw', 'rtm'] as const)) {
      const s = spec(ctx);
      const containerId = await ctx.runtime.startContainer(await ctx.runtime.createContainer(s));
      let t0 = performance.now();
      if (which === 'rtm') {
        const replaced = await ctx.runtime.replaceContainer(containerId, s);
        const running = await ctx.runtime.startContainer(replaced);
        restart.rtm.push(performance.now() - t0);
        t0 = performance.now();
        await ctx.runtime.stopContainer(running); // the grace period is the spec's (2 s here)
        stop.rtm.push(performance.now() - t0);
      } else {
        const before = new Set((await tasksOf(ctx, s.name)).map((t) => t.ID));
        await rawUpdate(ctx, s.name, (spec) => ({ ...spec, TaskTemplate: { ...spec.TaskTemplate, ForceUpdate: (spec.TaskTemplate?.ForceUpdate ?? 0) + 1 } }));
        await ctx.run.until('raw new task running', 60_000, TASK_POLL_MS, async () => ((await tasksOf(ctx, s.name)).some((t) => !before.has(t.ID) && t.Status?.State === 'running') ? true : null));
        restart.raw.push(performance.now() - t0);
        t0 = performance.now();
        await rawUpdate(ctx, s.name, (spec) => ({ ...spec, Mode: { Replicated: { Replicas: 0 } } }));
        await ctx.run.until('raw tasks stopped', 60_000, TASK_POLL_MS, async () => ((await tasksOf(ctx, s.name)).every((t) => t.Status?.State !== 'running') ? true : null));
        stop.raw.push(performance.now() - t0);
      }
      await removeAll(ctx, [s.name]);
    }
  }
  const rRtm = side('swarm backend: replace in place (one forced update)', restart.rtm);
  const rRaw = side('raw forced service update + wait for the new task', restart.raw);
  const sRtm = side('swarm backend: retire + scale to 0 (task kept)', stop.rtm);
  const sRaw = side('raw scale to 0 (task removed) + wait', stop.raw);
  const r1 = ratioOf(rRtm, rRaw, 'median');
  const r2 = ratioOf(sRtm, sRaw, 'median');
  return [
    { key: 'swarm_restart', label: 'swarm: restart a running game', unit: 'ms', rtm: rRtm, baseline: rRaw, ratio: r1, compare: 'median', target: '<= 1.5x raw', holds: r1 !== null && r1 <= 1.5 },
    { key: 'swarm_stop', label: 'swarm: stop a running game', unit: 'ms', rtm: sRtm, baseline: sRaw, ratio: r2, compare: 'median', target: '<= 1.5x raw', holds: r2 !== null && r2 <= 1.5 },
  ];
}

async function crashRow(ctx: Ctx, flags: BenchFlags): Promise<BenchRow> {
  const detected: number[] = [];
  const managerView: number[] = [];
  for (let i = 0; i < (flags.quick ? 3 : 6); i++) {
    ctx.run.checkpoint();
    const s = spec(ctx);
    const serviceId = await ctx.runtime.createContainer(s);
    const containerId = await ctx.runtime.startContainer(serviceId);
    const feed = new AbortController();
    let dieAt: number | null = null;
    const watching = (async () => {
      for await (const e of ctx.runtime.events({ signal: feed.signal })) if (e.action === 'die' && e.containerId === containerId) dieAt ??= performance.now();
    })().catch(() => undefined);
    await ctx.run.sleep(2 * TASK_POLL_MS); // the feed's baseline poll has seen the running task
    const t0 = performance.now();
    execFileSync('docker', ['-H', ctx.nodeHost, 'kill', containerId], { stdio: 'ignore' });
    const seen = await ctx.run.until('manager sees the task failed', 30_000, MANAGER_VIEW_POLL_MS, async () =>
      (await tasksOf(ctx, serviceId)).some((t) => t.Status?.State === 'failed') ? performance.now() : null,
    );
    const died = await ctx.run.until<number>('backend die event', 30_000, 10, async () => dieAt);
    feed.abort();
    await watching;
    managerView.push(seen - t0);
    detected.push(died - t0);
    await removeAll(ctx, [s.name]);
  }
  const rtm = side('swarm backend die (poll 200 ms)', detected);
  const base = side("manager's view (GET /tasks every 20 ms)", managerView);
  return {
    key: 'swarm_crash_detection', label: 'swarm: kill a task container -> die', unit: 'ms', rtm, baseline: base,
    ratio: ratioOf(rtm, base, 'median'), compare: 'median', target: "<= manager's view + 1000", holds: rtm.summary.max <= base.summary.median + 1000,
  };
}

export async function swarmScenario(run: BenchRun, flags: BenchFlags): Promise<BenchRow[]> {
  sweepOrphanSwarms();
  const swarm = startSwarm({ nodes: 1, network: NETWORK, images: [FLEET_IMAGE] });
  run.defer('the bench swarm', async () => swarm.close());
  const stateDir = await mkdtemp(path.join(os.tmpdir(), 'rtm-bench-swarm-state-'));
  await chmod(stateDir, 0o777);
  run.defer('the swarm state dir', () => rm(stateDir, { recursive: true, force: true }));
  const docker = createDockerClient(swarm.managerHost);
  const runtime = new SwarmRuntime(docker, { apiTimeoutMs: 30_000, pullTimeoutMs: 60_000, startTimeoutMs: 60_000, stopGraceSeconds: 2, taskPollMs: TASK_POLL_MS, logger: pino({ level: 'silent' }) });
  const ctx: Ctx = { run, docker, runtime, stateDir, networkId: '', nodeHost: swarm.nodeHosts[0] as string, seq: 0 };
  ctx.networkId = (await api<{ Id: string }>(ctx, 'GET', `/networks/${NETWORK}`)).Id;
  return [...(await startRows(ctx, flags)), ...(await restartStopRows(ctx, flags)), await crashRow(ctx, flags)];
}
