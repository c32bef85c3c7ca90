// The fleet rows, on one real RTM process with N light engines (galaxy/bench-httpd:1),
// probe every 1 s (timeout 1 s, threshold 2), in this order: the start burst (RTM vs raw
// dockerode, alternated), RSS over a window, probe detection (delete an engine's
// `healthz`), crash detection (`docker kill` -> container_exited vs Docker's `die`), and
// cold start (fresh records, N owned containers to adopt, spawn -> /readyz 200).
import { chown, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchFlags } from './bench-flags.js';
import { side, ratioOf, type BenchRow } from './bench-report.js';
import type { BenchRun } from './bench-run.js';
import { DOCKER_NETWORK, ENGINE_UID, REDIS_URL, benchDatabase, benchDocker, benchRedis, benchStateRoot, inParallel, removeContainersByName } from './bench-servers.js';
import { FleetObserver } from './fleet-observer.js';
import { rtmLogEntries, STARTUP_RECONCILE_DONE, startRtmUnderTest, type RtmUnderTestOptions } from './rtm-under-test.js';
import { slope } from './sample-statistics.js';
import { startBurst, type BurstOutcome } from './start-burst.js';

export const FLEET_ENV = {
  RTMANAGER_PROBE_INTERVAL: '1',
  RTMANAGER_PROBE_TIMEOUT: '1',
  RTMANAGER_PROBE_FAILURES_THRESHOLD: '2',
  RTMANAGER_PROBE_TARGET: 'container_ip',
  RTMANAGER_JOB_CONCURRENCY: '4',
};
const DETECTION_DEADLINE_MS = 20_000;
/** From the burst's last result to the RSS window (full runs). */
const FLEET_SETTLE_MS = 15_000;

/** |slope| at or below this over the window counts as flat. */
export const FLAT_MB_PER_MIN = 2;

/** The startup reconcile's own report (duration, adoptions) from an RTM process log. */
interface StartupPhases {
  /** The reconcile's own duration (its report). */
  ms: number;
  adopted: number;
  /** Which build started (the `starting` line): bundle or modules. */
  startPath: string;
  /** From the `starting` line to the listener's `internal listener open`. */
  toListenerMs: number;
}

/** The startup phases of one RTM run, from its log. */
async function startupPhases(logFile: string): Promise<StartupPhases> {
  const phases: StartupPhases = { ms: NaN, adopted: 0, startPath: '?', toListenerMs: NaN };
  let startedAt = NaN;
  for (const entry of await rtmLogEntries<{ msg: string; time: string; start_path: string; report: { durationMs?: number; adopted?: unknown[] } }>(logFile)) {
    const at = Date.parse(entry.time ?? '');
    if (entry.msg === 'starting') {
      startedAt = at;
      phases.startPath = entry.start_path ?? '?';
    } else if (entry.msg === 'internal listener open') phases.toListenerMs = at - startedAt;
    else if (entry.msg === STARTUP_RECONCILE_DONE) {
      phases.ms = entry.report?.durationMs ?? NaN;
      phases.adopted = entry.report?.adopted?.length ?? 0;
    }
  }
  return phases;
}

export function burstRow(key: string, label: string, burst: BurstOutcome, target: string, maxRatio: number | null): BenchRow {
  const perStart = (ms: number[]) => ms.map((m, i) => m / (burst.blockSizes[i] ?? 1));
  const rtm = side('RTM', perStart(burst.rtm.blockMs), burst.rtm.totalMs / 1000);
  const raw = side('raw dockerode, same body', perStart(burst.raw.blockMs), burst.raw.totalMs / 1000);
  const ratio = ratioOf(rtm, raw, 'value');
  return { key, label, unit: 'ms/start per block (value: total s)', rtm, baseline: raw, ratio, compare: 'value', target, holds: maxRatio === null || ratio === null ? null : ratio <= maxRatio };
}

