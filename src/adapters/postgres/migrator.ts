// Applies migrations/*.sql in name order, once each, serialized across instances with a
// PostgreSQL advisory lock. Each file runs in its own transaction; an applied file whose
// checksum changed is an error (edit by adding a new file, never by rewriting one).
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

export async function runMigrations(pool: pg.Pool, migrationsDir: string): Promise<MigrationReport> {
  const files = (await readdir(migrationsDir)).filter((f) => f.endsWith('.sql')).sort();
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query('CREATE SCHEMA IF NOT EXISTS rtmanager');
      await client.query(`CREATE TABLE IF NOT EXISTS rtmanager.schema_migrations (
        version text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      const done = new Map<string, string>(
        (await client.query<{ version: string; checksum: string }>('SELECT version, checksum FROM rtmanager.schema_migrations')).rows.map(
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
          await client.query('INSERT INTO rtmanager.schema_migrations (version, checksum) VALUES ($1, $2)', [file, checksum]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw new MigrationError(`migration ${file} failed: ${(err as Error).message}`, file, { cause: err });
        }
        report.applied.push(file);
      }
      return report;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    }
  } finally {
    client.release();
  }
}
