// The migrator against real PostgreSQL: idempotence, the advisory lock under concurrent
// starts, failure atomicity, checksums, and the schema/role provisioning split.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { MigrationError, runMigrations } from '../../../src/adapters/postgres/migrator.js';
import { projectRoot } from '../../../src/app/project-root.js';
import { uniqueSuffix } from '../../support/test-env.js';
import { asSuperuser, createEmptyDatabase, type EmptyDatabase } from './empty-database.js';

const MIGRATIONS = path.join(projectRoot(), 'migrations');
const TABLES = ['health_snapshots', 'leader_lease', 'operation_log', 'pending_operations', 'runtime_records', 'schema_migrations'];
/** The files in migrations/, in order. */
const FILES = ['0001_init.sql', '0002_pending_operations.sql', '0003_runtime_limits.sql', '0004_leader_lease.sql'];

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  // Reverse order of creation: pools end before their database is dropped.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function emptyDatabase(): Promise<EmptyDatabase> {
  const db = await createEmptyDatabase();
  cleanups.push(() => db.drop());
  return db;
}

function poolFor(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  // DROP DATABASE ... WITH (FORCE) may reach a client pool.end() is still closing; without a
  // listener that idle-client error would be an uncaught exception. Query errors still reject.
  pool.on('error', () => undefined);
  cleanups.push(() => pool.end());
  return pool;
}

