// Faults classified once, at the adapters (issue 8 item 4): every call of every PostgreSQL
// store (the named statements and those built per call alike), the Redis lease its
// acquisition; a SQL error is not an outage (it passes through as a bug). The classifier's
// table of errors: postgres-fault.test.ts.
import { Redis } from 'ioredis';
import pg from 'pg';
import pino from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRtmDatabase } from '../../../src/adapters/postgres/database.js';
import { PostgresDiagnosticsQuery } from '../../../src/adapters/postgres/diagnostics.query.js';
import { PostgresHealthSnapshotStore } from '../../../src/adapters/postgres/health-snapshot.store.js';
import { PostgresOperationLogStore } from '../../../src/adapters/postgres/operation-log.store.js';
import { PostgresPendingOperationStore } from '../../../src/adapters/postgres/pending-operation.store.js';
import { PostgresRuntimeReadStore } from '../../../src/adapters/postgres/runtime-read.store.js';
import { PostgresRuntimeRecordStore } from '../../../src/adapters/postgres/runtime-record.store.js';
import { RedisGameLeases } from '../../../src/adapters/redis/game-lease.adapter.js';
import { DependencyUnavailable, isDependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-env.js';
import { aRecord, aSnapshot, anEntry } from './store-contracts.js';

// Nothing listens on port 1 of the loopback: connections are refused at once.
const CLOSED_PORT_URL = 'postgres://postgres@127.0.0.1:1/postgres';

describe('PostgreSQL faults', () => {
  let testDb: TestDatabase;

  beforeAll(async () => {
    testDb = await createTestDatabase();
  });

  afterAll(async () => {
    await testDb?.drop();
  });

  it('an unreachable server: every store call throws DependencyUnavailable(postgres)', async () => {
    const db = createRtmDatabase(new pg.Pool({ connectionString: CLOSED_PORT_URL, connectionTimeoutMillis: 2_000 }));
    try {
      const records = new PostgresRuntimeRecordStore(db);
      const operations = new PostgresOperationLogStore(db);
      const snapshots = new PostgresHealthSnapshotStore(db);
      const pending = new PostgresPendingOperationStore(db);
      const reads = new PostgresRuntimeReadStore(db);
      const diagnostics = new PostgresDiagnosticsQuery(db);
      const marker = { gameId: 'g1', opKind: 'restart' as const, opSource: 'gm_rest' as const, correlationId: 'c1', imageRef: 'galaxy/game:1.0.0', startedAt: new Date() };
      const calls: Record<string, () => Promise<unknown>> = {
        'records.get': () => records.get('g1'),
        'records.upsert': () => records.upsert(aRecord({ gameId: 'g1' })),
        'records.updateStatus': () => records.updateStatus({ gameId: 'g1', expectedContainerId: null, to: 'stopped', at: new Date() }),
        'records.list': () => records.list({ limit: 10 }),
        'records.listStoppedBefore': () => records.listStoppedBefore(new Date(), 10),
        'records.countByStatus': () => records.countByStatus(),
        'operations.append': () => operations.append(anEntry({ gameId: 'g1' })),
        'operations.listByGame': () => operations.listByGame('g1', 10),
        'snapshots.upsert': () => snapshots.upsert(aSnapshot({ gameId: 'g1' })),
        'snapshots.get': () => snapshots.get('g1'),
        'pending.begin': () => pending.begin(marker),
        'pending.end': () => pending.end('g1', 'c1'),
        'pending.list': () => pending.list(10),
        'reads.get': () => reads.get('g1'),
        'reads.list': () => reads.list({ limit: 10, status: 'stopped' }),
        'diagnostics.version': () => diagnostics.version(),
        'diagnostics.countByStatus': () => diagnostics.countByStatus(),
      };
      for (const [name, call] of Object.entries(calls)) {
        const err = await call().then(() => null, (e: unknown) => e);
        expect(isDependencyUnavailable(err, 'postgres'), `${name}: ${String(err)}`).toBe(true);
      }
    } finally {
      await db.destroy();
    }
  });

  it('a SQL error is not an outage: it passes through unchanged with its SQLSTATE', async () => {
    const db = createRtmDatabase(testDb.pool);
    const err = await sql`SELECT * FROM rtmanager.no_such_table`.execute(db.kysely).then(() => null, (e: unknown) => e);
    expect(err).not.toBeInstanceOf(DependencyUnavailable);
    expect((err as { code?: string }).code).toBe('42P01');
    // A named statement's SQL error likewise.
    const named = await db.run({ name: 'rtm_test_no_such_table', text: 'SELECT * FROM rtmanager.no_such_table' }, []).then(() => null, (e: unknown) => e);
    expect(named).not.toBeInstanceOf(DependencyUnavailable);
    expect((named as { code?: string }).code).toBe('42P01');
  });
});

describe('Redis faults (game lease)', () => {
  it('an unreachable Redis: tryAcquire throws DependencyUnavailable(redis)', async () => {
    const redis = new Redis('redis://127.0.0.1:1', { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    redis.on('error', () => undefined);
    try {
      const leases = new RedisGameLeases(redis, { keyPrefix: 'it-fault:', ttlMs: 1_000 }, pino({ level: 'silent' }));
      const err = await leases.tryAcquire('g1').then(() => null, (e: unknown) => e);
      expect(isDependencyUnavailable(err, 'redis'), String(err)).toBe(true);
    } finally {
      redis.disconnect();
    }
  });
});
