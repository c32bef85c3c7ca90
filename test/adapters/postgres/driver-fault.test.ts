// Faults classified once, at the adapters (issue 8 item 4): the Kysely driver classifies
// every query (writes and the pending-operation store included), the Redis lease its
// acquisition; a SQL error is not an outage (it passes through as a bug). The classifier's
// table of errors: postgres-fault.test.ts.
import { Redis } from 'ioredis';
import pg from 'pg';
import pino from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRtmDatabase } from '../../../src/adapters/postgres/database.js';
import { PostgresOperationLogStore } from '../../../src/adapters/postgres/operation-log.store.js';
import { PostgresPendingOperationStore } from '../../../src/adapters/postgres/pending-operation.store.js';
import { PostgresRuntimeRecordStore } from '../../../src/adapters/postgres/runtime-record.store.js';
import { RedisGameLeases } from '../../../src/adapters/redis/game-lease.adapter.js';
import { DependencyUnavailable, isDependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-env.js';
import { anEntry } from './store-contracts.js';

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

  it('an unreachable server: writes and the pending-operation store throw DependencyUnavailable(postgres)', async () => {
    const db = createRtmDatabase(new pg.Pool({ connectionString: CLOSED_PORT_URL, connectionTimeoutMillis: 2_000 }));
    try {
      const calls = [
        () => new PostgresRuntimeRecordStore(db).updateStatus({ gameId: 'g1', expectedContainerId: null, to: 'stopped', at: new Date() }),
        () => new PostgresOperationLogStore(db).append(anEntry({ gameId: 'g1' })),
        () => new PostgresPendingOperationStore(db).list(10),
      ];
      for (const call of calls) {
        const err = await call().then(() => null, (e: unknown) => e);
        expect(isDependencyUnavailable(err, 'postgres'), String(err)).toBe(true);
      }
    } finally {
      await db.destroy();
    }
  });

  it('a SQL error is not an outage: it passes through unchanged with its SQLSTATE', async () => {
    const db = createRtmDatabase(testDb.pool);
    const err = await sql`SELECT * FROM rtmanager.no_such_table`.execute(db).then(() => null, (e: unknown) => e);
    expect(err).not.toBeInstanceOf(DependencyUnavailable);
    expect((err as { code?: string }).code).toBe('42P01');
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
