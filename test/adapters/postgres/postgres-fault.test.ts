// Which pg / pg-pool errors mean "PostgreSQL unreachable" (DependencyUnavailable) and which
// are bugs, and the REST reads against a server that is not there. A real SQL bug:
// stores.contract.test.ts.
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createRtmDatabase } from '../../../src/adapters/postgres/database.js';
import { PostgresHealthSnapshotStore } from '../../../src/adapters/postgres/health-snapshot.store.js';
import { PostgresOperationLogStore } from '../../../src/adapters/postgres/operation-log.store.js';
import { PostgresRuntimeReadStore } from '../../../src/adapters/postgres/runtime-read.store.js';
import { PostgresRuntimeRecordStore } from '../../../src/adapters/postgres/runtime-record.store.js';
import { classifyPostgresFaults, isPostgresUnreachable } from '../../../src/adapters/postgres/postgres-fault.js';
import { isDependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';

const coded = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isPostgresUnreachable', () => {
  it.each([
    ['socket refused', coded('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'), true],
    ['SQLSTATE 57P01 admin shutdown', coded('terminating connection due to administrator command', '57P01'), true],
    ['SQLSTATE 08006 connection failure', coded('connection failure', '08006'), true],
    ['SQLSTATE 53300 too many connections', coded('sorry, too many clients already', '53300'), true],
    ['pg-pool connect timeout', new Error('timeout exceeded when trying to connect'), true],
    ['pg connection terminated', new Error('Connection terminated unexpectedly'), true],
    ['wrapped in cause and AggregateError', new Error('query failed', { cause: new AggregateError([coded('x', 'ECONNREFUSED')]) }), true],
    ['SQLSTATE 42P01 undefined table', coded('relation does not exist', '42P01'), false],
    ['SQLSTATE 23505 unique violation', coded('duplicate key', '23505'), false],
    ['a TypeError', new TypeError('x is undefined'), false],
    ['null', null, false],
  ] as const)('%s -> %s', (_name, err, unreachable) => {
    expect(isPostgresUnreachable(err)).toBe(unreachable);
  });

  it('classifyPostgresFaults wraps only the unreachable ones, keeping the cause', async () => {
    const refused = coded('connect ECONNREFUSED', 'ECONNREFUSED');
    const wrapped = await classifyPostgresFaults('a read', () => Promise.reject(refused)).catch((e: unknown) => e);
    expect(isDependencyUnavailable(wrapped, 'postgres')).toBe(true);
    expect((wrapped as Error).cause).toBe(refused);
    const bug = coded('syntax error', '42601');
    await expect(classifyPostgresFaults('a read', () => Promise.reject(bug))).rejects.toBe(bug);
  });

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
});
