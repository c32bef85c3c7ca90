// The one-shot entries (`migrate`, `healthcheck`): each returns the process exit code.
import path from 'node:path';
import type { Logger } from 'pino';
import pg from 'pg';
import { runMigrations } from '../adapters/postgres/migrator.js';
import type { RtmConfig } from './config.js';
import { localListenerUrl } from './entry-command.js';
import { projectRoot } from './project-root.js';

/** Init-container entry: apply the migrations and exit (0 applied or up to date, 1 failed). */
export async function migrateOnly(config: RtmConfig, logger: Logger): Promise<number> {
  const pool = new pg.Pool({ connectionString: config.postgres.url, max: 1, connectionTimeoutMillis: 5_000 });
  pool.on('error', (err) => logger.warn({ err }, 'idle PostgreSQL client error'));
  try {
    const report = await runMigrations(pool, path.join(projectRoot(), 'migrations'));
    logger.info({ applied: report.applied, already_applied: report.alreadyApplied.length }, 'migrations applied');
    return 0;
  } catch (err) {
    logger.fatal({ err }, 'migration failed');
    return 1;
  } finally {
    await pool.end().catch(() => undefined);
  }
}

/** Image HEALTHCHECK: liveness of the running process on its own listener. */
export async function healthcheck(config: RtmConfig, timeoutMs = 2_000): Promise<number> {
  try {
    const res = await fetch(`${localListenerUrl(config.listener)}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    return res.status === 200 ? 0 : 1;
  } catch {
    return 1;
  }
}
