// npm run soak [-- --minutes 10] [-- --games 30] [-- --concurrency 3]
//
// Random operations over N games against the real RTM process (private PostgreSQL and Redis,
// Docker through a socket proxy, as in the fault suite), with engines dying at random and one
// outage of each kind (Docker, PostgreSQL, Redis), each longer than the lease TTL + 10 s. Ends
// by letting RTM settle and checking: every job answered exactly once, zero drift (records
// equal Docker), zero leaked containers, flat fds and RSS of the RTM process (from /proc).
// Prints one table; exits 1 when a check fails. Everything it made is removed on success,
// error and SIGINT (the private servers' and the scenario's exit guards). Not run by CI.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/app/project-root.js';
import { Scenario, startFaultStack, type FaultStack } from '../test/faults/support/fault-stack.js';
import { LobbyStandIn, rest, readyz } from '../test/faults/support/lobby-stand-in.js';
import { OUTAGE_MS } from '../test/faults/support/outage-run.js';
import { driftProblems, jobProblems, ownedContainers, readOperations } from '../test/faults/support/world-audit.js';
import { preflight } from '../test/support/bootstrap-preflight.js';
import { ENGINE_IMAGE, ENGINE_IMAGE_PATCH, TEST_DOCKER_HOST, TEST_DOCKER_NETWORK } from '../test/support/test-env.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    games: { type: 'string', default: '30' },
    concurrency: { type: 'string', default: '3' },
  },
});
const MINUTES = Number(args.minutes);
const GAMES = Number(args.games);
const CONCURRENCY = Number(args.concurrency);
const SETTLE_MS = 120_000;
/** fds may wobble by a few (sockets opening and closing); RSS by a GC cycle. */
const FD_GROWTH_MAX = 10;
const RSS_GROWTH_MAX = 0.25;

interface Sample {
  atMs: number;
  fds: number;
  rssKb: number;
}

const counts = new Map<string, number>();
const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;

function sampleProcess(pid: number): Sample | null {
  try {
    const fds = readdirSync(`/proc/${pid}/fd`).length;
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { atMs: Date.now(), fds, rssKb: Number(rss?.[1] ?? 0) };
  } catch {
    return null;
  }
}

async function randomOperation(s: Scenario, lobby: LobbyStandIn, games: readonly string[]): Promise<void> {
  const game = pick(games);
  const base = await s.baseUrl();
  const r = Math.random();
  try {
    if (r < 0.3) {
      await lobby.startJob(game, Math.random() < 0.8 ? ENGINE_IMAGE : ENGINE_IMAGE_PATCH);
      count('job start');
    } else if (r < 0.5) {
      await lobby.stopJob(game, pick(['cancelled', 'finished', 'admin_request', 'timeout']));
      count('job stop');
    } else {
      const [name, method, path, body] = pick([
        ['restart', 'POST', `/runtimes/${game}/restart`, {}],
        ['patch', 'POST', `/runtimes/${game}/patch`, { image_ref: pick([ENGINE_IMAGE, ENGINE_IMAGE_PATCH]) }],
        ['cleanup', 'DELETE', `/runtimes/${game}/container`, undefined],
        ['start', 'POST', `/runtimes/${game}/start`, { image_ref: ENGINE_IMAGE }],
        ['stop', 'POST', `/runtimes/${game}/stop`, { reason: 'admin_request' }],
        ['get', 'GET', `/runtimes/${game}`, undefined],
      ] as const);
      const a = await rest(base, method, path, body);
      count(`rest ${name} ${a.status}${a.status >= 400 || a.status === 0 ? ` ${a.code}` : ''}`);
    }
  } catch (err) {
    // Lobby itself cannot write a job while Redis is down: that is not a job RTM got.
    count(`lobby could not submit (${(err as Error).message.slice(0, 40)})`);
  }
}

function killRandomEngine(games: readonly string[]): void {
  const running = ownedContainers(games).filter((c) => c.running);
  if (running.length === 0) return;
  try {
    execFileSync('docker', ['kill', pick(running).id], { stdio: 'ignore' });
    count('engine killed');
  } catch {
    count('engine kill raced an operation'); // it stopped or went away meanwhile
  }
}

