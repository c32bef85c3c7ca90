// SIGKILL of the real RTM process at chosen Docker events inside each operation (CONTRACT §1,
// issue 9 item 10), then a restart of RTM on the same database and Redis prefix. After each:
// every job answered exactly once, records equal Docker (no orphan, one container per game),
// one op-log row per operation (the outer restart/patch row visible after the interruption),
// and the operation, retried by the caller, reaches its intended state.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { onContainerEvent, type ContainerEvent } from './support/docker-event-trigger.js';
import { LEASE_TTL_MS, Scenario, startFaultStack, type FaultStack } from './support/fault-stack.js';
import { eventually } from '../support/test-env.js';
import { LobbyStandIn } from './support/lobby-stand-in.js';
import { OP_KIND, intendedStatus, issue, prepare, retryToIntendedState, type OpName, type Via } from './support/operations.js';
import { describeOps, driftProblems, jobProblems, ownedContainers, readOperations, readRecords, rowsOf, type OpRow } from './support/world-audit.js';

interface KillPoint {
  op: OpName;
  via: Via;
  action: string;
  /** Which container's event: the one the game had before the operation, or a new one. */
  of: 'old' | 'new';
}

const KILL_POINTS: KillPoint[] = [
  { op: 'start', via: 'rest', action: 'create', of: 'new' },
  { op: 'start', via: 'rest', action: 'start', of: 'new' },
  { op: 'start', via: 'stream', action: 'create', of: 'new' },
  { op: 'start', via: 'stream', action: 'start', of: 'new' },
  { op: 'stop', via: 'rest', action: 'kill', of: 'old' },
  { op: 'stop', via: 'rest', action: 'stop', of: 'old' },
  { op: 'stop', via: 'stream', action: 'kill', of: 'old' },
  { op: 'stop', via: 'stream', action: 'stop', of: 'old' },
  { op: 'restart', via: 'rest', action: 'stop', of: 'old' },
  { op: 'restart', via: 'rest', action: 'destroy', of: 'old' },
  { op: 'restart', via: 'rest', action: 'create', of: 'new' },
  { op: 'restart', via: 'rest', action: 'start', of: 'new' },
  { op: 'patch', via: 'rest', action: 'stop', of: 'old' },
  { op: 'patch', via: 'rest', action: 'destroy', of: 'old' },
  { op: 'patch', via: 'rest', action: 'create', of: 'new' },
  { op: 'patch', via: 'rest', action: 'start', of: 'new' },
  { op: 'cleanup', via: 'rest', action: 'destroy', of: 'old' },
];

const CONVERGE_MS = 30_000;

let stack: FaultStack;
let scenario: Scenario | null = null;

beforeAll(async () => {
  stack = await startFaultStack();
}, 180_000);

afterEach(async () => {
  await scenario?.dispose();
  scenario = null;
}, 60_000);

afterAll(async () => {
  await stack?.dispose();
}, 60_000);

/** Polls until records and Docker agree; returns the last problems seen (empty = agreed). */
async function converge(s: Scenario): Promise<string[]> {
  const deadline = Date.now() + CONVERGE_MS;
  let problems = await driftProblems(s.pool, s.games);
  while (problems.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    problems = await driftProblems(s.pool, s.games);
  }
  return problems;
}

