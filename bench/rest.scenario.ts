// The REST rows: RTM (the real process) and the minimal fastify + pg server (baseline),
// both reading the same 1,000 seeded runtime records with the same pool size, loaded in
// turn by autocannon from a third process. Also RTM's idle footprint after startup.
import type pg from 'pg';
import { encodeCursor } from '../src/api/runtime-view.js';
import type { BenchFlags } from './bench-flags.js';
import { side, ratioOf, type BenchRow } from './bench-report.js';
import type { BenchRun } from './bench-run.js';
import { benchDatabase, benchRedis, benchStateRoot, freePort, spawnNode } from './bench-servers.js';
import { runLoad, type LoadOutcome, type LoadSpec } from './load-generator.js';
import { startRtmUnderTest } from './rtm-under-test.js';

export const SEEDED_RECORDS = 1_000;
const POOL_MAX = 10;
const RECORD_PATH = (gameId: string) => `/api/v1/internal/runtimes/${gameId}`;
const LIST_QUERY = 'status=stopped&limit=100';


/**
 * 1,000 records (7 in 10 stopped, the rest removed), each with a latest health snapshot.
 * A stopped record names no container: one naming a container that does not exist would be
 * disposed by RTM's startup reconcile (the list rows then read empty pages, as they did
 * before), and 700 real stopped containers take minutes to make on this daemon.
 */
async function seed(pool: pg.Pool, runId: string): Promise<string[]> {
  const prefix = `bench-${runId}-rec-`;
  await pool.query(
    `INSERT INTO rtmanager.runtime_records (game_id, status, current_container_id, current_image_ref, engine_endpoint, state_path,
       created_at, started_at, stopped_at, removed_at, last_op_at)
     SELECT $1 || lpad(i::text, 4, '0'), CASE WHEN i % 10 < 7 THEN 'stopped' ELSE 'removed' END, CASE WHEN i % 10 < 7 THEN NULL ELSE md5(i::text) || md5((i + 1)::text) END,
       'galaxy/bench-httpd:1', 'http://galaxy-game-' || $1 || lpad(i::text, 4, '0') || ':8080', '/var/lib/galaxy/games/' || $1 || lpad(i::text, 4, '0'),
       now() - interval '2 hours', now() - interval '1 hour', now() - interval '30 minutes',
       CASE WHEN i % 10 < 7 THEN NULL ELSE now() - interval '10 minutes' END, now() - interval '10 minutes'
     FROM generate_series(1, $2::int) AS i`,
    [prefix, SEEDED_RECORDS],
  );
  await pool.query(
    `INSERT INTO rtmanager.health_snapshots (game_id, container_id, event_type, details, observed_at)
     SELECT game_id, md5(game_id), 'container_exited', '{"exit_code":0,"oom":false}'::jsonb, stopped_at FROM rtmanager.runtime_records`,
  );
  const { rows } = await pool.query<{ game_id: string }>('SELECT game_id FROM rtmanager.runtime_records ORDER BY game_id');
  return rows.map((r) => r.game_id);
}

const okCount = (o: LoadOutcome) => Object.entries(o.statusCounts).reduce((n, [code, c]) => (code.startsWith('2') ? n + c : n), 0);
const badCount = (o: LoadOutcome) => o.errors + o.timeouts + Object.entries(o.statusCounts).reduce((n, [code, c]) => (code.startsWith('2') ? n : n + c), 0);