async function pollUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function main(): Promise<number> {
  // The soak starts private PostgreSQL and Redis; Docker, the network and the images are the machine's.
  const targets = { dockerHost: TEST_DOCKER_HOST, network: TEST_DOCKER_NETWORK, images: [ENGINE_IMAGE, ENGINE_IMAGE_PATCH] };
  if (!(await preflight('npm run soak', targets, (line) => process.stderr.write(`${line}\n`)))) return 1;
  let stack: FaultStack | null = null;
  let s: Scenario | null = null;
  try {
    stack = await startFaultStack();
    const theStack = stack;
    s = await Scenario.create(stack, { RTMANAGER_PROBE_INTERVAL: '2', RTMANAGER_INSPECT_INTERVAL: '2', RTMANAGER_RECONCILE_INTERVAL: '2' });
    const scenario = s;
    const lobby = new LobbyStandIn(s.redis, s.prefix);
    const games = Array.from({ length: GAMES }, (_, i) => scenario.game(`soak${i}`));
    const rtm = await s.startRtm();
    const pid = rtm.child.pid!;
    let rtmExit: string | null = null;
    void rtm.exited.then(({ code, signal }) => {
      const last = rtm.logs.filter((l) => ['error', 'fatal'].includes(String(l.level))).slice(-3).map((l) => `${String(l.msg)} ${JSON.stringify(l.err ?? '').slice(0, 300)}`);
      rtmExit = `exited code=${code} signal=${signal} at +${((Date.now() - startedAt) / 1000).toFixed(0)}s; last errors: ${last.join(' | ')}; stderr: ${rtm.stderr.join('').slice(-500)}`;
    });
    const startedAt = Date.now();
    const endAt = startedAt + MINUTES * 60_000;
    const samples: Sample[] = [];
    const sampler = setInterval(() => {
      const x = sampleProcess(pid);
      if (x) samples.push(x);
    }, 5_000);

    const outages = [
      { name: 'docker', at: 0.2, cut: () => theStack.docker.cut(), undo: () => theStack.docker.restore() },
      { name: 'postgres', at: 0.45, cut: () => theStack.postgres.stop(), undo: () => theStack.postgres.start() },
      { name: 'redis', at: 0.7, cut: () => theStack.redis.stop(), undo: () => theStack.redis.start() },
    ];
    const outageLog: string[] = [];
    const outagesDone = (async () => {
      for (const o of outages) {
        const at = startedAt + o.at * (endAt - startedAt);
        await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
        await o.cut();
        const cutAt = Date.now();
        await new Promise((r) => setTimeout(r, OUTAGE_MS));
        await o.undo();
        const undoneAt = Date.now();
        const back = await pollUntil(async () => (await readyz(await scenario.baseUrl())).status === 200, 60_000);
        outageLog.push(`${o.name} outage at +${((cutAt - startedAt) / 1000).toFixed(0)}s for ${((undoneAt - cutAt) / 1000).toFixed(1)}s, /readyz 200 ${back ? `${((Date.now() - undoneAt) / 1000).toFixed(1)}s after undo` : 'NOT within 60 s'}`);
      }
    })();

    const killer = setInterval(() => killRandomEngine(games), 15_000);
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (Date.now() < endAt) {
          await randomOperation(scenario, lobby, games);
          await new Promise((r) => setTimeout(r, 200 + Math.random() * 600));
        }
      }),
    );
    clearInterval(killer);
    await outagesDone;

    // Settle: every job answered, records equal Docker.
    const answered = await pollUntil(async () => {
      const results = await lobby.resultsByJob();
      return lobby.jobs.every((j) => results.has(`${j.kind}:${j.jobId}`));
    }, SETTLE_MS);
    let drift = await driftProblems(scenario.pool, games);
    await pollUntil(async () => (drift = await driftProblems(scenario.pool, games)).length === 0, SETTLE_MS);
    clearInterval(sampler);
    const jobs = await jobProblems(lobby, { expectSuccess: false });
    const failures = new Map<string, number>();
    for (const f of [...jobs.results.values()].flat())
      if (f.outcome === 'failure') failures.set(f.error_code ?? '', (failures.get(f.error_code ?? '') ?? 0) + 1);
    const outageFailures = (failures.get('service_unavailable') ?? 0) + (failures.get('docker_unavailable') ?? 0);
    const leaked = drift.filter((p) => p.includes('orphan') || p.includes('owned containers'));
    const ops = await readOperations(scenario.pool, games);

    // Resources: the first samples after a minute's warm-up against the last ones.
    const warm = samples.filter((x) => x.atMs >= startedAt + Math.min(60_000, (endAt - startedAt) / 4));
    const head = warm.slice(0, 3);
    const tail = warm.slice(-3);
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const fdsFirst = med(head.map((x) => x.fds));
    const fdsLast = med(tail.map((x) => x.fds));
    const rssFirst = med(head.map((x) => x.rssKb));
    const rssLast = med(tail.map((x) => x.rssKb));
    const fdsFlat = fdsLast - fdsFirst <= FD_GROWTH_MAX;
    const rssFlat = rssFirst > 0 && rssLast <= rssFirst * (1 + RSS_GROWTH_MAX);

    const rows: Array<[string, string, boolean | null]> = [
      ['duration', `${MINUTES} min, ${GAMES} games, ${CONCURRENCY} callers`, null],
      ['RTM process alive', rtmExit ?? 'yes', rtmExit === null],
      ['jobs submitted', String(lobby.jobs.length), null],
      ['jobs answered exactly once', `${lobby.jobs.length - jobs.problems.length}/${lobby.jobs.length}${answered ? '' : ' (settle deadline passed)'}`, jobs.problems.length === 0],
      ['job failures by code', [...failures].map(([k, v]) => `${k}=${v}`).join(' ') || 'none', null],
      ['jobs failed by an outage', String(outageFailures), outageFailures === 0],
      ['operation_log rows', String(ops.length), null],
      ['drift after settle', drift.length === 0 ? '0' : `${drift.length}: ${drift.slice(0, 3).join('; ')}`, drift.length === 0],
      ['leaked containers', String(leaked.length), leaked.length === 0],
      ['fds (RTM)', `${fdsFirst} → ${fdsLast} (max ${Math.max(...samples.map((x) => x.fds))}, ${samples.length} samples)`, fdsFlat],
      ['RSS MiB (RTM)', `${(rssFirst / 1024).toFixed(0)} → ${(rssLast / 1024).toFixed(0)} (max ${(Math.max(...samples.map((x) => x.rssKb)) / 1024).toFixed(0)})`, rssFlat],
      ...outageLog.map((l) => ['outage', l, !l.includes('NOT')] as [string, string, boolean]),
      ...[...counts].sort().map(([k, v]) => ['calls', `${k}: ${v}`, null] as [string, string, null]),
    ];
    const w = Math.max(...rows.map((r) => r[0].length));
    process.stdout.write(`\n| ${'check'.padEnd(w)} | result | ok |\n| ${'-'.repeat(w)} | --- | --- |\n`);
    for (const [k, v, ok] of rows) process.stdout.write(`| ${k.padEnd(w)} | ${v} | ${ok === null ? '' : ok ? 'yes' : 'NO'} |\n`);
    const logFile = path.join(projectRoot(), '.tmp', `soak-rtm-${new Date(startedAt).toISOString().replace(/[:.]/g, '-')}.jsonl`);
    mkdirSync(path.dirname(logFile), { recursive: true });
    writeFileSync(logFile, `${[...rtm.logs.map((l) => JSON.stringify(l)), ...rtm.stderr.map((e) => JSON.stringify({ stderr: e }))].join('\n')}\n`);
    process.stdout.write(`\nRTM's log lines: ${logFile}\n`);
    if (jobs.problems.length > 0) process.stdout.write(`\njob problems (first 10):\n  ${jobs.problems.slice(0, 10).join('\n  ')}\n`);
    return rows.some((r) => r[2] === false) ? 1 : 0;
  } finally {
    await s?.dispose().catch((err: unknown) => process.stderr.write(`soak cleanup: ${String(err)}\n`));
    await stack?.dispose();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`soak failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(2);
  },
);
