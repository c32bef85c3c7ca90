// What only the PostgreSQL stores do (the shared behaviour is in the contract suites):
// row mapping strictness, text PostgreSQL cannot hold, schema pinning, readiness check.
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRtmDatabase, type RtmDatabase } from '../../../src/adapters/postgres/database.js';
import { healthSnapshotFromRow, PostgresHealthSnapshotStore } from '../../../src/adapters/postgres/health-snapshot.store.js';
import { operationLogEntryFromRow, PostgresOperationLogStore } from '../../../src/adapters/postgres/operation-log.store.js';
import { PostgresHealthCheck, PostgresUnavailableError } from '../../../src/adapters/postgres/postgres-health.check.js';
import { PostgresRuntimeRecordStore, runtimeRecordFromRow } from '../../../src/adapters/postgres/runtime-record.store.js';
import { createTestDatabase, type TestDatabase, uniqueSuffix } from '../../support/test-env.js';
import { aRecord, aSnapshot, anEntry } from './store-contracts.js';

let testDb: TestDatabase;
let db: RtmDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createRtmDatabase(testDb.pool);
});

afterAll(async () => {
  await testDb?.drop();
});

beforeEach(async () => {
  await testDb.pool.query('TRUNCATE rtmanager.runtime_records, rtmanager.operation_log, rtmanager.health_snapshots');
});

describe('row mapping', () => {
  const when = new Date('2026-03-01T10:00:00Z');

  it('an unknown status in runtime_records is a bug: mapping throws', () => {
    const row = {
      game_id: 'g-1',
      status: 'paused',
      current_container_id: null,
      current_image_ref: null,
      engine_endpoint: null,
      state_path: '/s/g-1',
      created_at: when,
      started_at: null,
      stopped_at: null,
      removed_at: null,
      last_op_at: when,
      limits: null,
    };
    expect(() => runtimeRecordFromRow(row)).toThrow(/unknown status "paused"/);
    expect(runtimeRecordFromRow({ ...row, status: 'stopped' }).status).toBe('stopped');
  });

  it('unknown vocabulary in operation_log and health_snapshots throws too', () => {
    const op = {
      id: '7',
      game_id: 'g-1',
      op_kind: 'start',
      op_source: 'gm_rest',
      outcome: 'success',
      error_code: null,
      error_message: null,
      image_ref: null,
      container_id: null,
      correlation_id: null,
      details: {},
      started_at: when,
      finished_at: when,
    };
    expect(operationLogEntryFromRow(op).opKind).toBe('start');
    expect(() => operationLogEntryFromRow({ ...op, op_kind: 'teleport' })).toThrow(/op_kind "teleport"/);
    expect(() => operationLogEntryFromRow({ ...op, error_code: 'oops' })).toThrow(/error_code "oops"/);
    const snap = { game_id: 'g-1', container_id: 'c', event_type: 'probe_failed', details: {}, observed_at: when };
    expect(healthSnapshotFromRow(snap).eventType).toBe('probe_failed');
    expect(() => healthSnapshotFromRow({ ...snap, event_type: 'exploded' })).toThrow(/event_type "exploded"/);
  });
});

describe('text PostgreSQL cannot store', () => {
  it('NUL and unpaired surrogates in an operation log entry become U+FFFD instead of losing the row', async () => {
    const store = new PostgresOperationLogStore(db);
    await store.append(
      anEntry({
        gameId: 'g-nul',
        outcome: 'failure',
        errorCode: 'container_start_failed',
        errorMessage: 'engine said a\u0000b',
        details: { ['k\u0000']: 'lone \uD800 high', log: ['x\u0000', 'pair 🎲 kept'] },
      }),
    );
    const [read] = await store.listByGame('g-nul', 1);
    expect(read?.errorMessage).toBe('engine said a\uFFFDb');
    expect(read?.details).toEqual({ ['k\uFFFD']: 'lone \uFFFD high', log: ['x\uFFFD', 'pair 🎲 kept'] });
  });

  it('details are stored as JSON stores them: Dates as ISO strings, undefined members dropped', async () => {
    const store = new PostgresHealthSnapshotStore(db);
    await store.upsert(aSnapshot({ gameId: 'g-json', details: { at: new Date('2026-03-01T10:00:00.5Z'), gone: undefined, nul: 'a\u0000' } }));
    expect((await store.get('g-json'))?.details).toEqual({ at: '2026-03-01T10:00:00.500Z', nul: 'a\uFFFD' });
  });
});

describe('schema pinning', () => {
  it('stores use schema rtmanager whatever schema the handle they are given points at', async () => {
    for (const kysely of [db.kysely.withSchema('rtmanager'), db.kysely.withSchema('public')]) {
      const records = new PostgresRuntimeRecordStore({ ...db, kysely });
      const gameId = `g-${uniqueSuffix()}`;
      await records.upsert(aRecord({ gameId }));
      const { rows } = await testDb.pool.query('SELECT game_id FROM rtmanager.runtime_records WHERE game_id = $1', [gameId]);
      expect(rows).toHaveLength(1);
      // The statements built per call (Kysely) as well as the named ones.
      expect((await records.list({ limit: 1_000 })).map((r) => r.gameId)).toContain(gameId);
    }
  });
});

describe('PostgresHealthCheck', () => {
  it('passes against a live server', async () => {
    await expect(new PostgresHealthCheck(db, 2_000).check()).resolves.toBeUndefined();
  });

  it('fails with PostgresUnavailableError when the server refuses connections', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/postgres', max: 1 });
    const unreachable = createRtmDatabase(pool);
    try {
      await expect(new PostgresHealthCheck(unreachable, 2_000).check()).rejects.toThrow(PostgresUnavailableError);
    } finally {
      await unreachable.destroy();
    }
  });

  it('fails within its timeout when no connection can be had, instead of hanging /readyz', async () => {
    const pool = new pg.Pool({ connectionString: testDb.url, max: 1 });
    const starved = createRtmDatabase(pool);
    const held = await pool.connect();
    try {
      const started = Date.now();
      await expect(new PostgresHealthCheck(starved, 200).check()).rejects.toThrow(/did not answer within 200 ms/);
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      held.release();
      await starved.destroy();
    }
  });
});