async function allJobsAnswered(s: Scenario, lobby: LobbyStandIn): Promise<void> {
  const deadline = Date.now() + CONVERGE_MS;
  while (Date.now() < deadline) {
    const results = await lobby.resultsByJob();
    if (lobby.jobs.every((j) => results.has(`${j.kind}:${j.jobId}`))) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `select` of the game's op log, polled (test-env's `eventually`) until it holds a row or the deadline passes. */
async function eventuallyRows(s: Scenario, gameId: string, select: (ops: OpRow[]) => OpRow[], withinMs: number) {
  const rows = async () => select(await readOperations(s.pool, [gameId]));
  return eventually(async () => {
    const found = await rows();
    return found.length > 0 ? found : undefined;
  }, { timeoutMs: withinMs, intervalMs: 250 }).catch(() => rows());
}

describe('SIGKILL of RTM at a Docker event inside an operation', () => {
  for (const { op, via, action, of } of KILL_POINTS) {
    it(`${op} via ${via}, killed at the ${of} container's ${action}`, async () => {
      const s = (scenario = await Scenario.create(stack));
      const lobby = new LobbyStandIn(s.redis, s.prefix);
      const gameId = s.game(`${op.slice(0, 3)}-${action}`);
      await s.startRtm();
      const oldContainer = await prepare(s, op, gameId);

      const matches = (e: ContainerEvent) => e.action === action && (of === 'old' ? e.containerId === oldContainer : e.containerId !== oldContainer);
      const trigger = await onContainerEvent(gameId, matches, () => s.killRtm());
      const exited = s.rtm!.exited;
      const inFlight = await issue(s, lobby, op, via, gameId);
      const fired = await trigger.fired.catch(async (err: Error) => {
        const answer = inFlight.answer ? await inFlight.answer : null;
        throw new Error(`${err.message}; the ${op} answered ${answer ? `${answer.status} ${JSON.stringify(answer.body)}` : '(a job)'}`);
      }).finally(() => trigger.close());
      await exited;
      const interrupted = inFlight.answer ? await inFlight.answer : null;
      const atKill = {
        event: `${fired.action} ${fired.containerId.slice(0, 12)}`,
        record: (await readRecords(s.pool, [gameId])).get(gameId) ?? null,
        containers: ownedContainers([gameId]).map((c) => `${c.id.slice(0, 12)}:${c.state}`),
        rest: interrupted ? `${interrupted.status} ${interrupted.code ?? ''}` : null,
      };

      await s.startRtm();
      await allJobsAnswered(s, lobby);
      const drift = await converge(s);
      const jobs = await jobProblems(lobby);
      const ops = await readOperations(s.pool, [gameId]);
      const source = via === 'stream' ? 'lobby_stream' : 'admin_rest';
      const ofThisOp = (rows: OpRow[]) => rows.filter((o) => o.op_kind === OP_KIND[op] && o.op_source === source);
      const opRows = ofThisOp(ops);
      const context = `at kill: ${JSON.stringify(atKill)}\n  op log:\n  ${describeOps(ops)}`;

      expect(drift, `records and Docker disagree after restart + reconcile\n  ${context}`).toEqual([]);
      expect(jobs.problems, `jobs\n  ${context}`).toEqual([]);
      if (via === 'stream') {
        // The job's outcome is recorded once, whether the replay did the work or found it done.
        expect(opRows.length, `one ${OP_KIND[op]} row per job\n  ${context}`).toBe(1);
      } else if (op === 'restart' || op === 'patch') {
        // The interrupted restart/patch is visible afterwards: its outer row exists, once.
        // The startup pass may find the killed process's lease still held (a quick restart)
        // and leave the game to a periodic pass once the lease lapses: poll that long.
        const outerRows = await eventuallyRows(s, gameId, ofThisOp, LEASE_TTL_MS + 5_000);
        expect(outerRows.length, `the interrupted ${op}'s outer row, once\n  ${context}\n  op log now:\n  ${describeOps(await readOperations(s.pool, [gameId]))}`).toBe(1);
      } else {
        expect(rowsOf(ops, gameId, OP_KIND[op], source).length, `at most one row for the interrupted ${op}\n  ${context}`).toBeLessThanOrEqual(1);
      }

      if (via === 'rest') {
        const retried = await retryToIntendedState(s, op, gameId);
        expect(retried?.status, `the ${op} retried after the restart: ${JSON.stringify(retried?.body)}\n  ${context}`).toBe(200);
      }
      const final = (await readRecords(s.pool, [gameId])).get(gameId);
      expect(final?.status, context).toBe(intendedStatus(op));
      expect(await converge(s), `after the retry\n  ${context}`).toEqual([]);
    }, 150_000);
  }
});
