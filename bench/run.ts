// npm run bench [-- --iterations N] [-- --json]
//
// RTM's lifecycle operations against raw Docker doing the same container work, measured
// in the same run and interleaved (raw and RTM alternate which goes first), so drift of a
// shared machine hits both sides alike. Reports median / p90 / min per operation and the
// ratio RTM/raw of the medians; never asserts a time. What it measures and how to read
// it: docs/benchmark.md.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { containerCreateOptions } from '../src/adapters/docker/container-create.mapper.js';
import { projectRoot } from '../src/app/project-root.js';
import { buildContainerSpec } from '../src/domain/container-spec.js';
import type { OperationResult } from '../src/domain/operation-result.js';
import { createBenchHarness, BENCH_IMAGE, type BenchHarness } from './bench-harness.js';
import { containerIp, waitForHealthz } from './engine-healthz.probe.js';
import { BREAKDOWN_COMPONENTS, OTHER_COMPONENT, RTM_OWN_COMPONENT, TOTAL_COMPONENT, breakdownOf } from './port-timings.js';
import { median, summarize, type SampleSummary } from './sample-statistics.js';

const HEALTHY_DEADLINE_MS = 20_000;

/** The rows of the report: an RTM operation and the raw Docker work it is compared with. */
const OPERATIONS = [
  { key: 'start', label: 'start', raw: 'create+start' },
  { key: 'healthy', label: 'time to healthy', raw: 'create+start, /healthz 200' },
  { key: 'stop', label: 'stop', raw: 'stop (t=10)' },
  { key: 'cleanup', label: 'cleanup', raw: 'remove' },
  { key: 'cycle', label: 'start+stop+cleanup', raw: 'create..remove' },
  { key: 'replay', label: 'replay start (no-op)', raw: 'container inspect' },
  { key: 'replayRest', label: 'replay start via REST', raw: 'container inspect' },
] as const;
type OperationKey = (typeof OPERATIONS)[number]['key'];
/** RTM operations with a per-port breakdown (the window is one service call / one request). */
const BREAKDOWN_OPS = ['start', 'replay', 'replayRest', 'stop', 'cleanup'] as const;
type BreakdownOp = (typeof BREAKDOWN_OPS)[number];
const BREAKDOWN_ROWS = [...BREAKDOWN_COMPONENTS.map((c) => c.name), OTHER_COMPONENT, RTM_OWN_COMPONENT, TOTAL_COMPONENT];

type Samples = Record<OperationKey, number[]>;
const emptySamples = (): Samples => ({ start: [], healthy: [], stop: [], cleanup: [], cycle: [], replay: [], replayRest: [] });

class Interrupted extends Error {}

