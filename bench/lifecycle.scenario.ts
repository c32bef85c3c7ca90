// The lifecycle rows: RTM's start / stop / cleanup / replay against raw Docker doing the
// same container work, in the same run and interleaved (raw and RTM alternate which goes
// first), so drift of a shared machine hits both sides alike. Per-port breakdown of RTM's
// own time and the calls of one operation in order. docs/benchmark.md "Lifecycle rows".
import { containerCreateOptions } from '../src/adapters/docker/container-create.mapper.js';
import { buildContainerSpec } from '../src/domain/container-spec.js';
import type { OperationResult } from '../src/domain/operation-result.js';
import { createBenchHarness, BENCH_IMAGE, type BenchHarness } from './bench-harness.js';
import type { BenchFlags } from './bench-flags.js';
import { side, ratioOf, type BenchRow } from './bench-report.js';
import type { BenchRun } from './bench-run.js';
import { containerIp, waitForHealthz } from './engine-healthz.probe.js';
import { BREAKDOWN_COMPONENTS, OTHER_COMPONENT, RTM_OWN_COMPONENT, TOTAL_COMPONENT, breakdownOf } from './port-timings.js';
import { median, round1 } from './sample-statistics.js';

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

const now = () => performance.now();

async function rawCycle(run: BenchRun, h: BenchHarness, n: number, samples: Samples | null): Promise<void> {
  const gameId = h.gameId('raw', n);
  const defaults = h.settings.start.containerDefaults;
  // Raw Docker gets its state dir ready-made (untimed); RTM's ensure is part of its start.
  const statePath = await h.stateDirectories.ensure(gameId);
  const options = containerCreateOptions(
    buildContainerSpec({ gameId, imageRef: BENCH_IMAGE, hostStatePath: statePath, limits: h.imageLimits, defaults }),
  );
  run.checkpoint();
  const t0 = now();
  const container = await h.dockerode.createContainer(options);
  await container.start();
  const started = now() - t0;
  await waitForHealthz(await containerIp(h.dockerode, container.id, defaults.network), defaults.enginePort, HEALTHY_DEADLINE_MS);
  const healthy = now() - t0;
  run.checkpoint();
  let t = now();
  await container.inspect();
  const inspected = now() - t;
  run.checkpoint();
  t = now();
  await container.stop({ t: h.settings.stop.stopTimeoutSeconds });
  const stopped = now() - t;
  run.checkpoint();
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
  run: BenchRun,
  h: BenchHarness,
  n: number,
  samples: Samples | null,
  breakdowns: Record<BreakdownOp, Array<Record<string, number>>> | null,
  onSequence?: (op: BreakdownOp, calls: string[]) => void,
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
      if (breakdowns) {
        breakdowns[op].push(breakdownOf(window, ms));
        onSequence?.(op, timings.lastSequence);
      }
    }
    return { value, ms };
  };

  run.checkpoint();
  const t0 = now();
  const start = await timed('start', () => services.start.execute({ gameId, imageRef: BENCH_IMAGE, opSource: 'admin_rest' }));
  const started = start.ms;
  const containerId = expectResult('start', start.value, null).record?.currentContainerId;
  if (!containerId) throw new Error(`start of ${gameId} returned no container id`);
  await waitForHealthz(await containerIp(h.dockerode, containerId, defaults.network), defaults.enginePort, HEALTHY_DEADLINE_MS);
  const healthy = now() - t0;
  run.checkpoint();
  const replay = await timed('replay', () => services.start.execute({ gameId, imageRef: BENCH_IMAGE, opSource: 'admin_rest' }));
  expectResult('replay start', replay.value, 'replay_no_op');
  run.checkpoint();
  const replayRest = await timed('replayRest', () => restReplayStart(h, gameId));
  run.checkpoint();
  const stop = await timed('stop', () => services.stop.execute({ gameId, reason: 'admin_request', opSource: 'admin_rest' }));
  expectResult('stop', stop.value, null);
  run.checkpoint();
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

export interface LifecycleFindings {
  rows: BenchRow[];
  /** Median ms per breakdown component, per RTM operation. */
  breakdown: Record<BreakdownOp, Record<string, number>>;
  /** The port calls of one operation, in order (from the last counted iteration). */
  sequences: Record<BreakdownOp, string[]>;
  /** The store calls (one PostgreSQL round trip each) of one GET and one list page, in order. */
  reads: { get: string[]; list: string[]; listRows: number };
}

/** One GET of a record and one list page through the in-process REST listener, calls counted. */
async function countReads(h: BenchHarness, gameId: string): Promise<LifecycleFindings['reads']> {
  const calls = async (pathAndQuery: string) => {
    h.timings.open();
    const res = await fetch(`${h.restAddress}/api/v1/internal/runtimes${pathAndQuery}`);
    const body = (await res.json()) as { items?: unknown[] };
    h.timings.close();
    if (res.status !== 200) throw new Error(`GET ${pathAndQuery}: ${res.status}`);
    return { calls: h.timings.lastSequence, rows: body.items?.length ?? 1 };
  };
  const get = await calls(`/${gameId}`);
  const list = await calls('?limit=100');
  return { get: get.calls, list: list.calls, listRows: list.rows };
}

export async function lifecycleScenario(run: BenchRun, flags: BenchFlags): Promise<LifecycleFindings> {
  const harness = await createBenchHarness(run.log);
  run.defer('closing the lifecycle harness', () => harness.close());
  const raw = emptySamples();
  const rtm = emptySamples();
  const breakdowns = Object.fromEntries(BREAKDOWN_OPS.map((op) => [op, []])) as unknown as Record<BreakdownOp, Array<Record<string, number>>>;
  const sequences = Object.fromEntries(BREAKDOWN_OPS.map((op) => [op, []])) as unknown as Record<BreakdownOp, string[]>;
  run.log(`  lifecycle: ${flags.iterations} iterations + 1 warm-up, ${BENCH_IMAGE}`);
  // Iteration 0 is the warm-up (JIT, pools, daemon caches): measured the same way, not counted.
  for (let i = 0; i <= flags.iterations; i++) {
    const counted = i > 0;
    const runRaw = () => rawCycle(run, harness, i, counted ? raw : null);
    const runRtm = () => rtmCycle(run, harness, i, counted ? rtm : null, counted ? breakdowns : null, (op, calls) => {
      sequences[op] = calls;
    });
    if (i % 2 === 0) {
      await runRaw();
      await runRtm();
    } else {
      await runRtm();
      await runRaw();
    }
  }
  const reads = await countReads(harness, harness.gameId('rtm', flags.iterations));
  await harness.close();
  const rows: BenchRow[] = OPERATIONS.map(({ key, label, raw: rawBaseline }) => {
    const r = side(`raw: ${rawBaseline}`, raw[key]);
    const m = side('RTM', rtm[key]);
    return { key: `lifecycle_${key}`, label: `lifecycle: ${label}`, unit: 'ms', rtm: m, baseline: r, ratio: ratioOf(m, r, 'median'), compare: 'median', target: '-', holds: null };
  });
  const breakdown = {} as Record<BreakdownOp, Record<string, number>>;
  for (const op of BREAKDOWN_OPS)
    breakdown[op] = Object.fromEntries(BREAKDOWN_ROWS.map((c) => [c, round1(median(breakdowns[op].map((b) => b[c] ?? 0)))]));
  return { rows, breakdown, sequences, reads };
}

export const BREAKDOWN_TABLE = { ops: BREAKDOWN_OPS, rows: BREAKDOWN_ROWS };
