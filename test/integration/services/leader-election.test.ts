// The election over the real PostgreSQL lease and Redis epoch, with recorded triggers and a
// 1 s lease (renew deadline 667 ms, retry 133 ms): one leader at a time, a handover on
// shutdown, a step-down on a rejected write (a leader paused past its lease), and a duplicate
// instance id found and reported.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AsyncLeaderFence } from '../../../src/adapters/memory/leader-fence.scope.js';
import { createRtmDatabase, type RtmDatabase } from '../../../src/adapters/postgres/database.js';
import { PostgresLeaderLeaseStore } from '../../../src/adapters/postgres/leader-lease.store.js';
import { RedisEpochFence } from '../../../src/adapters/redis/leader-epoch.fence.js';
import { RedisJobResultPublisher } from '../../../src/adapters/redis/job-result.publisher.js';
import type { FenceToken } from '../../../src/ports/leader-fence.js';
import type { LeaderLeaseStore } from '../../../src/ports/leader-lease.store.js';
import { electionSettingsFor, LeaderElectionService } from '../../../src/services/leadership/leader-election.service.js';
import { capturingLogger, connectTestRedis, deleteKeysWithPrefix } from '../../adapters/redis/redis-test-support.js';
import { createTestDatabase, eventually, testGameId, testRedisPrefix, type TestDatabase } from '../../support/test-env.js';

let testDb: TestDatabase;
let db: RtmDatabase;
let redis: Redis;
let prefix: string;
const running: LeaderElectionService[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createRtmDatabase(testDb.pool);
  redis = connectTestRedis();
});
afterAll(async () => {
  await redis.quit();
  await testDb?.drop();
});
beforeEach(async () => {
  prefix = testRedisPrefix();
  await testDb.pool.query('TRUNCATE rtmanager.leader_lease');
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((e) => e.stop()));
  await deleteKeysWithPrefix(redis, prefix);
});

class RecordedTriggers {
  readonly terms: number[] = [];
  stops = 0;
  active: FenceToken | null = null;
  standing = 0;
  standingBy(): void {
    this.standing += 1;
  }
  async start(token: FenceToken): Promise<void> {
    this.terms.push(token.epoch);
    this.active = token;
  }
  async stop(): Promise<void> {
    this.stops += 1;
    this.active = null;
  }
}

class RecordedMetrics {
  leader = 0;
  changes = 0;
  duplicate = 0;
  leaderRole(l: boolean) {
    this.leader = l ? 1 : 0;
  }
  leaderChanged() {
    this.changes += 1;
  }
  duplicateInstanceId() {
    this.duplicate = 1;
  }
}

function instance(instanceId: string, opts: { leases?: LeaderLeaseStore; renewDeadlineMs?: number } = {}) {
  const fence = new AsyncLeaderFence();
  const epochs = new RedisEpochFence(redis, { keyPrefix: prefix }, fence);
  const triggers = new RecordedTriggers();
  const metrics = new RecordedMetrics();
  const { logger, lines } = capturingLogger();
  const election = new LeaderElectionService({
    leases: opts.leases ?? new PostgresLeaderLeaseStore(db),
    redisEpoch: epochs,
    identity: { instanceId, bootId: randomUUID() },
    triggers,
    metrics,
    logger,
    settings: { ...electionSettingsFor(1_000), ...(opts.renewDeadlineMs ? { renewDeadlineMs: opts.renewDeadlineMs } : {}) },
  });
  fence.onRejected((e) => election.fenced(e));
  running.push(election);
  election.start();
  const results = new RedisJobResultPublisher(redis, `${prefix}runtime:job_results`, 0, { epochFence: epochs, answersKey: `${prefix}rtmanager:job_answers` });
  return { election, triggers, metrics, lines, fence, epochs, results };
}

const roleLines = (lines: Array<Record<string, unknown>>) => lines.filter((l) => String(l.msg).startsWith('role changed')).map((l) => l.msg);