/** A repeat within this window is the same Ctrl-C delivered twice (to the group, then relayed by tsx). */
const DUPLICATE_SIGNAL_MS = 2_000;
let signalled: NodeJS.Signals | null = null;
let signalledAt = 0;
function onSignal(signal: NodeJS.Signals): void {
  if (signalled !== null) {
    if (Date.now() - signalledAt < DUPLICATE_SIGNAL_MS) return;
    process.stderr.write(`bench: ${signal} again: exiting before cleanup finished (bench-* containers, rtm_bench_* database may remain)\n`);
    process.exit(130);
  }
  signalled = signal;
  signalledAt = Date.now();
  process.stderr.write(`bench: ${signal}: stopping after the current step and cleaning up\n`);
}
function checkpoint(): void {
  if (signalled !== null) throw new Interrupted(`interrupted by ${signalled}`);
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const now = () => performance.now();

async function rawCycle(h: BenchHarness, n: number, samples: Samples | null): Promise<void> {
  const gameId = h.gameId('raw', n);
  const defaults = h.settings.start.containerDefaults;
  // Raw Docker gets its state dir ready-made (untimed); RTM's ensure is part of its start.
  const statePath = await h.stateDirectories.ensure(gameId);
  const options = containerCreateOptions(
    buildContainerSpec({ gameId, imageRef: BENCH_IMAGE, hostStatePath: statePath, limits: h.imageLimits, defaults }),
  );
  checkpoint();
  const t0 = now();
  const container = await h.dockerode.createContainer(options);
  await container.start();
  const started = now() - t0;
  await waitForHealthz(await containerIp(h.dockerode, container.id, defaults.network), defaults.enginePort, HEALTHY_DEADLINE_MS);
  const healthy = now() - t0;
  checkpoint();
  let t = now();
  await container.inspect();
  const inspected = now() - t;
  checkpoint();
  t = now();
  await container.stop({ t: h.settings.stop.stopTimeoutSeconds });
  const stopped = now() - t;
  checkpoint();
  // As RTM's cleanup removes: not forced, anonymous volumes with it.
  t = now();
  await container.remove({ force: false, v: true });
  const removed = now() - t;
  if (samples) {
    samples.start.push(started);
    samples.healthy.push(healthy);
    samples.stop.push(stopped);
    samples.cleanup.push(removed);
    samples.cycle.push(started + stopped + removed);
    samples.replay.push(inspected);
    samples.replayRest.push(inspected);
  }
}

async function rtmCycle(
  h: BenchHarness,
  n: number,
  samples: Samples | null,
  breakdowns: Record<BreakdownOp, Array<Record<string, number>>> | null,
): Promise<void> {
  const gameId = h.gameId('rtm', n);
  const { services, timings } = h;
  const defaults = h.settings.start.containerDefaults;
  const timed = async <T>(op: BreakdownOp, work: () => Promise<T>): Promise<{ value: T; ms: number }> => {
    timings.open();
    const t0 = now();
    let ms = 0;
    let value: T;
    try {
      value = await work();
    } finally {
      ms = now() - t0;
      const window = timings.close();
      if (breakdowns) breakdowns[op].push(breakdownOf(window, ms));
    }
    return { value, ms };
  };

  checkpoint();
  const t0 = now();
  const start = await timed('start', () => services.start.execute({ gameId, imageRef: BENCH_IMAGE, opSource: 'admin_rest' }));
  const started = start.ms;
  const containerId = expectResult('start', start.value, null).record?.currentContainerId;
  if (!containerId) throw new Error(`start of ${gameId} returned no container id`);
  await waitForHealthz(await containerIp(h.dockerode, containerId, defaults.network), defaults.enginePort, HEALTHY_DEADLINE_MS);
  const healthy = now() - t0;
  checkpoint();
  const replay = await timed('replay', () => services.start.execute({ gameId, imageRef: BENCH_IMAGE, opSource: 'admin_rest' }));
  expectResult('replay start', replay.value, 'replay_no_op');
  checkpoint();
  const replayRest = await timed('replayRest', () => restReplayStart(h, gameId));
  checkpoint();
  const stop = await timed('stop', () => services.stop.execute({ gameId, reason: 'admin_request', opSource: 'admin_rest' }));
  expectResult('stop', stop.value, null);
  checkpoint();
  const cleanup = await timed('cleanup', () => services.cleanup.execute({ gameId, opSource: 'admin_rest' }));
  expectResult('cleanup', cleanup.value, null);
  if (samples) {
    samples.start.push(started);
    samples.healthy.push(healthy);
    samples.stop.push(stop.ms);
    samples.cleanup.push(cleanup.ms);
    samples.cycle.push(started + stop.ms + cleanup.ms);
    samples.replay.push(replay.ms);
    samples.replayRest.push(replayRest.ms);
  }
}

function expectResult(what: string, result: OperationResult, errorCode: string | null): OperationResult {
  if (result.outcome !== 'success' || result.errorCode !== errorCode)
    throw new Error(`${what}: expected success${errorCode ? ` (${errorCode})` : ''}, got ${result.outcome} ${result.errorCode ?? ''}: ${result.errorMessage ?? ''}`);
  return result;
}

async function restReplayStart(h: BenchHarness, gameId: string): Promise<void> {
  const res = await fetch(`${h.restAddress}/api/v1/internal/runtimes/${gameId}/start`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-galaxy-caller': 'game_master' },
    body: JSON.stringify({ image_ref: BENCH_IMAGE }),
  });
  const body = (await res.json()) as { error_code?: unknown };
  if (res.status !== 200 || body.error_code !== 'replay_no_op')
    throw new Error(`REST replay start: expected 200 replay_no_op, got ${res.status} ${JSON.stringify(body)}`);
}

interface OperationReport {
  key: OperationKey;
  label: string;
  rawBaseline: string;
  raw: SampleSummary;
  rtm: SampleSummary;
  /** RTM median / raw median. */
  ratio: number;
  /** RTM median - raw median, ms. */
  overheadMs: number;
  samples: { raw: number[]; rtm: number[] };
}

function report(raw: Samples, rtm: Samples): OperationReport[] {
  return OPERATIONS.map(({ key, label, raw: rawBaseline }) => {
    const r = roundSummary(summarize(raw[key]));
    const m = roundSummary(summarize(rtm[key]));
    return {
      key,
      label,
      rawBaseline,
      raw: r,
      rtm: m,
      ratio: Math.round((m.median / r.median) * 100) / 100,
      overheadMs: round1(m.median - r.median),
      samples: { raw: raw[key].map(round1), rtm: rtm[key].map(round1) },
    };
  });
}

function breakdownReport(breakdowns: Record<BreakdownOp, Array<Record<string, number>>>): Record<BreakdownOp, Record<string, number>> {
  const out = {} as Record<BreakdownOp, Record<string, number>>;
  for (const op of BREAKDOWN_OPS) {
    out[op] = Object.fromEntries(BREAKDOWN_ROWS.map((c) => [c, round1(median(breakdowns[op].map((b) => b[c] ?? 0)))]));
  }
  return out;
}

const round1 = (x: number) => Math.round(x * 10) / 10;
const roundSummary = (s: SampleSummary): SampleSummary => ({ n: s.n, median: round1(s.median), p90: round1(s.p90), min: round1(s.min), max: round1(s.max) });
const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');

