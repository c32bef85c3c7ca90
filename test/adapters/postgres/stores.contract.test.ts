// The store contracts against real PostgreSQL and against the in-memory fakes.
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRtmDatabase, type RtmDatabase } from '../../../src/adapters/postgres/database.js';
import { PostgresHealthSnapshotStore } from '../../../src/adapters/postgres/health-snapshot.store.js';
import { PostgresOperationLogStore } from '../../../src/adapters/postgres/operation-log.store.js';
import { PostgresPendingOperationStore } from '../../../src/adapters/postgres/pending-operation.store.js';
import { PostgresRuntimeRecordStore } from '../../../src/adapters/postgres/runtime-record.store.js';
import { PostgresRuntimeReadStore } from '../../../src/adapters/postgres/runtime-read.store.js';
import { isDependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';
import { FakeRuntimeReadStore } from '../../fakes/runtime-read.fake.js';
import { FakeHealthSnapshotStore, FakeOperationLogStore, FakePendingOperationStore, FakeRuntimeRecordStore } from '../../fakes/stores.fake.js';
import { describePendingOperationStoreContract } from './pending-operation-store.contract.js';
import { createTestDatabase, eventually, type TestDatabase } from '../../support/test-env.js';
import {
  aRecord,
  aSnapshot,
  anEntry,
  describeHealthSnapshotStoreContract,
  describeOperationLogStoreContract,
  describeRuntimeRecordStoreContract,
} from './store-contracts.js';
import { describeRuntimeReadStoreContract } from './runtime-read.contract.js';

let testDb: TestDatabase;
let db: RtmDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  // Plain handle, as the composition root builds it: the stores pin the schema themselves.
  db = createRtmDatabase(testDb.pool);
});

afterAll(async () => {
  // drop() ends the pool; db.destroy() would end it a second time.
  await testDb?.drop();
});

async function emptyTables(): Promise<void> {
  await testDb.pool.query('TRUNCATE rtmanager.runtime_records, rtmanager.operation_log, rtmanager.health_snapshots, rtmanager.pending_operations');
}

/**
 * Contenders block on a row lock held by a third connection until all of them wait, so
 * their UPDATEs truly overlap. (The first waits on the holder, the others queue behind it
 * on the tuple lock: count every lock waiter of this database, not just the holder's.)
 */
