// Issue 21 items 2, 3 and 6 on real processes: two (or three) RTM instances on one
// PostgreSQL, Redis and Docker. (1) The leader SIGKILLed under 200 start/stop jobs: the standby leads within the
// lease TTL + 5 s (default TTL, 15 s) and resumes from the stored offsets; every job is
// answered exactly once. (2) The leader SIGSTOPped inside a start job past its lease, the
// standby takes over, then SIGCONT: the resumed process's writes are rejected by the stores
// (the epoch moved on), it steps down, and the job is answered once, by the new leader.
// (3) PostgreSQL restarted under the pair, down past the renew deadline: the leader steps
// down by itself (it cannot renew), one instance leads again once PostgreSQL is back (a new
// epoch), and every job submitted before and during the outage is answered once.
// (4) Three instances, the leader SIGKILLed twice in a row: each time exactly one of the
// survivors leads, with a higher epoch, and every job is answered once.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { onContainerEvent } from './support/docker-event-trigger.js';
import { Scenario, startFaultStack, type FaultStack } from './support/fault-stack.js';
import { LobbyStandIn } from './support/lobby-stand-in.js';
import { RtmCluster, type ClusterMember } from './support/rtm-cluster.js';
import { describeOps, driftProblems, jobProblems, readOperations } from './support/world-audit.js';
import { ENGINE_IMAGE, eventually } from '../support/test-env.js';

const DEFAULT_LEADER_TTL_MS = 15_000;

let stack: FaultStack;
let scenario: Scenario | null = null;
let cluster: RtmCluster | null = null;

beforeAll(async () => {
  stack = await startFaultStack();
}, 180_000);

afterEach(async () => {
  await cluster?.dispose();
  cluster = null;
  await scenario?.dispose();
  scenario = null;
}, 90_000);

afterAll(async () => {
  await stack?.dispose();
}, 60_000);

async function allAnswered(lobby: LobbyStandIn, timeoutMs: number): Promise<void> {
  await eventually(async () => {
    const results = await lobby.resultsByJob();
    return lobby.jobs.every((j) => results.has(`${j.kind}:${j.jobId}`)) ? true : undefined;
  }, { timeoutMs, intervalMs: 250, message: 'not every job was answered' });
}

async function converged(s: Scenario, timeoutMs: number): Promise<string[]> {
  return eventually(async () => {
    const problems = await driftProblems(s.pool, s.games);
    return problems.length === 0 ? problems : undefined;
  }, { timeoutMs, intervalMs: 250 }).catch(() => driftProblems(s.pool, s.games));
}

const other = (c: RtmCluster, m: ClusterMember) => c.members.find((x) => x !== m)!;

