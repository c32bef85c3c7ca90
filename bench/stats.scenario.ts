// The stats row (issue 22): GET /runtimes/{id}/stats on a running engine, one call after
// another as `rtmctl stats` or a `top` round asks, against `docker stats --no-stream` (the
// Docker CLI's own one-sample time) on the same container in the same run. Target: p99
// within 1.5 s. RTM's first call of a container is a full reading (the daemon waits for two
// collections); the following ones are one-shot (RTM keeps its previous CPU reading).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { BenchFlags } from './bench-flags.js';
import { side, ratioOf, type BenchRow } from './bench-report.js';
import type { BenchRun } from './bench-run.js';
import { benchDatabase, benchDocker, benchStateRoot, FLEET_IMAGE, removeContainersByName } from './bench-servers.js';
import { startRtmUnderTest } from './rtm-under-test.js';

const run$ = promisify(execFile);

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await work();
  return performance.now() - t0;
}

export async function statsScenario(run: BenchRun, flags: BenchFlags, logDir: string): Promise<BenchRow[]> {
  const { url } = await benchDatabase(run, 'stats');
  const stateRoot = await benchStateRoot(run, 'stats');
  const docker = benchDocker();
  const gameId = `bench-${run.runId}-stats`;
  run.defer("removing the stats row's engine", () => removeContainersByName(docker, [`galaxy-game-${gameId}`], run.log));
  // A long reconcile grace: this RTM never disposes another run's engines on the shared daemon.
  const rtm = await startRtmUnderTest(run, { label: 'stats', postgresUrl: url, redisPrefix: `bench:${run.runId}:stats:`, stateRoot, logDir, env: { RTMANAGER_RECONCILE_GRACE: '86400' } });
  run.defer('stopping the stats RTM', () => rtm.process.stop());
  const headers = { 'x-galaxy-caller': 'admin_service', 'content-type': 'application/json' };
  const started = await fetch(`${rtm.baseUrl}/api/v1/internal/runtimes/${gameId}/start`, { method: 'POST', headers, body: JSON.stringify({ image_ref: FLEET_IMAGE }) });
  if (started.status !== 200) throw new Error(`stats scenario: start answered ${started.status} ${await started.text()}`);
  const n = flags.quick ? 10 : 30;
  run.log(`  stats: ${n} GET /stats, then ${n} docker stats --no-stream, on one engine`);
  const rtmMs: number[] = [];
  for (let i = 0; i < n; i++) {
    rtmMs.push(
      await timed(async () => {
        const r = await fetch(`${rtm.baseUrl}/api/v1/internal/runtimes/${gameId}/stats`);
        if (r.status !== 200) throw new Error(`stats scenario: /stats answered ${r.status} ${await r.text()}`);
        await r.json();
      }),
    );
  }
  const dockerMs: number[] = [];
  for (let i = 0; i < n; i++) dockerMs.push(await timed(() => run$('docker', ['stats', '--no-stream', '--format', '{{json .}}', `galaxy-game-${gameId}`])));
  const rtmSide = side('RTM GET /stats', rtmMs);
  const baseline = side('docker stats --no-stream', dockerMs);
  return [
    {
      key: 'stats',
      label: `GET /runtimes/{id}/stats, ${n} in a row`,
      unit: 'ms',
      rtm: rtmSide,
      baseline,
      ratio: ratioOf(rtmSide, baseline, 'p99'),
      compare: 'p99',
      target: 'p99 <= 1500 ms',
      holds: rtmSide.summary.p99 <= 1500,
      note: 'the first call is a full reading (two daemon collections), the rest one-shot with RTM\'s previous CPU reading',
    },
  ];
}