async function tablesIn(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'rtmanager' ORDER BY table_name`,
  );
  return rows.map((r) => r.table_name);
}

async function appliedVersions(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ version: string }>('SELECT version FROM rtmanager.schema_migrations ORDER BY version');
  return rows.map((r) => r.version);
}

async function migrationsCopy(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rtm-migrations-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await cp(MIGRATIONS, dir, { recursive: true });
  return dir;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail('expected a rejection'),
    (err: unknown) => err,
  );
}

describe('runMigrations', () => {
  it('creates schema rtmanager and its tables on an empty database; a second run is a no-op', async () => {
    const db = await emptyDatabase();
    const pool = poolFor(db.url());
    expect(await runMigrations(pool, MIGRATIONS)).toEqual({ applied: FILES, alreadyApplied: [] });
    expect(await tablesIn(pool)).toEqual(TABLES);
    const before = await pool.query('SELECT version, checksum, applied_at FROM rtmanager.schema_migrations');

    expect(await runMigrations(pool, MIGRATIONS)).toEqual({ applied: [], alreadyApplied: FILES });
    expect((await pool.query('SELECT version, checksum, applied_at FROM rtmanager.schema_migrations')).rows).toEqual(before.rows);
  });

  it('two instances migrating a fresh database at once both succeed; each file is applied once (advisory lock)', async () => {
    for (let round = 0; round < 3; round++) {
      const db = await emptyDatabase();
      const a = poolFor(db.url());
      const b = poolFor(db.url());
      const [ra, rb] = await Promise.all([runMigrations(a, MIGRATIONS), runMigrations(b, MIGRATIONS)]);
      expect([...ra.applied, ...rb.applied].sort()).toEqual(FILES);
      expect([...ra.alreadyApplied, ...rb.alreadyApplied].sort()).toEqual(FILES);
      expect(await tablesIn(a)).toEqual(TABLES);
      expect(await appliedVersions(a)).toEqual(FILES);
    }
  });

  it('a failing file raises MigrationError naming it, leaves no partial table, and keeps earlier files applied', async () => {
    const dir = await migrationsCopy();
    const broken = '0099_broken.sql';
    await writeFile(
      path.join(dir, broken),
      'CREATE TABLE rtmanager.half_done (id int);\nINSERT INTO rtmanager.half_done VALUES (1);\nSELECT rtmanager_no_such_function();\n',
    );
    const db = await emptyDatabase();
    const pool = poolFor(db.url());

    const err = await rejectionOf(runMigrations(pool, dir));
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as MigrationError).file).toBe(broken);
    expect((err as MigrationError).message).toContain(broken);
    expect((err as MigrationError).message).toContain('rtmanager_no_such_function');
    expect(await tablesIn(pool)).toEqual(TABLES);
    expect(await appliedVersions(pool)).toEqual(FILES);

    // Fixed by the operator: the next start applies it.
    await writeFile(path.join(dir, broken), 'CREATE TABLE rtmanager.half_done (id int);\n');
    expect(await runMigrations(pool, dir)).toEqual({ applied: [broken], alreadyApplied: FILES });
  });

  it('an applied file whose content changed is refused by checksum', async () => {
    const dir = await migrationsCopy();
    const db = await emptyDatabase();
    const pool = poolFor(db.url());
    await runMigrations(pool, dir);
    const file = path.join(dir, '0001_init.sql');
    await writeFile(file, `${await readFile(file, 'utf8')}\n-- edited in place\n`);

    const err = await rejectionOf(runMigrations(pool, dir));
    expect(err).toBeInstanceOf(MigrationError);
    expect((err as MigrationError).file).toBe('0001_init.sql');
    expect((err as MigrationError).message).toMatch(/0001_init\.sql was changed/);
  });

  it('a missing migrations folder is a MigrationError', async () => {
    const db = await emptyDatabase();
    const err = await rejectionOf(runMigrations(poolFor(db.url()), path.join(os.tmpdir(), `rtm-none-${uniqueSuffix()}`)));
    expect(err).toBeInstanceOf(MigrationError);
  });

  describe('schema and role provisioning', () => {
    async function roleWithoutCreate(db: EmptyDatabase): Promise<string> {
      const role = `rtm_role_${uniqueSuffix()}`;
      await asSuperuser(`CREATE ROLE ${role} LOGIN`);
      // Dropped last, after the database holding its objects and grants.
      cleanups.unshift(() => asSuperuser(`DROP ROLE IF EXISTS ${role}`));
      // PostgreSQL 15 grants PUBLIC no CREATE on databases; make that explicit anyway.
      await asSuperuser(`REVOKE CREATE ON DATABASE ${db.name} FROM PUBLIC`);
      return role;
    }

    it('a role without CREATE on the database and no schema fails with a MigrationError that says what is missing', async () => {
      const db = await emptyDatabase();
      const role = await roleWithoutCreate(db);
      const err = await rejectionOf(runMigrations(poolFor(db.url(role)), MIGRATIONS));
      expect(err).toBeInstanceOf(MigrationError);
      expect((err as MigrationError).message).toMatch(/permission denied/);
      expect((err as MigrationError).message).toMatch(/needs CREATE on the database/);
    });

    it('the same role migrates a schema rtmanager pre-created for it by a DBA', async () => {
      const db = await emptyDatabase();
      const role = await roleWithoutCreate(db);
      const superPool = poolFor(db.url());
      await superPool.query(`CREATE SCHEMA rtmanager AUTHORIZATION ${role}`);
      const pool = poolFor(db.url(role));
      expect(await runMigrations(pool, MIGRATIONS)).toEqual({ applied: FILES, alreadyApplied: [] });
      expect(await tablesIn(pool)).toEqual(TABLES);
    });

    it('a role granted CREATE on the database creates the schema itself (the default deployment)', async () => {
      const db = await emptyDatabase();
      const role = await roleWithoutCreate(db);
      await asSuperuser(`GRANT CREATE ON DATABASE ${db.name} TO ${role}`);
      const pool = poolFor(db.url(role));
      expect(await runMigrations(pool, MIGRATIONS)).toEqual({ applied: FILES, alreadyApplied: [] });
      const { rows } = await pool.query<{ owner: string }>(
        `SELECT nspowner::regrole::text AS owner FROM pg_namespace WHERE nspname = 'rtmanager'`,
      );
      expect(rows[0]?.owner).toBe(role);
    });
  });
});
