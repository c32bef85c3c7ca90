// One dependency outage against a live RTM, the same way for every kind: games in every
// situation (a stop job and a start job waiting out the outage, an engine dying during it, a
// REST start refused during it, a start job after it), the fault held for longer than the
// lease TTL + 10 s, undone, and then everything measured and audited.
import { execFileSync } from 'node:child_process';
import { ENGINE_IMAGE } from '../../support/test-env.js';
import { LEASE_TTL_MS, type Scenario } from './fault-stack.js';
import { FaultTimeline } from './fault-timeline.js';
import { LobbyStandIn, rest, type Fields, type RestAnswer } from './lobby-stand-in.js';
import { restStart } from './operations.js';
import { driftProblems, jobProblems, readOperations, readRecords, type OpRow, type RecordRow } from './world-audit.js';

/** Longer than the lease TTL + 10 s: the outage that used to turn jobs into failures. */
export const OUTAGE_MS = LEASE_TTL_MS + 12_000;
const SETTLE_MS = 60_000;

export interface OutageKind {
  name: string;
  cut(): Promise<void>;
  undo(): Promise<void>;
  /** Jobs cannot be written while the fault lasts (Redis down): submit them just before. */
  jobsBeforeCut?: boolean;
  /** The fault itself kills every engine (a dockerd restart without live-restore). */
  killsEngines?: boolean;
}

export interface OutageOutcome {
  timeline: Record<string, unknown>;
  restDuring: RestAnswer;
  drift: string[];
  jobs: string[];
  results: Map<string, Fields[]>;
  ops: OpRow[];
  records: Map<string, RecordRow>;
  exitedEvents: Fields[];
  games: { stopDuring: string; dies: string; startDuring: string; restDuring: string; startAfter: string };
  diedContainer: string;
}

async function metricsLines(s: Scenario): Promise<Map<string, string>> {
  try {
    const text = await (await fetch(`${await s.baseUrl()}/metrics`, { signal: AbortSignal.timeout(3_000) })).text();
    return new Map(
      text
        .split('\n')
        .filter((l) => l.startsWith('rtmanager_') && !l.includes('_bucket') && !l.includes('duration'))
        .map((l) => [l.slice(0, l.lastIndexOf(' ')), l.slice(l.lastIndexOf(' ') + 1)]),
    );
  } catch {
    return new Map();
  }
}

async function pollUntil(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
}

