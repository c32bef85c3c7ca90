// The store contracts against real PostgreSQL and against the in-memory fakes.
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../../generated/db/types.js';
import { createRtmDatabase } from '../../../src/adapters/postgres/database.js';
import { PostgresHealthSnapshotStore } from '../../../src/adapters/postgres/health-snapshot.store.js';
import { PostgresOperationLogStore } from '../../../src/adapters/postgres/operation-log.store.js';
import { PostgresPendingOperationStore } from '../../../src/adapters/postgres/pending-operation.store.js';
import { PostgresRuntimeRecordStore } from '../../../src/adapters/postgres/runtime-record.store.js';
import { PostgresRuntimeReadStore } from '../../../src/adapters/postgres/runtime-read.store.js';
import { NAMED_STATEMENT_MARK } from '../../../src/adapters/postgres/prepared-query.js';
import { isDependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';
import { FakeRuntimeReadStore } from '../../fakes/runtime-read.fake.js';
import { FakeHealthSnapshotStore, FakeOperationLogStore, FakePendingOperationStore, FakeRuntimeRecordStore } from '../../fakes/stores.fake.js';
import { describePendingOperationStoreContract } from './pending-operation-store.contract.js';
import { createTestDatabase, eventually, type TestDatabase } from '../../support/test-env.js';
import {
  aRecord,
  describeHealthSnapshotStoreContract,
  describeOperationLogStoreContract,
  describeRuntimeRecordStoreContract,
} from './store-contracts.js';
import { describeRuntimeReadStoreContract } from './runtime-read.contract.js';

let testDb: TestDatabase;
let db: Kysely<DB>;

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

describe('named statements (prepared-query.ts, database.ts)', () => {
  it('statements PreparedQuery marks named are prepared once per connection; unmarked ones are not prepared', async () => {
    await testDb.pool.query('TRUNCATE rtmanager.runtime_records, rtmanager.health_snapshots');
    const pool = new pg.Pool({ connectionString: testDb.url, max: 1 });
    const one = createRtmDatabase(pool);
    try {
      await new PostgresRuntimeRecordStore(one).upsert(aRecord({ gameId: 'named-1' }));
      const reads = new PostgresRuntimeReadStore(one);
      for (let i = 0; i < 3; i++) {
        expect(JSON.parse((await reads.get('named-1')) ?? 'null')).toMatchObject({ game_id: 'named-1' });
        expect((await reads.list({ limit: 5 })).map((r) => r.gameId)).toEqual(['named-1']);
      }
      const records = new PostgresRuntimeRecordStore(one);
      await records.get('named-1');
      // Not marked: run as unnamed statements, nothing left prepared.
      await records.list({ limit: 5 });
      await new PostgresHealthSnapshotStore(one).get('named-1');
      // One connection: this runs in the session that ran the statements above.
      const { rows } = await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements ORDER BY prepare_time`.execute(one);
      // The record upsert and read, the point read and one page shape; each prepared once.
      expect(rows).toHaveLength(4);
      for (const r of rows) {
        expect(r.name).toMatch(/^rtm_[0-9a-f]{32}$/);
        expect(r.statement.startsWith(NAMED_STATEMENT_MARK)).toBe(true);
      }
      expect(rows.filter((r) => r.statement.includes('"runtime_records" as "r"'))).toHaveLength(2);
    } finally {
      await one.destroy();
    }
  });
});
