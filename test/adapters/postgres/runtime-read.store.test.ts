// The REST read store against real PostgreSQL and its fake (one contract), and its fault
// classification: an unreachable server is DependencyUnavailable, a SQL bug is not.
import type { Kysely } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DB } from '../../../generated/db/types.js';
import { createRtmDatabase } from '../../../src/adapters/postgres/database.js';
import { PostgresHealthSnapshotStore } from '../../../src/adapters/postgres/health-snapshot.store.js';
import { PostgresOperationLogStore } from '../../../src/adapters/postgres/operation-log.store.js';
import { PostgresRuntimeReadStore } from '../../../src/adapters/postgres/runtime-read.store.js';
import { PostgresRuntimeRecordStore } from '../../../src/adapters/postgres/runtime-record.store.js';
import { isDependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';
import { FakeRuntimeReadStore } from '../../fakes/runtime-read.fake.js';
import { FakeHealthSnapshotStore, FakeRuntimeRecordStore } from '../../fakes/stores.fake.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-env.js';
import { describeRuntimeReadStoreContract } from './runtime-read.contract.js';

let testDb: TestDatabase;
let db: Kysely<DB>;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createRtmDatabase(testDb.pool);
});
afterAll(async () => {
  await testDb?.drop();
});

describeRuntimeReadStoreContract('postgres', async () => {
  await testDb.pool.query('TRUNCATE rtmanager.runtime_records, rtmanager.health_snapshots');
  return { reads: new PostgresRuntimeReadStore(db), records: new PostgresRuntimeRecordStore(db), snapshots: new PostgresHealthSnapshotStore(db) };
});

describeRuntimeReadStoreContract('fake', async () => {
  const records = new FakeRuntimeRecordStore();
  const snapshots = new FakeHealthSnapshotStore();
  return { reads: new FakeRuntimeReadStore(records, snapshots), records, snapshots };
});

describe('read faults', () => {
  it('PostgreSQL unreachable: every REST read throws DependencyUnavailable(postgres)', async () => {
    // Port 1 on loopback: nothing listens, the driver gets ECONNREFUSED.
    const pool = new pg.Pool({ host: '127.0.0.1', port: 1, user: 'x', database: 'x', connectionTimeoutMillis: 2_000 });
    const down = createRtmDatabase(pool);
    try {
      const reads = [
        () => new PostgresRuntimeReadStore(down).get('g1'),
        () => new PostgresRuntimeReadStore(down).list({ limit: 5 }),
        () => new PostgresRuntimeRecordStore(down).get('g1'),
        () => new PostgresHealthSnapshotStore(down).get('g1'),
        () => new PostgresOperationLogStore(down).listByGame('g1', 5),
      ];
      for (const read of reads) {
        const err = await read().then(() => null, (e: unknown) => e);
        expect(isDependencyUnavailable(err, 'postgres'), String(err)).toBe(true);
      }
    } finally {
      await pool.end();
    }
  });

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
