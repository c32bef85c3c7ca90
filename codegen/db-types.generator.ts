// generated/db/types.ts: Kysely table types by kysely-codegen, introspected from a
// throwaway database migrated with the service's own migrator, so the types are exactly
// what `migrations/` produces. The database is dropped afterwards, even on failure.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { runMigrations } from '../src/adapters/postgres/migrator.js';
import { finalizeContent, generatedHeader, type GeneratedFile } from './generated-file.js';
import { MIGRATIONS_DIR, REPO_ROOT } from './spec-files.js';

const run = promisify(execFile);

export const DEFAULT_CODEGEN_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function generateDbTypes(adminUrl: string): Promise<GeneratedFile[]> {
  const database = `rtm_codegen_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const workDir = await mkdtemp(path.join(tmpdir(), 'rtm-codegen-db-'));
  try {
    await admin.query(`CREATE DATABASE ${database}`);
    const databaseUrl = withDatabase(adminUrl, database);
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    try {
      await runMigrations(pool, MIGRATIONS_DIR);
    } finally {
      await pool.end();
    }
    const outFile = path.join(workDir, 'types.ts');
    await run(
      path.join(REPO_ROOT, 'node_modules', '.bin', 'kysely-codegen'),
      [
        '--dialect', 'postgres',
        '--url', databaseUrl,
        '--default-schema', 'rtmanager',
        '--include-pattern', 'rtmanager.*',
        '--exclude-pattern', 'rtmanager.schema_migrations',
        '--log-level', 'error',
        '--out-file', outFile,
      ],
      { cwd: REPO_ROOT },
    );
    const body = await readFile(outFile, 'utf8');
    const content = `${generatedHeader('db-types.generator.ts (kysely-codegen)', 'migrations/*.sql')}\n${body}`;
    return [{ path: 'db/types.ts', content: finalizeContent(content) }];
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
    await rm(workDir, { recursive: true, force: true });
  }
}
