// The job concurrency sweep (--concurrency-sweep): the start burst at each
// RTMANAGER_JOB_CONCURRENCY, RTM against raw dockerode at the same concurrency, on a fresh
// RTM process each time; the containers are removed between settings. The data the
// default is chosen by: docs/benchmark.md "Job concurrency". Each row's note also gives
// what a higher concurrency costs each start: its own duration (RTM's `start succeeded`
// line, lease to row) grows with the starts the daemon serves at once.
import type { BenchFlags } from './bench-flags.js';
import { side, type BenchRow } from './bench-report.js';
import type { BenchRun } from './bench-run.js';
import { DOCKER_NETWORK, REDIS_URL, benchDatabase, benchDocker, benchRedis, benchStateRoot, removeContainersByName } from './bench-servers.js';
import { FleetObserver } from './fleet-observer.js';
import { FLEET_ENV, burstRow } from './fleet.scenario.js';
import { rtmLogEntries, startRtmUnderTest } from './rtm-under-test.js';
import { startBurst } from './start-burst.js';

export async function sweepScenario(run: BenchRun, flags: BenchFlags, logDir: string): Promise<BenchRow[]> {
  const docker = benchDocker();
  const rows: BenchRow[] = [];
  for (const concurrency of flags.sweep) {
    const prefix = `bench:${run.runId}:sweep${concurrency}:`;
    const redis = benchRedis(run, prefix);
    const { url } = await benchDatabase(run, `sweep${concurrency}`);
    const stateRoot = await benchStateRoot(run, `sweep${concurrency}`);
    const names: string[] = [];
    run.defer(`removing the sweep's containers (concurrency ${concurrency})`, () => removeContainersByName(docker, names, run.log));
    const observer = new FleetObserver(run, { jobResults: `${prefix}runtime:job_results`, healthEvents: `${prefix}runtime:health_events` });
    run.defer('stopping the sweep observer', () => observer.stop());
    await observer.start(docker);
    const env = { ...FLEET_ENV, RTMANAGER_JOB_CONCURRENCY: String(concurrency) };
    const rtm = await startRtmUnderTest(run, { label: `sweep-${concurrency}`, postgresUrl: url, redisPrefix: prefix, stateRoot, logDir, env });
    // At least two blocks, so raw and RTM each go first once.
    const blockSize = Math.max(8, concurrency);
    const starts = Math.max(flags.quick ? 16 : 48, 2 * blockSize);
    run.log(`  sweep: concurrency ${concurrency}, ${starts} starts per side`);
    const burst = await startBurst(
      { run, docker, redis, observer, startJobsStream: `${prefix}runtime:start_jobs`, stateRoot, names,
        rtmEnv: { RTMANAGER_POSTGRES_URL: url, RTMANAGER_REDIS_URL: REDIS_URL, RTMANAGER_DOCKER_NETWORK: DOCKER_NETWORK, RTMANAGER_GAME_STATE_ROOT: stateRoot, ...env } },
      { total: starts, blockSize, concurrency, gamePrefix: `bench-${run.runId}-c${concurrency}` },
    );
    const row = burstRow(`sweep_c${concurrency}`, `burst of ${starts}, job concurrency ${concurrency}`, burst, '-', null);
    await rtm.process.stop();
    const own = side('start', await startDurationsMs(rtm.process.logFile)).summary;
    rows.push({ ...row, note: `each start's own duration (lease to row, RTM's log): median ${own.median} ms, p90 ${own.p90} ms, max ${own.max} ms (n ${own.n})` });
    await observer.stop();
    await removeContainersByName(docker, names, run.log);
  }
  return rows;
}

/** The duration of every successful start in an RTM process log (its `start succeeded` lines), ms. */
export async function startDurationsMs(logFile: string): Promise<number[]> {
  const entries = await rtmLogEntries<{ msg: string; op_kind: string; duration_s: number }>(logFile);
  return entries.filter((e) => e.msg === 'start succeeded' && e.op_kind === 'start' && typeof e.duration_s === 'number').map((e) => (e.duration_s as number) * 1000);
}