export async function fleetScenario(run: BenchRun, flags: BenchFlags, logDir: string): Promise<BenchRow[]> {
  const engines = flags.engines;
  const docker = benchDocker();
  const prefix = `bench:${run.runId}:fleet:`;
  const redis = benchRedis(run, prefix);
  const { url, pool } = await benchDatabase(run, 'fleet');
  const stateRoot = await benchStateRoot(run, 'fleet');
  const names: string[] = [];
  run.defer(`removing the fleet's containers`, () => removeContainersByName(docker, names, run.log));
  const streams = { jobResults: `${prefix}runtime:job_results`, healthEvents: `${prefix}runtime:health_events` };
  const observer = new FleetObserver(run, streams);
  run.defer('stopping the fleet observer', () => observer.stop());
  await observer.start(docker);

  const rtmOptions = (label: string): RtmUnderTestOptions => ({
    label, postgresUrl: url, redisPrefix: prefix, stateRoot, logDir, env: FLEET_ENV, cpuProfDir: flags.cpuProf ? logDir : null,
  });
  const rtm = await startRtmUnderTest(run, rtmOptions('fleet'));
  const rtmEnv = { RTMANAGER_POSTGRES_URL: url, RTMANAGER_REDIS_URL: REDIS_URL, RTMANAGER_DOCKER_NETWORK: DOCKER_NETWORK, RTMANAGER_GAME_STATE_ROOT: stateRoot, ...FLEET_ENV };
  const rows: BenchRow[] = [];

  run.log(`  fleet: ${engines} start jobs vs raw dockerode, concurrency 4`);
  const burst = await startBurst(
    { run, docker, redis, observer, startJobsStream: `${prefix}runtime:start_jobs`, stateRoot, names, rtmEnv },
    { total: engines, blockSize: flags.quick ? 10 : 25, concurrency: 4, gamePrefix: `bench-${run.runId}` },
  );
  rows.push(burstRow('burst', `${engines} start jobs -> ${engines} results (concurrency 4)`, burst, '<= 1.05x raw', 1.05));
  const fleet = burst.rtmGameIds;

  const windowS = flags.quick ? 15 : 60;
  run.log(`  fleet: RSS with ${engines} engines over ${windowS} s`);
  // The window is the steady state of 200 probed engines: it starts once the burst's own
  // garbage (200 creates, their inspects and events) has had a major GC to go, so a falling
  // edge of the burst does not read as a slope of the fleet (docs/benchmark.md).
  await run.sleep(flags.quick ? 3_000 : FLEET_SETTLE_MS);
  rtm.heapSnapshot(); // --cpu-prof runs: the window's first and last heap, for bench/heap-summary.ts
  const times: number[] = [];
  const rss: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i <= windowS; i++) {
    times.push((performance.now() - t0) / 60_000);
    rss.push(await rtm.rssMb());
    await run.sleep(1_000);
  }
  rtm.heapSnapshot();
  const perMin = slope(times, rss);
  const peak = Math.max(...rss);
  const flat = Math.abs(perMin) <= FLAT_MB_PER_MIN;
  rows.push({ key: 'rss_fleet', label: `RSS with ${engines} engines, probe 1 s, ${windowS} s`, unit: 'MB (value: peak)', rtm: side('RTM', rss, peak), baseline: null, ratio: null, compare: 'value', target: '<= 150 MB and flat', holds: peak <= 150 && flat });
  rows.push({ key: 'rss_fleet_slope', label: `  RSS slope over the window`, unit: 'MB/min', rtm: side('RTM', [], perMin), baseline: null, ratio: null, compare: 'value', target: `flat: |slope| <= ${FLAT_MB_PER_MIN}`, holds: flat });

  const probes = flags.quick ? 2 : 5;
  run.log(`  fleet: probe detection x${probes}`);
  const probeMs: number[] = [];
  for (const gameId of fleet.slice(0, probes)) {
    const healthz = path.join(stateRoot, gameId, 'healthz');
    const at = performance.now();
    await unlink(healthz);
    const seen = await observer.waitFor(`probe_failed of ${gameId}`, DETECTION_DEADLINE_MS, () => observer.healthAfter(gameId, 'probe_failed', at));
    probeMs.push(seen.at - at);
    await writeFile(healthz, 'ok\n');
    await chown(healthz, ENGINE_UID, ENGINE_UID);
  }
  const probeSide = side('RTM', probeMs);
  rows.push({ key: 'probe_detection', label: `probe: 1 of ${engines} fails /healthz -> probe_failed`, unit: 'ms', rtm: probeSide, baseline: null, ratio: null, compare: 'p99', target: '<= 4000 ms', holds: probeSide.summary.max <= 4000 });

  const kills = flags.quick ? 5 : 15;
  run.log(`  fleet: crash detection x${kills}`);
  const exitedMs: number[] = [];
  const dieMs: number[] = [];
  const victims = fleet.slice(-kills);
  for (const gameId of victims) {
    const result = observer.results.get(gameId)?.[0];
    const containerId = result?.fields.container_id;
    if (!containerId) throw new Error(`no container id in the job result of ${gameId}`);
    await run.sleep(200);
    const at = performance.now();
    await docker.getContainer(containerId).kill();
    const exited = await observer.waitFor(`container_exited of ${gameId}`, DETECTION_DEADLINE_MS, () => observer.healthAfter(gameId, 'container_exited', at));
    const die = await observer.waitFor(`docker die of ${gameId}`, DETECTION_DEADLINE_MS, () => observer.dieAfter(containerId, at));
    exitedMs.push(exited.at - at);
    dieMs.push(die - at);
  }
  const exitedSide = side('RTM container_exited', exitedMs);
  const dieSide = side("Docker's own die event", dieMs);
  rows.push({
    key: 'crash_detection', label: 'crash: docker kill -> container_exited', unit: 'ms', rtm: exitedSide, baseline: dieSide,
    ratio: ratioOf(exitedSide, dieSide, 'p99'), compare: 'p99', target: "p99 <= Docker's p99 + 50", holds: exitedSide.summary.p99 <= dieSide.summary.p99 + 50,
  });

  const colds = flags.quick ? 1 : flags.compare ? 3 : 2;
  const builds: Array<{ suffix: string; key: string; root?: string }> = [{ suffix: '', key: '' }, ...(flags.compare ? [{ suffix: ' [compare]', key: '_compare', root: flags.compare }] : [])];
  run.log(`  fleet: cold start with ${engines} owned containers to adopt x${colds}${flags.compare ? ' per build, alternated' : ''}`);
  await rtm.process.stop();
  // The killed engines run again, so the cold start has every engine of the fleet to adopt.
  await inParallel(victims, 4, async (g) => {
    await docker.getContainer(`galaxy-game-${g}`).start();
  });
  const owned = (await docker.listContainers({ filters: { label: ['com.galaxy.owner=rtmanager'], status: ['running'] } })).length;
  const coldMs = builds.map(() => [] as number[]);
  const coldCpuMs = builds.map(() => [] as number[]);
  const phases = builds.map(() => [] as StartupPhases[]);
  for (let i = 0; i < colds; i++) {
    // With --compare the builds take turns, each round starting with the other one.
    for (let j = 0; j < builds.length; j++) {
      const k = (i + j) % builds.length;
      const build = builds[k] as (typeof builds)[number];
      await pool.query('TRUNCATE rtmanager.runtime_records, rtmanager.health_snapshots, rtmanager.operation_log');
      const cold = await startRtmUnderTest(run, { ...rtmOptions(`cold${build.key}-${i}`), ...(build.root ? { root: build.root } : {}) });
      coldMs[k]?.push(cold.readyAfterMs);
      coldCpuMs[k]?.push(cold.cpuMsToReady);
      await cold.process.stop();
      phases[k]?.push(await startupPhases(cold.process.logFile));
    }
  }
  builds.forEach((build, k) => {
    const coldSide = side('RTM', coldMs[k] ?? []);
    rows.push({
      key: `cold_start${build.key}`, label: `cold start to /readyz 200, ${engines} to adopt${build.suffix}`, unit: 'ms', rtm: coldSide, baseline: null, ratio: null, compare: 'median', target: '<= 1500 ms',
      holds: coldSide.summary.median <= 1500,
      note: `${owned} owned running containers on the daemon (other RTMs' included); per run: ${(phases[k] ?? []).map((p) => `${p.startPath} start, 'starting' -> listener ${p.toListenerMs} ms, startup reconcile ${p.ms} ms (${p.adopted} adopted)`).join('; ')}`,
    });
    // The same starts by the CPU RTM spent until ready: steadier than wall time on a shared machine.
    rows.push({
      key: `cold_start_cpu${build.key}`, label: `  cold start: RTM CPU to /readyz 200${build.suffix}`, unit: 'ms', rtm: side('RTM', coldCpuMs[k] ?? []), baseline: null, ratio: null, compare: 'median', target: '-', holds: null,
    });
  });
  return rows;
}