describe('several RTM instances: leader failover', () => {
  it('leader SIGKILLed under 200 jobs: a new leader within TTL + 5 s; 200 results, each once', async () => {
    const s = (scenario = await Scenario.create(stack));
    const c = (cluster = new RtmCluster(s));
    await c.spawn('rtm-a');
    await c.spawn('rtm-b');
    const leader = await c.leader();
    const standby = other(c, leader);
    expect(await c.role(standby)).toBe('standby');

    const lobby = new LobbyStandIn(s.redis, s.prefix);
    const games = Array.from({ length: 10 }, (_, i) => s.game(`j${i}`));
    for (let round = 0; round < 10; round++)
      for (const game of games) {
        await lobby.startJob(game, ENGINE_IMAGE);
        await lobby.stopJob(game);
      }
    expect(lobby.jobs).toHaveLength(200);

    await eventually(async () => ((await lobby.resultsByJob()).size >= 40 ? true : undefined), { timeoutMs: 120_000, intervalMs: 100 });
    const answeredAtKill = (await lobby.resultsByJob()).size;
    const killedAt = Date.now();
    c.kill(leader);
    await leader.rtm.exited;
    const next = await c.leader(DEFAULT_LEADER_TTL_MS + 10_000, [standby]);
    const failoverMs = Date.now() - killedAt;
    const firstResultAfter = await eventually(async () => {
      const after = (await lobby.entries('runtime:job_results')).find((e) => Number(e.id.split('-')[0]) > killedAt);
      return after ? Number(after.id.split('-')[0]) - killedAt : undefined;
    }, { timeoutMs: 60_000, intervalMs: 100 });
    await allAnswered(lobby, 240_000);
    const { problems, results } = await jobProblems(lobby, { expectSuccess: false });
    const becameLeader = next.rtm.logs.find((l) => String(l.msg).startsWith('role changed: leader'));
    const byOutcome = [...results.values()].map((r) => r[0]?.error_code || r[0]?.outcome).reduce<Record<string, number>>((acc, k) => ({ ...acc, [k ?? '?']: (acc[k ?? '?'] ?? 0) + 1 }), {});
    console.info(
      `[leader-failover] SIGKILL of ${leader.instanceId} with ${answeredAtKill}/200 answered; ${next.instanceId} leader after ${failoverMs} ms ` +
        `(epoch ${String(becameLeader?.epoch)}, takeover ${String(becameLeader?.takeover)}); first result of the new leader ${firstResultAfter} ms after the kill; outcomes ${JSON.stringify(byOutcome)}`,
    );

    expect(failoverMs).toBeLessThanOrEqual(DEFAULT_LEADER_TTL_MS + 5_000);
    expect(becameLeader?.takeover).toBe('expired');
    expect(problems).toEqual([]);
    expect(results.size).toBe(200);
    expect(await converged(s, 60_000)).toEqual([]);
  }, 420_000);

  it('leader SIGSTOPped inside a start past its lease, then SIGCONT: its writes are rejected by the stores and it steps down; the job is answered once', async () => {
    // The game's lease (30 s) outlives the pause, the leader lease (3 s) does not: on SIGCONT
    // the start goes on to its record write, which only the fence can stop.
    const s = (scenario = await Scenario.create(stack, { RTMANAGER_LEADER_LEASE_TTL: '3', RTMANAGER_LEASE_TTL: '30' }));
    const c = (cluster = new RtmCluster(s));
    await c.spawn('rtm-a');
    await c.spawn('rtm-b');
    const leader = await c.leader();
    const standby = other(c, leader);
    const lobby = new LobbyStandIn(s.redis, s.prefix);
    const game = s.game('paused');

    // Frozen at the create of the game's container: the start is in flight, its lease held.
    const trigger = await onContainerEvent(game, (e) => e.action === 'create', () => c.kill(leader, 'SIGSTOP'));
    await lobby.startJob(game, ENGINE_IMAGE);
    await trigger.fired.finally(() => trigger.close());
    const next = await c.leader(20_000, [standby]);
    expect(next).toBe(standby);
    c.kill(leader, 'SIGCONT');

    const stale = (l: Record<string, unknown>) => l.msg === 'write rejected by the store: its leader term is over';
    const resumedAt = leader.rtm.logs.length;
    const tail = () => leader.rtm.logs.slice(Math.max(0, resumedAt - 5)).map((l) => JSON.stringify(l).slice(0, 400)).join('\n  ');
    await leader.rtm.waitForLog((l) => l.msg === 'role changed: standby', 30_000).catch(() => Promise.reject(new Error(`no step-down; logs:\n  ${tail()}`)));
    await leader.rtm.waitForLog(stale, 30_000).catch(() => Promise.reject(new Error(`no rejected write; logs:\n  ${tail()}`)));
    await allAnswered(lobby, 60_000);
    const { problems, results } = await jobProblems(lobby);
    const drift = await converged(s, 30_000);
    const answer = [...results.values()][0]?.[0];
    const ops = await readOperations(s.pool, [game]);
    const stepDown = leader.rtm.logs.find((l) => l.msg === 'role changed: standby');
    const rejected = leader.rtm.logs.filter(stale).map((l) => `${String(l.dependency)}: ${String(l.problem)}`);
    console.info(`[leader-failover] SIGSTOP/SIGCONT: ${leader.instanceId} stepped down (${String(stepDown?.reason)}); job answered ${answer?.outcome} ${answer?.error_code ?? ''} by a process whose container is ${answer?.container_id?.slice(0, 12)}; rejected writes:\n  ${rejected.join('\n  ')}\n  op log:\n  ${describeOps(ops)}`);

    expect(await c.role(leader)).toBe('standby');
    expect(await c.role(next)).toBe('leader');
    expect(rejected.length).toBeGreaterThan(0);
    // The resumed start's next Docker call (starting its container) is refused too: by its own clock, its term is over.
    expect(rejected.some((r) => r.startsWith('docker: starting container')), rejected.join('\n')).toBe(true);
    expect(problems).toEqual([]);
    expect(drift).toEqual([]);
  }, 240_000);

  it('PostgreSQL restarted under a pair: the leader steps down past its renew deadline, one leads again after, every job answered once', async () => {
    const s = (scenario = await Scenario.create(stack, { RTMANAGER_LEADER_LEASE_TTL: '3' }));
    const c = (cluster = new RtmCluster(s));
    await c.spawn('rtm-a');
    await c.spawn('rtm-b');
    const leader = await c.leader();
    const lobby = new LobbyStandIn(s.redis, s.prefix);
    const games = Array.from({ length: 3 }, (_, i) => s.game(`pg${i}`));
    for (const game of games) await lobby.startJob(game, ENGINE_IMAGE);
    await allAnswered(lobby, 60_000);

    const downAt = Date.now();
    await stack.postgres.stop();
    try {
      for (const game of games) await lobby.stopJob(game);
      await leader.rtm.waitForLog((l) => l.msg === 'role changed: standby' && String(l.reason).startsWith('no renewal within the renew deadline'), 20_000);
    } finally {
      await stack.postgres.start();
    }
    const upAt = Date.now();
    const next = await c.leader(30_000);
    const elected = next.rtm.logs.filter((l) => String(l.msg).startsWith('role changed: leader')).at(-1);
    await allAnswered(lobby, 90_000);
    const { problems } = await jobProblems(lobby);
    const drift = await converged(s, 60_000);
    const stepDown = leader.rtm.logs.find((l) => l.msg === 'role changed: standby');
    console.info(
      `[leader-failover] PostgreSQL down ${upAt - downAt} ms: ${leader.instanceId} stepped down ${Date.parse(String(stepDown?.time)) - downAt} ms after the stop (${String(stepDown?.reason)}); ` +
        `${next.instanceId} leads with epoch ${String(elected?.epoch)} (${String(elected?.takeover)}) ${Date.parse(String(elected?.time)) - upAt} ms after PostgreSQL was back`,
    );

    expect(Number(elected?.epoch)).toBeGreaterThan(1);
    expect(problems).toEqual([]);
    expect(drift).toEqual([]);
  }, 240_000);

  it('three instances, the leader SIGKILLed twice: exactly one survivor leads each time, every job answered once', async () => {
    const s = (scenario = await Scenario.create(stack, { RTMANAGER_LEADER_LEASE_TTL: '3' }));
    const c = (cluster = new RtmCluster(s));
    for (const id of ['rtm-a', 'rtm-b', 'rtm-c']) await c.spawn(id);
    const lobby = new LobbyStandIn(s.redis, s.prefix);
    // Stop jobs of games without a record: answered without Docker work, so only the handover is measured.
    const submit = async (n: number, tag: string) => {
      for (let i = 0; i < n; i++) await lobby.stopJob(`${s.gamePrefix}none-${tag}-${i}`);
    };
    const epochs: number[] = [];
    const handovers: string[] = [];
    for (const round of [1, 2, 3]) {
      const leader = await c.leader(20_000);
      const became = leader.rtm.logs.filter((l) => String(l.msg).startsWith('role changed: leader')).at(-1);
      epochs.push(Number(became?.epoch));
      await submit(20, `r${round}`);
      if (round === 3) break;
      const killedAt = Date.now();
      c.kill(leader);
      await leader.rtm.exited;
      const next = await c.leader(20_000);
      handovers.push(`${leader.instanceId} -> ${next.instanceId} in ${Date.now() - killedAt} ms`);
    }
    await allAnswered(lobby, 60_000);
    const { problems, results } = await jobProblems(lobby, { expectSuccess: false });
    console.info(`[leader-failover] three instances: ${handovers.join(', ')}; epochs ${epochs.join(' < ')}; ${results.size} results`);

    expect(epochs[1]).toBeGreaterThan(epochs[0]!);
    expect(epochs[2]).toBeGreaterThan(epochs[1]!);
    expect(c.live()).toHaveLength(1);
    expect(problems).toEqual([]);
    expect(results.size).toBe(60);
  }, 240_000);
});