async function raceOnLockedRow<T>(gameId: string, contenders: Array<() => Promise<T>>): Promise<T[]> {
  const locker = await testDb.pool.connect();
  let running: Array<Promise<T>> = [];
  try {
    await locker.query('BEGIN');
    await locker.query('SELECT 1 FROM rtmanager.runtime_records WHERE game_id = $1 FOR UPDATE', [gameId]);
    running = contenders.map((c) => c());
    await eventually(
      async () => {
        const { rows } = await testDb.pool.query<{ waiting: string }>(
          `SELECT count(*) AS waiting FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
        );
        return Number(rows[0]?.waiting) >= contenders.length ? true : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 10, message: 'contenders never blocked on the locked row' },
    );
    await locker.query('COMMIT');
    return await Promise.all(running);
  } finally {
    await locker.query('ROLLBACK').catch(() => undefined);
    await Promise.allSettled(running);
    locker.release();
  }
}

describeRuntimeRecordStoreContract('postgres', async () => {
  await emptyTables();
  return { store: new PostgresRuntimeRecordStore(db), race: raceOnLockedRow };
});

describeRuntimeRecordStoreContract('fake', async () => ({
  store: new FakeRuntimeRecordStore(),
  race: (_gameId, contenders) => Promise.all(contenders.map((c) => c())),
}));

describeOperationLogStoreContract('postgres', async () => {
  await emptyTables();
  return new PostgresOperationLogStore(db);
});
describeOperationLogStoreContract('fake', async () => new FakeOperationLogStore());

describeHealthSnapshotStoreContract('postgres', async () => {
  await emptyTables();
  return new PostgresHealthSnapshotStore(db);
});
describeHealthSnapshotStoreContract('fake', async () => new FakeHealthSnapshotStore());

describePendingOperationStoreContract('postgres', async () => {
  await emptyTables();
  return new PostgresPendingOperationStore(db);
});
describePendingOperationStoreContract('fake', async () => new FakePendingOperationStore());

describeRuntimeReadStoreContract('postgres', async () => {
  const reset = async () => void (await testDb.pool.query('TRUNCATE rtmanager.runtime_records, rtmanager.health_snapshots'));
  await reset();
  return { reads: new PostgresRuntimeReadStore(db), records: new PostgresRuntimeRecordStore(db), snapshots: new PostgresHealthSnapshotStore(db), reset };
});

describeRuntimeReadStoreContract('fake', async () => {
  let records = new FakeRuntimeRecordStore();
  let snapshots = new FakeHealthSnapshotStore();
  let reads = new FakeRuntimeReadStore(records, snapshots);
  // reset() swaps in fresh stores; the harness' getters follow it.
  return {
    get reads() { return reads; },
    get records() { return records; },
    get snapshots() { return snapshots; },
    reset: async () => {
      records = new FakeRuntimeRecordStore();
      snapshots = new FakeHealthSnapshotStore();
      reads = new FakeRuntimeReadStore(records, snapshots);
    },
  };
});

describe('RuntimeReadStore faults', () => {
  it('a SQL bug is rethrown as it is (a bug, not an outage)', async () => {
    const client = await testDb.pool.connect();
    try {
      await client.query('ALTER TABLE rtmanager.health_snapshots RENAME TO health_snapshots_away');
      const err = await new PostgresRuntimeReadStore(db).get('g1').then(() => null, (e: unknown) => e);
      expect(err).toMatchObject({ code: '42P01' });
      expect(isDependencyUnavailable(err)).toBe(false);
    } finally {
      await client.query('ALTER TABLE rtmanager.health_snapshots_away RENAME TO health_snapshots');
      client.release();
    }
  });
});

describe('named statements (named-statement.ts)', () => {
  it('the hot statements are prepared once per connection under their names; statements built per call are not prepared', async () => {
    await testDb.pool.query('TRUNCATE rtmanager.runtime_records, rtmanager.health_snapshots, rtmanager.operation_log');
    const pool = new pg.Pool({ connectionString: testDb.url, max: 1 });
    const one = createRtmDatabase(pool);
    try {
      const records = new PostgresRuntimeRecordStore(one);
      const reads = new PostgresRuntimeReadStore(one);
      const snapshots = new PostgresHealthSnapshotStore(one);
      const operations = new PostgresOperationLogStore(one);
      for (let i = 0; i < 3; i++) {
        await records.upsert(aRecord({ gameId: 'named-1' }));
        await records.get('named-1');
        await snapshots.upsert(aSnapshot({ gameId: 'named-1' }));
        await operations.append(anEntry({ gameId: 'named-1' }));
        expect(JSON.parse((await reads.get('named-1')) ?? 'null')).toMatchObject({ game_id: 'named-1' });
        expect((await reads.list({ limit: 5 })).map((r) => r.gameId)).toEqual(['named-1']);
        expect((await reads.list({ limit: 5, status: 'running', afterGameId: 'a' })).map((r) => r.gameId)).toEqual(['named-1']);
      }
      // Built per call: run as unnamed statements, nothing left prepared.
      await records.list({ limit: 5 });
      await snapshots.get('named-1');
      await operations.listByGame('named-1', 5);
      // One connection: this runs in the session that ran the statements above.
      const { rows } = await sql<{ name: string }>`SELECT name FROM pg_prepared_statements ORDER BY name`.execute(one.kysely);
      expect(rows.map((r) => r.name)).toEqual([
        'rtm_health_snapshot_upsert',
        'rtm_operation_log_append',
        'rtm_runtime_json_by_game_id',
        'rtm_runtime_json_page',
        'rtm_runtime_json_page_by_status_after',
        'rtm_runtime_record_by_game_id',
        'rtm_runtime_record_upsert',
      ]);
    } finally {
      await one.destroy();
    }
  });
});
