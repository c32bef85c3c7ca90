// Fenced PostgreSQL writes: inside a leader term, a record write and an op-log append check
// the term's epoch in their own statement; once another instance took the lease they write
// nothing and throw LeadershipLost (the fence hears of it). Outside a term (REST) nothing
// is checked. A plain CAS miss inside a current term stays a miss (null), not a lost lease.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AsyncLeaderFence } from '../../../src/adapters/memory/leader-fence.scope.js';
import { createRtmDatabase, type RtmDatabase } from '../../../src/adapters/postgres/database.js';
import { PostgresLeaderLeaseStore } from '../../../src/adapters/postgres/leader-lease.store.js';
import { PostgresOperationLogStore } from '../../../src/adapters/postgres/operation-log.store.js';
import { PostgresRuntimeRecordStore } from '../../../src/adapters/postgres/runtime-record.store.js';
import { isLeadershipLost, type LeadershipLost } from '../../../src/ports/leader-fence.js';
import { createTestDatabase, testGameId, type TestDatabase } from '../../support/test-env.js';
import { aRecord, anEntry } from './store-contracts.js';

let testDb: TestDatabase;
let db: RtmDatabase;
let leases: PostgresLeaderLeaseStore;
let fence: AsyncLeaderFence;
let records: PostgresRuntimeRecordStore;
let operations: PostgresOperationLogStore;
const rejected: LeadershipLost[] = [];

const a = { instanceId: 'rtm-a', bootId: 'boot-a' };
const b = { instanceId: 'rtm-b', bootId: 'boot-b' };

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createRtmDatabase(testDb.pool);
  leases = new PostgresLeaderLeaseStore(db);
  fence = new AsyncLeaderFence();
  fence.onRejected((e) => rejected.push(e));
  records = new PostgresRuntimeRecordStore(db, fence);
  operations = new PostgresOperationLogStore(db, fence);
});

afterAll(async () => {
  await testDb?.drop();
});

beforeEach(async () => {
  rejected.length = 0;
  await testDb.pool.query('TRUNCATE rtmanager.leader_lease, rtmanager.runtime_records, rtmanager.operation_log');
});

/** rtm-a leads with epoch 1, then rtm-b takes over (epoch 2), as after a pause past the lease. */
async function takenOver(): Promise<void> {
  await leases.acquire(a, 60_000);
  await testDb.pool.query(`UPDATE rtmanager.leader_lease SET expires_at = now() - interval '1 second'`);
  const taken = await leases.acquire(b, 60_000);
  expect(taken).toMatchObject({ acquired: true, lease: { epoch: 2 } });
}

async function operationCount(gameId: string): Promise<number> {
  return (await testDb.pool.query('SELECT count(*)::int AS n FROM rtmanager.operation_log WHERE game_id = $1', [gameId])).rows[0].n as number;
}

describe('fenced PostgreSQL writes', () => {
  it('the current epoch writes; the stale one is rejected with nothing written, and the fence hears of it', async () => {
    await leases.acquire(a, 60_000);
    const game = testGameId('fence');
    await fence.run({ epoch: 1 }, async () => {
      await records.upsert(aRecord({ gameId: game }));
      await operations.append(anEntry({ gameId: game }));
    });
    await testDb.pool.query(`UPDATE rtmanager.leader_lease SET expires_at = now() - interval '1 second'`);
    await leases.acquire(b, 60_000);

    const stale = (work: () => Promise<unknown>) => fence.run({ epoch: 1 }, work);
    await expect(stale(() => records.upsert(aRecord({ gameId: game, status: 'stopped' })))).rejects.toSatisfy(isLeadershipLost);
    await expect(stale(() => records.updateStatus({ gameId: game, to: 'stopped', expectedContainerId: `c-${game}`, at: new Date() }))).rejects.toSatisfy(isLeadershipLost);
    await expect(stale(() => operations.append(anEntry({ gameId: game })))).rejects.toSatisfy(isLeadershipLost);
    expect((await records.get(game))?.status).toBe('running');
    expect(await operationCount(game)).toBe(1);
    expect(rejected.map((e) => e.epoch)).toEqual([1, 1, 1]);
    expect(rejected[0]?.message).toMatch(/runtime record upsert: rejected, epoch 1/);

    // The new leader's term writes.
    const moved = await fence.run({ epoch: 2 }, () => records.updateStatus({ gameId: game, to: 'stopped', expectedContainerId: `c-${game}`, at: new Date() }));
    expect(moved?.status).toBe('stopped');
  });

  it('outside any term (REST on any instance) nothing is checked', async () => {
    await takenOver();
    const game = testGameId('rest');
    await records.upsert(aRecord({ gameId: game }));
    await operations.append(anEntry({ gameId: game }));
    expect(await records.updateStatus({ gameId: game, to: 'stopped', expectedContainerId: `c-${game}`, at: new Date() })).not.toBeNull();
    expect(await operationCount(game)).toBe(1);
    expect(rejected).toEqual([]);
  });

  it('a CAS miss inside the current term is a miss (null), not a lost lease', async () => {
    await leases.acquire(a, 60_000);
    const game = testGameId('cas');
    const miss = await fence.run({ epoch: 1 }, async () => {
      await records.upsert(aRecord({ gameId: game }));
      return records.updateStatus({ gameId: game, to: 'stopped', expectedContainerId: 'another-container', at: new Date() });
    });
    expect(miss).toBeNull();
    expect(rejected).toEqual([]);
  });

  it('a takeover waits for a fenced write in flight, and the write is then visible to the new leader', async () => {
    await leases.acquire(a, 60_000);
    await testDb.pool.query(`UPDATE rtmanager.leader_lease SET expires_at = now() - interval '1 second'`);
    const game = testGameId('order');
    // Hold the lease row FOR SHARE in an open transaction, as a fenced write does for its statement.
    const writer = await testDb.pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query('SELECT 1 FROM rtmanager.leader_lease WHERE id = 1 AND epoch = 1 FOR SHARE');
      await writer.query(`INSERT INTO rtmanager.operation_log (game_id, op_kind, op_source, outcome, details, started_at, finished_at) VALUES ($1, 'start', 'lobby_stream', 'success', '{}', now(), now())`, [game]);
      let tookOver = false;
      const takeover = leases.acquire(b, 60_000).then((r) => {
        tookOver = r.acquired;
        return r;
      });
      // The takeover blocks on the row lock until the write commits.
      await new Promise((r) => setTimeout(r, 300));
      expect(tookOver).toBe(false);
      await writer.query('COMMIT');
      expect((await takeover).acquired).toBe(true);
      expect(await operationCount(game)).toBe(1);
    } finally {
      writer.release();
    }
  });
});
