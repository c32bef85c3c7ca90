// Applies migrations/*.sql in name order, once each, serialized across instances with a
// PostgreSQL advisory lock. Each file runs in its own transaction; an applied file whose
// checksum changed is an error (edit by adding a new file, never by rewriting one).
// Decision record: docs/postgres-migration.md.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type pg from 'pg';

/** Arbitrary constant: "rtmanager migrations" in the shared advisory-lock key space. */
export const MIGRATION_LOCK_KEY = 7_316_220_201;

export interface MigrationReport {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {
  constructor(message: string, readonly file?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}

const SCHEMA = 'rtmanager';

async function listMigrationFiles(migrationsDir: string): Promise<string[]> {
  try {
    return (await readdir(migrationsDir)).filter((f) => f.endsWith('.sql')).sort();
  } catch (err) {
    throw new MigrationError(`cannot read migrations from ${migrationsDir}: ${(err as Error).message}`, undefined, { cause: err });
  }
}

/**
 * Creates schema `rtmanager` unless it exists. Checked first because CREATE SCHEMA IF NOT
 * EXISTS still demands CREATE on the database: a schema pre-created by a DBA (owned by
 * RTM's role) then works for a role without that privilege.
 */
async function prepareSchema(client: pg.PoolClient): Promise<void> {
  try {
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [SCHEMA]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.schema_migrations (
      version text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  } catch (err) {
    const denied = (err as { code?: unknown }).code === '42501'; // insufficient_privilege
    const hint = denied ? ` (RTM's role needs CREATE on the database, or a pre-created schema ${SCHEMA} it owns)` : '';
    throw new MigrationError(`cannot prepare schema ${SCHEMA}: ${(err as Error).message}${hint}`, undefined, { cause: err });
  }
}

export async function runMigrations(pool: pg.Pool, migrationsDir: string): Promise<MigrationReport> {
  const files = await listMigrationFiles(migrationsDir);
  let client: pg.PoolClient;
  try {
    client = await pool.connect();
  } catch (err) {
    throw new MigrationError(`cannot connect to postgres: ${(err as Error).message}`, undefined, { cause: err });
  }
  // A session whose unlock failed is destroyed rather than pooled: the lock dies with it.
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await prepareSchema(client);
      const done = new Map<string, string>(
        (await client.query<{ version: string; checksum: string }>(`SELECT version, checksum FROM ${SCHEMA}.schema_migrations`)).rows.map(
          (r) => [r.version, r.checksum],
        ),
      );
      const report: MigrationReport = { applied: [], alreadyApplied: [] };
      for (const file of files) {
        const sql = await readFile(path.join(migrationsDir, file), 'utf8');
        const checksum = createHash('sha256').update(sql).digest('hex');
        const previous = done.get(file);
        if (previous !== undefined) {
          if (previous !== checksum) throw new MigrationError(`migration ${file} was changed after it was applied`, file);
          report.alreadyApplied.push(file);
          continue;
        }
        try {
          await client.query('BEGIN');
          await client.query(sql);
          await client.query(`INSERT INTO ${SCHEMA}.schema_migrations (version, checksum) VALUES ($1, $2)`, [file, checksum]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new MigrationError(`migration ${file} failed: ${(err as Error).message}`, file, { cause: err });
        }
        report.applied.push(file);
      }
      return report;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch((err: Error) => {
        broken = err;
      });
    }
  } catch (err) {
    if (err instanceof MigrationError) throw err;
    throw new MigrationError(`migrations failed: ${(err as Error).message}`, undefined, { cause: err });
  } finally {
    client.release(broken);
  }
}
