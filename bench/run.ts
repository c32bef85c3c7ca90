// npm run bench [-- --quick] [-- --json] [-- --only rest,fleet] [-- --concurrency-sweep] ...
//
// Every row of issue 12 and the lifecycle rows, each next to its own baseline measured in
// the same run: RTM's lifecycle vs raw Docker, RTM's REST reads vs a minimal fastify + pg
// server, RTM's start burst vs raw dockerode with the same create body, RTM's crash
// detection vs Docker's own `die` event; plus footprint, probe detection and cold start.
// Reports median / p90 / p99 / ratio per row and the target verdict; never asserts a time.
// Writes bench/results/latest.json. What it measures and how to read it: docs/benchmark.md.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { projectRoot } from '../src/app/project-root.js';
import { BenchFlagsError, USAGE, parseBenchFlags, type BenchFlags } from './bench-flags.js';
import { machineFacts, renderBenchTable, renderRows, type BenchRow } from './bench-report.js';
import { BenchRun, Interrupted } from './bench-run.js';
import { preflight } from '../test/support/bootstrap-preflight.js';
import { BENCH_IMAGE } from './bench-harness.js';
import { DOCKER_HOST, DOCKER_NETWORK, FLEET_IMAGE, POSTGRES_URL, REDIS_URL, benchDocker } from './bench-servers.js';
import { sweepScenario } from './burst-sweep.scenario.js';
import { failoverScenario } from './failover.scenario.js';
import { fleetScenario } from './fleet.scenario.js';
import { BREAKDOWN_TABLE, lifecycleScenario, type LifecycleFindings } from './lifecycle.scenario.js';
import { restScenario } from './rest.scenario.js';
import { swarmScenario } from './swarm.scenario.js';
import { statsScenario } from './stats.scenario.js';
import { checkCompareBuild, ensureDist } from './rtm-under-test.js';
import { round1 } from './sample-statistics.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function versions() {
  const docker = await benchDocker().version().catch(() => null);
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  const postgres = (await client.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? 'unknown';
  await client.end();
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  const info = await redis.info('server');
  redis.disconnect();
  return { docker: docker?.Version ?? 'unknown', dockerApi: docker?.ApiVersion ?? 'unknown', postgres, redis: /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown' };
}

function renderBreakdown(l: LifecycleFindings): string {
  const head = ['median ms per call', 'start', 'replay', 'replay REST', 'stop', 'cleanup'];
  const rows = BREAKDOWN_TABLE.rows.map((c) => [c, ...BREAKDOWN_TABLE.ops.map((op) => (l.breakdown[op][c] ?? 0).toFixed(1))]);
  return renderRows(head, rows, 1);
}

async function runScenarios(run: BenchRun, flags: BenchFlags, logDir: string) {
  const rows: BenchRow[] = [];
  let lifecycle: LifecycleFindings | null = null;
  if (flags.only.some((s) => s !== 'lifecycle')) await ensureDist(log);
  if (flags.compare) checkCompareBuild(flags.compare);
  for (const scenario of flags.only) {
    const t0 = performance.now();
    log(`bench ${run.runId}: ${scenario}`);
    if (scenario === 'lifecycle') {
      lifecycle = await lifecycleScenario(run, flags);
      rows.push(...lifecycle.rows);
    } else if (scenario === 'rest') {
      rows.push(...(await restScenario(run, flags, logDir)));
    } else if (scenario === 'fleet') rows.push(...(await fleetScenario(run, flags, logDir)));
    else if (scenario === 'failover') rows.push(...(await failoverScenario(run, flags, logDir)));
    else if (scenario === 'swarm') rows.push(...(await swarmScenario(run, flags)));
    else if (scenario === 'stats') rows.push(...(await statsScenario(run, flags, logDir)));
    else rows.push(...(await sweepScenario(run, flags, logDir)));
    log(`bench ${run.runId}: ${scenario} done in ${round1((performance.now() - t0) / 1000)} s`);
  }
  return { rows, lifecycle };
}

async function main(): Promise<number> {
  let flags: BenchFlags;
  try {
    flags = parseBenchFlags(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof BenchFlagsError)) throw err;
    log(`bench: ${err.message}\n${USAGE}`);
    return 2;
  }
  // Seconds, not a scenario's 120 s readiness wait, when the machine was never bootstrapped.
  const targets = { dockerHost: DOCKER_HOST, network: DOCKER_NETWORK, images: [BENCH_IMAGE, FLEET_IMAGE], postgresUrl: POSTGRES_URL, redisUrl: REDIS_URL };
  if (!(await preflight('npm run bench', targets, log))) return 1;
  const run = new BenchRun(log);
  process.on('SIGINT', (s) => run.onSignal(s));
  process.on('SIGTERM', (s) => run.onSignal(s));
  const resultsDir = path.join(projectRoot(), 'bench', 'results');
  await mkdir(resultsDir, { recursive: true });
  const logDir = flags.cpuProf ? path.join(resultsDir, `run-${run.runId}`) : await mkdtemp(path.join(os.tmpdir(), `rtm-bench-${run.runId}-`));
  await mkdir(logDir, { recursive: true });

  const startedAt = new Date();
  const loadBefore = os.loadavg();
  const wall = performance.now();
  let outcome: Awaited<ReturnType<typeof runScenarios>>;
  try {
    outcome = await runScenarios(run, flags, logDir);
  } catch (err) {
    await run.cleanup();
    if (err instanceof Interrupted || run.signal.aborted) {
      log('bench: interrupted; cleaned up');
      return 130;
    }
    log(`bench: failed; cleaned up; process logs kept in ${logDir}`);
    throw err;
  }
  await run.cleanup();
  if (!flags.cpuProf) await rm(logDir, { recursive: true, force: true });

  const wallSeconds = round1((performance.now() - wall) / 1000);
  const meta = {
    started_at: startedAt.toISOString(),
    wall_seconds: wallSeconds,
    mode: flags.quick ? 'quick' : 'full',
    scenarios: flags.only,
    engines: flags.engines,
    iterations: flags.iterations,
    compare: flags.compare,
    machine: machineFacts(await versions()),
    load_average_before: loadBefore.map(round1),
    load_average_after: os.loadavg().map(round1),
    ...(flags.cpuProf ? { profiles: logDir } : {}),
  };
  const result = {
    meta,
    rows: outcome.rows,
    lifecycle_breakdown: outcome.lifecycle?.breakdown ?? null,
    fixed_costs: {
      start_calls_in_order: outcome.lifecycle?.sequences.start ?? null,
      replay_rest_calls_in_order: outcome.lifecycle?.sequences.replayRest ?? null,
      get_calls_in_order: outcome.lifecycle?.reads.get ?? null,
      list_page_calls_in_order: outcome.lifecycle?.reads.list ?? null,
      list_page_rows: outcome.lifecycle?.reads.listRows ?? null,
    },
  };
  await writeFile(path.join(resultsDir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  }
  const m = meta.machine;
  const out = [
    `RTM bench (${meta.mode}): ${m.cpus} CPUs, ${m.memory_gb} GB, ${m.kernel}, node ${m.node}, docker ${m.docker} (API ${m.docker_api}), ` +
      `PostgreSQL ${m.postgres}, Redis ${m.redis}; load ${meta.load_average_before[0]} -> ${meta.load_average_after[0]}, ${wallSeconds} s`,
    '',
    renderBenchTable(outcome.rows),
    ...outcome.rows.filter((r) => r.note).map((r) => `  ${r.label}: ${r.note}`),
    '',
  ];
  if (outcome.lifecycle) {
    out.push("Where RTM's lifecycle operations spend their time (median ms; docker rows are RTM's own calls)", '', renderBreakdown(outcome.lifecycle), '');
    const { sequences, reads } = outcome.lifecycle;
    out.push(`One start, port calls in order: ${sequences.start.join(' -> ')}`);
    out.push(`One GET /runtimes/{id}, store calls: ${reads.get.join(' -> ')}`);
    out.push(`One list page (${reads.listRows} rows), store calls: ${reads.list.length} (${[...new Set(reads.list)].map((c) => `${c} x${reads.list.filter((x) => x === c).length}`).join(', ')})`, '');
  }
  out.push(`written: bench/results/latest.json${flags.cpuProf ? `; profiles in ${logDir}` : ''}`, '');
  process.stdout.write(out.join('\n'));
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