function renderTable(ops: OperationReport[]): string {
  const head = ['operation', 'raw Docker baseline', 'raw med', 'p90', 'min', 'RTM med', 'p90', 'min', 'RTM/raw', '+ms'];
  const rows = ops.map((o) => [
    o.label,
    o.rawBaseline,
    fmt(o.raw.median),
    fmt(o.raw.p90),
    fmt(o.raw.min),
    fmt(o.rtm.median),
    fmt(o.rtm.p90),
    fmt(o.rtm.min),
    `${o.ratio.toFixed(2)}x`,
    fmt(o.overheadMs),
  ]);
  return renderRows(head, rows, 2);
}

function renderBreakdown(b: Record<BreakdownOp, Record<string, number>>): string {
  const head = ['median ms per call', 'start', 'replay', 'replay REST', 'stop', 'cleanup'];
  const rows = BREAKDOWN_ROWS.map((c) => [c, ...BREAKDOWN_OPS.map((op) => fmt(b[op][c] ?? 0))]);
  return renderRows(head, rows, 1);
}

/** Left-aligned text for the first `textColumns` columns, right-aligned numbers after. */
function renderRows(head: string[], rows: string[][], textColumns: number): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < textColumns ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: projectRoot(), encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

async function main(): Promise<number> {
  let values: { iterations: string; json: boolean };
  try {
    ({ values } = parseArgs({
      options: { iterations: { type: 'string', default: '15' }, json: { type: 'boolean', default: false } },
      strict: true,
    }));
  } catch (err) {
    log(`bench: ${err instanceof Error ? err.message : String(err)} (usage: npm run bench -- [--iterations N] [--json])`);
    return 2;
  }
  const iterations = Number(values.iterations);
  if (!Number.isInteger(iterations) || iterations < 1) {
    log(`bench: --iterations must be a positive integer, got ${values.iterations}`);
    return 2;
  }
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const wall = now();
  const harness = await createBenchHarness(log);
  const raw = emptySamples();
  const rtm = emptySamples();
  const breakdowns = Object.fromEntries(BREAKDOWN_OPS.map((op) => [op, []])) as unknown as Record<BreakdownOp, Array<Record<string, number>>>;
  let dockerVersion = 'unknown';
  try {
    dockerVersion = (await harness.dockerode.version()).Version;
    log(`bench ${harness.runId}: ${iterations} iterations + 1 warm-up, ${BENCH_IMAGE} on ${harness.config.docker.network}`);
    // Iteration 0 is the warm-up (JIT, pools, daemon caches): measured the same way, not counted.
    for (let i = 0; i <= iterations; i++) {
      const counted = i > 0;
      const rawFirst = i % 2 === 0;
      const runRaw = () => rawCycle(harness, i, counted ? raw : null);
      const runRtm = () => rtmCycle(harness, i, counted ? rtm : null, counted ? breakdowns : null);
      if (rawFirst) {
        await runRaw();
        await runRtm();
      } else {
        await runRtm();
        await runRaw();
      }
      const last = (xs: number[]) => fmt(xs[xs.length - 1] ?? NaN);
      log(
        counted
          ? `  ${String(i).padStart(3)}/${iterations}  start raw ${last(raw.start)} rtm ${last(rtm.start)}  healthy raw ${last(raw.healthy)} rtm ${last(rtm.healthy)}`
          : '  warm-up done',
      );
    }
  } catch (err) {
    await harness.close();
    if (err instanceof Interrupted) {
      log(`bench: ${err.message}; cleaned up`);
      return 130;
    }
    throw err;
  }
  await harness.close();

  const operations = report(raw, rtm);
  const breakdown = breakdownReport(breakdowns);
  const wallSeconds = (now() - wall) / 1000;
  const meta = {
    started_at: startedAt.toISOString(),
    wall_seconds: round1(wallSeconds),
    iterations,
    image: BENCH_IMAGE,
    network: harness.config.docker.network,
    stop_timeout_s: harness.settings.stop.stopTimeoutSeconds,
    node: process.version,
    docker: dockerVersion,
    cpus: os.cpus().length,
    load_average_before: loadBefore.map(round1),
    load_average_after: os.loadavg().map(round1),
    commit: gitCommit(),
  };

  if (values.json) {
    const result = { meta, operations, breakdown };
    const dir = path.join(projectRoot(), 'bench', 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } else {
    const out = [
      `RTM vs raw Docker: ${iterations} iterations (+1 warm-up), ${BENCH_IMAGE}, ${meta.cpus} CPUs, ` +
        `load ${meta.load_average_before[0]} -> ${meta.load_average_after[0]}, ${fmt(wallSeconds)} s, ms`,
      '',
      renderTable(operations),
      '',
      'Where RTM spends its time (median ms per operation; docker rows are RTM\'s own calls)',
      '',
      renderBreakdown(breakdown),
      '',
    ];
    process.stdout.write(out.join('\n'));
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
