// Faults classified once, at the adapters (issue 8 item 4): an unreachable PostgreSQL or
// Redis is a DependencyUnavailable; a SQL error is not (it passes through as a bug).
import { Redis } from 'ioredis';
import pg from 'pg';
import pino from 'pino';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRtmDatabase } from '../../../src/adapters/postgres/database.js';
import { PostgresOperationLogStore } from '../../../src/adapters/postgres/operation-log.store.js';
import { PostgresRuntimeRecordStore } from '../../../src/adapters/postgres/runtime-record.store.js';
import { toPostgresFault } from '../../../src/adapters/postgres/postgres-fault.js';
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

  it('an unreachable server: every store call throws DependencyUnavailable(postgres)', async () => {
    const db = createRtmDatabase(new pg.Pool({ connectionString: CLOSED_PORT_URL, connectionTimeoutMillis: 2_000 }));
    try {
      const calls = [() => new PostgresRuntimeRecordStore(db).get('g1'), () => new PostgresOperationLogStore(db).append(anEntry({ gameId: 'g1' }))];
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

  it.each([
    ['connection exception (class 08)', Object.assign(new Error('x'), { code: '08006' }), true],
    ['admin shutdown (57P01)', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }), true],
    ['too many connections (class 53)', Object.assign(new Error('x'), { code: '53300' }), true],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect'), true],
    ['socket error in a cause chain', new Error('wrapped', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }), true],
    ['unique violation (23505)', Object.assign(new Error('duplicate key'), { code: '23505' }), false],
    ['syntax error (42601)', Object.assign(new Error('syntax error'), { code: '42601' }), false],
    ['a plain bug', new TypeError('undefined is not a function'), false],
  ])('%s -> unavailable: %s', (_name, err, unavailable) => {
    expect(isDependencyUnavailable(toPostgresFault(err), 'postgres')).toBe(unavailable);
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