export async function runOutage(s: Scenario, kind: OutageKind): Promise<OutageOutcome> {
  const lobby = new LobbyStandIn(s.redis, s.prefix);
  const rtm = await s.startRtm();
  const games = {
    stopDuring: s.game(`${kind.name}-stop`),
    dies: s.game(`${kind.name}-dies`),
    startDuring: s.game(`${kind.name}-start`),
    restDuring: s.game(`${kind.name}-rest`),
    startAfter: s.game(`${kind.name}-after`),
  };
  for (const g of [games.stopDuring, games.dies]) {
    const a = await restStart(s, g);
    if (a.status !== 200) throw new Error(`setup: start ${g} answered ${a.status} ${a.code}`);
  }
  const diedContainer = (await readRecords(s.pool, [games.dies])).get(games.dies)!.current_container_id!;
  const timeline = new FaultTimeline(kind.name, () => s.baseUrl(), () => rtm.logs);
  timeline.startPolling();
  const metricsBefore = await metricsLines(s);

  const submitDuringJobs = async () => {
    await lobby.stopJob(games.stopDuring, 'admin_request');
    await lobby.startJob(games.startDuring, ENGINE_IMAGE);
  };
  if (kind.jobsBeforeCut) await submitDuringJobs();
  await kind.cut();
  timeline.fault(`${kind.name} cut for ${OUTAGE_MS / 1000} s`);
  const undoAt = Date.now() + OUTAGE_MS;
  if (!kind.jobsBeforeCut) await submitDuringJobs();
  timeline.mark('jobs waiting: stop + start');
  const restDuring = await restStart(s, games.restDuring);
  timeline.mark(`REST start during the fault -> ${restDuring.status} ${restDuring.code} in ${restDuring.ms} ms`);
  if (restDuring.status !== 200) timeline.error(`REST ${restDuring.status} ${restDuring.code}`);
  if (!kind.killsEngines) {
    execFileSync('docker', ['kill', diedContainer], { stdio: 'ignore' });
    timeline.mark(`engine of ${games.dies} killed (docker kill)`);
  }
  const listDuring = await rest(await s.baseUrl(), 'GET', '/runtimes?limit=5');
  timeline.mark(`REST list during the fault -> ${listDuring.status} ${listDuring.code ?? ''} in ${listDuring.ms} ms`);
  await new Promise((r) => setTimeout(r, Math.max(0, undoAt - Date.now())));

  await kind.undo();
  timeline.restore(kind.name);
  const recoveredAt = await timeline.recovered(SETTLE_MS).catch(() => null);
  await lobby.startJob(games.startAfter, ENGINE_IMAGE);

  // Everything the fault delayed must now happen by itself.
  let results = await lobby.resultsByJob();
  await pollUntil(async () => {
    results = await lobby.resultsByJob();
    return lobby.jobs.every((j) => results.has(`${j.kind}:${j.jobId}`));
  }, SETTLE_MS);
  const answeredAt = [...results.values()].flat().map((f) => Number(f.completed_at_ms)).filter(Number.isFinite);
  const allGames = Object.values(games);
  let drift = await driftProblems(s.pool, allGames);
  await pollUntil(async () => (drift = await driftProblems(s.pool, allGames)).length === 0, SETTLE_MS);
  let exitedEvents: Fields[] = [];
  await pollUntil(async () => {
    exitedEvents = (await lobby.healthEvents([games.dies])).filter((e) => e.event_type === 'container_exited' && e.container_id === diedContainer);
    return exitedEvents.length > 0;
  }, 20_000);
  // A second, duplicate event would arrive within a few reconcile/inspect rounds.
  await new Promise((r) => setTimeout(r, 3_000));
  exitedEvents = (await lobby.healthEvents([games.dies])).filter((e) => e.event_type === 'container_exited' && e.container_id === diedContainer);

  const metricsAfter = await metricsLines(s);
  timeline.facts.health_events_of_dead_engine = (await lobby.healthEvents([games.dies])).map((e) => `${e.event_type} ${(e.container_id ?? "").slice(0, 12)}`);
  timeline.facts.rest_during = `${restDuring.status} ${restDuring.code} in ${restDuring.ms} ms`;
  timeline.facts.readyz_recovered = recoveredAt !== null;
  timeline.facts.container_exited_published = exitedEvents.length;
  timeline.facts.metrics_changed = [...metricsAfter].filter(([k, v]) => metricsBefore.get(k) !== v && !k.includes('stream_lag')).map(([k, v]) => `${k} ${metricsBefore.get(k) ?? '∅'}→${v}`);
  const ops = await readOperations(s.pool, allGames);
  const jobs = await jobProblems(lobby);
  timeline.facts.job_outcomes = lobby.jobs.map((j) => {
    const r = results.get(`${j.kind}:${j.jobId}`)?.[0];
    return `${j.kind} ${j.gameId.split('-').slice(1, 3).join('-')}: ${r ? `${r.outcome} ${r.error_code} +${((Number(r.completed_at_ms) - j.submittedAt) / 1000).toFixed(1)}s after submit` : 'unanswered'}`;
  });
  const summary = await timeline.finish(answeredAt.length > 0 ? Math.max(...answeredAt) : null);
  return {
    timeline: summary,
    restDuring,
    drift,
    jobs: jobs.problems,
    results,
    ops,
    records: await readRecords(s.pool, allGames),
    exitedEvents,
    games,
    diedContainer,
  };
}

/** Rows the outage must leave: one per job outcome (no retry noise). */
export function jobRowProblems(o: OutageOutcome): string[] {
  const expected: Array<[string, string]> = [
    [o.games.stopDuring, 'stop'],
    [o.games.startDuring, 'start'],
    [o.games.startAfter, 'start'],
  ];
  return expected
    .map(([game, kind]) => [game, kind, o.ops.filter((r) => r.game_id === game && r.op_kind === kind && r.op_source === 'lobby_stream').length] as const)
    .filter(([, , n]) => n !== 1)
    .map(([game, kind, n]) => `${game}: ${n} ${kind}/lobby_stream rows for one job`);
}
