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
import { cpuSpent, readCpu } from './process-cpu.js';
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

/** The RTM builds of a run: this checkout's, and `--compare`'s when given. */
type Build = 'rtm' | 'cmp';
type Who = Build | 'base';
const COMPARE_SUFFIX = ' [compare]';

export async function restScenario(run: BenchRun, flags: BenchFlags, logDir: string): Promise<BenchRow[]> {
  const { url, pool } = await benchDatabase(run, 'rest');
  const gameIds = await seed(pool, run.runId);
  const rtmSides: Build[] = flags.compare ? ['rtm', 'cmp'] : ['rtm'];
  const started = new Map<Build, { baseUrl: string; pid: number; idle: number[]; stop: () => Promise<void> }>();
  const databases = [databaseOf(url)];
  for (const build of rtmSides) {
    // The compare build reads a database of its own, seeded alike (the same game ids).
    const postgresUrl = build === 'rtm' ? url : await seededCopy(run, build, run.runId);
    if (build === 'cmp') databases.push(databaseOf(postgresUrl));
    const stateRoot = await benchStateRoot(run, `rest-${build}`);
    const redisPrefix = `bench:${run.runId}:rest-${build}:`;
    // Registered before the RTM starts, so its keys are deleted after it has stopped.
    benchRedis(run, redisPrefix);
    const rtm = await startRtmUnderTest(run, {
      label: build === 'rtm' ? 'rest' : 'rest-compare',
      postgresUrl,
      redisPrefix,
      stateRoot,
      logDir,
      env: { RTMANAGER_POSTGRES_POOL_MAX: String(POOL_MAX) },
      cpuProfDir: flags.cpuProf ? logDir : null,
      ...(build === 'cmp' && flags.compare ? { root: flags.compare } : {}),
    });
    run.log(`  rest: RTM${build === 'cmp' ? COMPARE_SUFFIX : ''} ready in ${Math.round(rtm.readyAfterMs)} ms; idle footprint...`);
    // Idle after startup: let the startup settle, then a few readings.
    await run.sleep(flags.quick ? 1_000 : 5_000);
    const idle: number[] = [];
    for (let i = 0; i < 5; i++) {
      idle.push(await rtm.rssMb());
      await run.sleep(500);
    }
    started.set(build, { baseUrl: rtm.baseUrl, pid: rtm.process.pid, idle, stop: () => rtm.process.stop() });
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
  const targets = new Map<Who, { url: string; pid: number }>([...[...started].map(([b, r]) => [b, { url: r.baseUrl, pid: r.pid }] as const), ['base', { url: baseUrl, pid: base.pid }]]);
  const sides = [...targets.keys()];
  // Warm-up (JIT, pools) of every server, not counted.
  const warmS = flags.quick ? 1 : 3;
  for (const t of targets.values()) {
    await runLoad(run, { url: t.url, paths: getPaths, connections: 8, durationS: warmS });
    await runLoad(run, { url: t.url, paths: listPaths, connections: 4, durationS: warmS });
  }

  const rounds = flags.quick ? 1 : 2;
  // Flat-out rows alternate over `rounds` (each round starts with the next server); the
  // fixed-rate rows run once per side, for the full duration.
  // Each window also reads the CPU the server and its PostgreSQL backends spent (process-cpu.ts).
  const each = async (spec: Omit<LoadSpec, 'url'>, times = rounds) => {
    const out = new Map<Who, Windows>(sides.map((w) => [w, { loads: [], cpu: [] }]));
    for (let r = 0; r < times; r++) {
      for (let i = 0; i < sides.length; i++) {
        const who = sides[(i + r) % sides.length] as Who;
        const target = targets.get(who) as { url: string; pid: number };
        const before = await readCpu(target.pid, pool, databases);
        const load = await runLoad(run, { ...spec, url: target.url });
        out.get(who)?.loads.push(load);
        out.get(who)?.cpu.push(cpuSpent(before, await readCpu(target.pid, pool, databases)));
      }
    }
    return out;
  };

  const fixedS = flags.quick ? 4 : 20;
  const maxS = flags.quick ? 3 : 8;
  const rows: BenchRow[] = [];
  const forEachBuild = (row: (build: Build, suffix: string) => BenchRow) => rtmSides.map((b) => row(b, b === 'cmp' ? COMPARE_SUFFIX : ''));
  run.log('  rest: GET flat out');
  const getMax = await each({ paths: getPaths, connections: 16, durationS: maxS });
  run.log('  rest: list flat out');
  const listMax = await each({ paths: listPaths, connections: 8, durationS: maxS });
  // The fixed-rate rows come after the flat-out ones: every server is then warm (JIT,
  // pools), so an open-loop tail measures the steady state, not the first seconds of a process.
  run.log(`  rest: GET at 1,000 req/s (${fixedS} s per side)`);
  const getFixed = await each({ paths: getPaths, connections: 10, durationS: fixedS, rate: 1000 }, 1);
  run.log('  rest: list at 200 req/s');
  const listFixed = await each({ paths: listPaths, connections: 8, durationS: flags.quick ? 3 : 10, rate: 200 }, 1);
  // Table order as in the issue: idle RSS, the GET at a fixed rate, then the flat-out rows.
  rows.push(...forEachBuild((b, sfx) => {
    const idle = started.get(b)?.idle ?? [];
    const idleSide = side('RTM', idle, Math.max(...idle));
    return { key: `rss_idle${keySuffix(b)}`, label: `RSS idle after startup${sfx}`, unit: 'MB', rtm: idleSide, baseline: null, ratio: null, compare: 'median', target: '<= 90 MB', holds: idleSide.summary.median <= 90 };
  }));
  rows.push(...forEachBuild((b, sfx) => latencyRow(`get_fixed_rate${keySuffix(b)}`, `GET /runtimes/{id} at 1,000 req/s${sfx}`, getFixed, b, 'p99 <= 5 ms, no errors', 5)));
  rows.push(...forEachBuild((b, sfx) => throughputRow(`get_max${keySuffix(b)}`, `GET /runtimes/{id}, max throughput${sfx}`, getMax, b, '>= 0.8x minimal', 0.8)));
  rows.push(...forEachBuild((b, sfx) => throughputRow(`list_max${keySuffix(b)}`, `GET /runtimes?status=stopped&limit=100, max${sfx}`, listMax, b, '>= 0.6x minimal', 0.6)));
  rows.push(...forEachBuild((b, sfx) => latencyRow(`list_fixed_rate${keySuffix(b)}`, `GET /runtimes?...limit=100 at 200 req/s${sfx}`, listFixed, b, 'p99 <= 25 ms', 25)));
  await base.stop();
  for (const r of started.values()) await r.stop();
  return rows;
}

const keySuffix = (build: Build) => (build === 'cmp' ? '_compare' : '');

/** The load windows of one server in a row, and the CPU each cost it and PostgreSQL. */
interface Windows {
  loads: LoadOutcome[];
  cpu: Array<{ process: number; postgres: number }>;
}

const merged = (w: Windows | undefined) => {
  const os = w?.loads ?? [];
  const ok = os.reduce((n, o) => n + okCount(o), 0);
  const cpu = (w?.cpu ?? []).reduce((t, c) => ({ process: t.process + c.process, postgres: t.postgres + c.postgres }), { process: 0, postgres: 0 });
  return {
    latencies: os.flatMap((o) => o.latenciesMs),
    ok,
    bad: os.reduce((n, o) => n + badCount(o), 0),
    seconds: os.reduce((n, o) => n + o.durationS, 0),
    /** ms of CPU per answered request: the server process, its PostgreSQL backends. */
    cpuMsPerRequest: { process: ok > 0 ? (cpu.process * 1000) / ok : NaN, postgres: ok > 0 ? (cpu.postgres * 1000) / ok : NaN },
  };
};

const cpuNote = (m: ReturnType<typeof merged>, b: ReturnType<typeof merged>) =>
  `CPU per request (server process + its PostgreSQL backends, same windows): RTM ${m.cpuMsPerRequest.process.toFixed(3)} + ${m.cpuMsPerRequest.postgres.toFixed(3)} ms, minimal ${b.cpuMsPerRequest.process.toFixed(3)} + ${b.cpuMsPerRequest.postgres.toFixed(3)} ms`;

function latencyRow(key: string, label: string, o: Map<Who, Windows>, build: Build, target: string, limitMs: number): BenchRow {
  const m = merged(o.get(build));
  const b = merged(o.get('base'));
  const rtmSide = side('RTM', m.latencies, m.bad);
  const baseSide = side('minimal fastify+pg', b.latencies, b.bad);
  // How late requests went out: the generator's own lateness plus waits for a free
  // socket (all sockets busy = the server is behind).
  const lag = (w: Windows | undefined) => side('lag', (w?.loads ?? []).flatMap((x) => x.sendLagMs ?? [])).summary;
  const [lr, lb] = [lag(o.get(build)), lag(o.get('base'))];
  return {
    key, label, unit: 'ms (value: errors)', rtm: rtmSide, baseline: baseSide, ratio: ratioOf(rtmSide, baseSide, 'p99'), compare: 'p99',
    target, holds: rtmSide.summary.p99 <= limitMs && m.bad === 0,
    note: `open loop, latency from each request's slot; requests went out late (generator lateness + waits for a free socket) by p99 ${lr.p99} ms (RTM side), ${lb.p99} ms (minimal side); ${cpuNote(m, b)}`,
  };
}

function throughputRow(key: string, label: string, o: Map<Who, Windows>, build: Build, target: string, minRatio: number): BenchRow {
  const m = merged(o.get(build));
  const b = merged(o.get('base'));
  const rtmSide = side('RTM', m.latencies, m.ok / m.seconds);
  const baseSide = side('minimal fastify+pg', b.latencies, b.ok / b.seconds);
  const ratio = ratioOf(rtmSide, baseSide, 'value');
  return {
    key, label, unit: 'req/s (med..p99: latency ms)', rtm: rtmSide, baseline: baseSide, ratio, compare: 'value', target, holds: ratio !== null && ratio >= minRatio && m.bad === 0,
    note: cpuNote(m, b),
  };
}

const databaseOf = (url: string) => new URL(url).pathname.slice(1);

/** A second bench database seeded like the first (the same game ids): the compare build's. */
async function seededCopy(run: BenchRun, build: Build, runId: string): Promise<string> {
  const { url, pool } = await benchDatabase(run, `rest_${build}`);
  await seed(pool, runId);
  return url;
}