describe('LeaderElectionService', () => {
  it('one leader among two; on its shutdown the standby takes over with the next epoch', async () => {
    const a = instance('rtm-a');
    await a.election.firstRound;
    const b = instance('rtm-b');
    await b.election.firstRound;
    expect(a.election.status).toMatchObject({ role: 'leader', epoch: 1 });
    expect(b.election.status).toMatchObject({ role: 'standby', epoch: null });
    expect(a.triggers.terms).toEqual([1]);
    expect(b.triggers.terms).toEqual([]);
    expect([a.triggers.standing, b.triggers.standing]).toEqual([0, 1]);
    expect([a.metrics.leader, b.metrics.leader]).toEqual([1, 0]);
    expect(await a.epochs.stored()).toBe(1);
    expect([a.election.holdsTerm(1), a.election.holdsTerm(2), b.election.holdsTerm(1)]).toEqual([true, false, false]);

    await a.election.stop();
    expect(a.election.holdsTerm(1)).toBe(false);
    expect(a.triggers.stops).toBe(1);
    await eventually(() => (b.election.status.role === 'leader' ? true : undefined), { timeoutMs: 2_000, intervalMs: 20 });
    expect(b.election.status.epoch).toBe(2);
    expect(b.triggers.terms).toEqual([2]);
    expect(await b.epochs.stored()).toBe(2);
    expect(roleLines(a.lines)).toEqual(['role changed: leader', 'role changed: standby']);
    expect(roleLines(b.lines)).toEqual(['role changed: leader']);
  });

  it('a leader paused past its lease: the standby takes over, the old term’s write is rejected, and it steps down', async () => {
    // A's renewals wait from the moment `paused` is set, as a SIGSTOPped process's would (its
    // renew deadline is long here, so only the fence can tell it that it lost the lease).
    let paused = false;
    let resume = () => undefined as void;
    const resumed = new Promise<void>((r) => (resume = r));
    const store = new PostgresLeaderLeaseStore(db);
    const pausable: LeaderLeaseStore = {
      acquire: (...args) => store.acquire(...args),
      renew: (...args) => (paused ? resumed.then(() => store.renew(...args)) : store.renew(...args)),
      release: (...args) => store.release(...args),
      read: () => store.read(),
    };
    const a = instance('rtm-a', { leases: pausable, renewDeadlineMs: 30_000 });
    await a.election.firstRound;
    const b = instance('rtm-b');
    await b.election.firstRound;
    paused = true;
    await eventually(() => (b.election.status.role === 'leader' ? true : undefined), { timeoutMs: 3_000, intervalMs: 20 });
    expect(b.election.status.epoch).toBe(2);
    // A still believes it leads (its renewal never answered); its term's publish is refused by Redis.
    expect(a.election.status.role).toBe('leader');
    expect(a.election.holdsTerm(1)).toBe(true); // by its own clock (a 30 s renew deadline here): only the store can tell
    const game = testGameId('stale');
    const fields = { gameId: game, jobKind: 'start' as const, jobId: '1-1', outcome: 'success' as const, errorCode: null, errorMessage: null, containerId: null, engineEndpoint: null, imageRef: null, completedAt: new Date() };
    await expect(a.fence.run(a.triggers.active!, () => a.results.publish(fields))).rejects.toThrow(/epoch 1 is no longer the leader's/);
    expect(await redis.xlen(`${prefix}runtime:job_results`)).toBe(0);
    await eventually(() => (a.election.status.role === 'standby' ? true : undefined), { timeoutMs: 2_000, intervalMs: 20 });
    expect(a.triggers.stops).toBe(1);
    const stepDown = a.lines.find((l) => l.msg === 'role changed: standby');
    expect(String(stepDown?.reason)).toMatch(/a write was rejected: XADD .*epoch 1/);
    expect(a.metrics).toMatchObject({ leader: 0, changes: 2 });
    expect(a.lines.filter((l) => l.msg === 'write rejected by the store: its leader term is over').map((l) => l.epoch)).toEqual([1]);
    resume();
  });

  it('two live processes with one instance id: the newer takes the lease, the older finds the duplicate, reports it and stays standby', async () => {
    const older = instance('rtm-same');
    await older.election.firstRound;
    const newer = instance('rtm-same');
    await newer.election.firstRound;
    expect(newer.election.status).toMatchObject({ role: 'leader', epoch: 2 });
    expect(newer.lines.find((l) => l.msg === 'role changed: leader (took over the lease of a previous incarnation of this instance)')).toBeDefined();
    await eventually(() => (older.metrics.duplicate === 1 ? true : undefined), { timeoutMs: 2_000, intervalMs: 20 });
    expect(older.election.status).toMatchObject({ role: 'standby', duplicateInstanceId: true });
    expect(older.lines.some((l) => l.level === 50 && String(l.msg).startsWith('another live process has this RTMANAGER_INSTANCE_ID'))).toBe(true);
    // Several retry periods later the newer one still leads: no flapping between the two.
    const before = newer.metrics.changes;
    await eventually(async () => ((await new PostgresLeaderLeaseStore(db).read())!.expiresAt.getTime() > Date.now() + 500 ? true : undefined), { timeoutMs: 2_000, intervalMs: 50 });
    await new Promise((r) => setTimeout(r, 600));
    expect(newer.election.status).toMatchObject({ role: 'leader', epoch: 2 });
    expect(newer.metrics.changes).toBe(before);
  });
});