export async function restScenario(run: BenchRun, flags: BenchFlags, logDir: string): Promise<BenchRow[]> {
  const { url, pool } = await benchDatabase(run, 'rest');
  const gameIds = await seed(pool, run.runId);
  const stateRoot = await benchStateRoot(run, 'rest');
  const redisPrefix = `bench:${run.runId}:rest:`;
  // Registered before the RTM starts, so its keys are deleted after it has stopped.
  benchRedis(run, redisPrefix);
  const rtm = await startRtmUnderTest(run, {
    label: 'rest',
    postgresUrl: url,
    redisPrefix,
    stateRoot,
    logDir,
    env: { RTMANAGER_POSTGRES_POOL_MAX: String(POOL_MAX) },
    cpuProfDir: flags.cpuProf ? logDir : null,
  });
  run.log(`  rest: RTM ready in ${Math.round(rtm.readyAfterMs)} ms; idle footprint...`);
  // Idle after startup: let the startup settle, then a few readings.
  await run.sleep(flags.quick ? 1_000 : 5_000);
  const idle: number[] = [];
  for (let i = 0; i < 5; i++) {
    idle.push(await rtm.rssMb());
    await run.sleep(500);
  }

  const basePort = await freePort();
  const base = await spawnNode(run, 'minimal-rest', ['--import', 'tsx', 'bench/minimal-rest.server.ts'], {
    PATH: process.env.PATH,
    BENCH_PG_URL: url,
    BENCH_PORT: String(basePort),
    BENCH_POOL_MAX: String(POOL_MAX),
  }, logDir);
  const baseUrl = `http://127.0.0.1:${basePort}`;
  await run.until(`minimal server (log ${base.logFile})`, 30_000, 50, async () => ((await fetch(`${baseUrl}/healthz`).catch(() => null))?.ok ? true : null));

  const getPaths = gameIds.map(RECORD_PATH);
  const cursors = [0, 100, 200, 300, 400].map((i) => gameIds[i]).filter((g): g is string => g !== undefined);
  const listPaths = [`/api/v1/internal/runtimes?${LIST_QUERY}`, ...cursors.slice(1).map((g) => `/api/v1/internal/runtimes?${LIST_QUERY}&cursor=${encodeCursor(g)}`)];
  const targets = { rtm: rtm.baseUrl, base: baseUrl } as const;
  // Warm-up (JIT, pools) of both, not counted.
  const warmS = flags.quick ? 1 : 3;
  for (const t of Object.values(targets)) {
    await runLoad(run, { url: t, paths: getPaths, connections: 8, durationS: warmS });
    await runLoad(run, { url: t, paths: listPaths, connections: 4, durationS: warmS });
  }

  const rounds = flags.quick ? 1 : 2;
  // Flat-out rows alternate over `rounds` (RTM first, then the baseline first); the
  // fixed-rate rows run once per side, for the full duration.
  const both = async (spec: Omit<LoadSpec, 'url'>, times = rounds) => {
    const out = { rtm: [] as LoadOutcome[], base: [] as LoadOutcome[] };
    for (let r = 0; r < times; r++) {
      const order: Array<keyof typeof targets> = r % 2 === 0 ? ['rtm', 'base'] : ['base', 'rtm'];
      for (const who of order) out[who].push(await runLoad(run, { ...spec, url: targets[who] }));
    }
    return out;
  };
  const merged = (os: LoadOutcome[]) => ({
    latencies: os.flatMap((o) => o.latenciesMs),
    ok: os.reduce((n, o) => n + okCount(o), 0),
    bad: os.reduce((n, o) => n + badCount(o), 0),
    seconds: os.reduce((n, o) => n + o.durationS, 0),
  });
  const rows: BenchRow[] = [];
  const latencyRow = (key: string, label: string, o: { rtm: LoadOutcome[]; base: LoadOutcome[] }, target: string, limitMs: number): BenchRow => {
    const m = merged(o.rtm);
    const b = merged(o.base);
    const rtmSide = side('RTM', m.latencies, m.bad);
    const baseSide = side('minimal fastify+pg', b.latencies, b.bad);
    // How late requests went out: the generator's own lateness plus waits for a free
    // socket (all sockets busy = the server is behind).
    const lag = (os: LoadOutcome[]) => side('lag', os.flatMap((x) => x.sendLagMs ?? [])).summary;
    const [lr, lb] = [lag(o.rtm), lag(o.base)];
    return {
      key, label, unit: 'ms (value: errors)', rtm: rtmSide, baseline: baseSide, ratio: ratioOf(rtmSide, baseSide, 'p99'), compare: 'p99',
      target, holds: rtmSide.summary.p99 <= limitMs && m.bad === 0,
      note: `open loop, latency from each request's slot; requests went out late (generator lateness + waits for a free socket) by p99 ${lr.p99} ms (RTM side), ${lb.p99} ms (minimal side)`,
    };
  };
  const throughputRow = (key: string, label: string, o: { rtm: LoadOutcome[]; base: LoadOutcome[] }, target: string, minRatio: number): BenchRow => {
    const m = merged(o.rtm);
    const b = merged(o.base);
    const rtmSide = side('RTM', m.latencies, m.ok / m.seconds);
    const baseSide = side('minimal fastify+pg', b.latencies, b.ok / b.seconds);
    const ratio = ratioOf(rtmSide, baseSide, 'value');
    return { key, label, unit: 'req/s (med..p99: latency ms)', rtm: rtmSide, baseline: baseSide, ratio, compare: 'value', target, holds: ratio !== null && ratio >= minRatio && m.bad === 0 };
  };

  const fixedS = flags.quick ? 4 : 20;
  const maxS = flags.quick ? 3 : 8;
  run.log('  rest: GET flat out');
  rows.push(throughputRow('get_max', 'GET /runtimes/{id}, max throughput', await both({ paths: getPaths, connections: 16, durationS: maxS }), '>= 0.8x minimal', 0.8));
  run.log('  rest: list flat out');
  rows.push(throughputRow('list_max', 'GET /runtimes?status=stopped&limit=100, max', await both({ paths: listPaths, connections: 8, durationS: maxS }), '>= 0.6x minimal', 0.6));
  // The fixed-rate rows come after the flat-out ones: both servers are then warm (JIT,
  // pools), so an open-loop tail measures the steady state, not the first seconds of a process.
  run.log(`  rest: GET at 1,000 req/s (${fixedS} s per side)`);
  rows.push(latencyRow('get_fixed_rate', 'GET /runtimes/{id} at 1,000 req/s', await both({ paths: getPaths, connections: 10, durationS: fixedS, rate: 1000 }, 1), 'p99 <= 5 ms, no errors', 5));
  run.log('  rest: list at 200 req/s');
  rows.push(latencyRow('list_fixed_rate', 'GET /runtimes?...limit=100 at 200 req/s', await both({ paths: listPaths, connections: 8, durationS: flags.quick ? 3 : 10, rate: 200 }, 1), 'p99 <= 25 ms', 25));
  // Table order as in the issue: the GET at a fixed rate first.
  const fixedGet = rows.findIndex((r) => r.key === 'get_fixed_rate');
  rows.unshift(...rows.splice(fixedGet, 1));
  const idleSide = side('RTM', idle, Math.max(...idle));
  rows.unshift({ key: 'rss_idle', label: 'RSS idle after startup', unit: 'MB', rtm: idleSide, baseline: null, ratio: null, compare: 'median', target: '<= 90 MB', holds: idleSide.summary.median <= 90 });
  await base.stop();
  await rtm.process.stop();
  return rows;
}
