// /readyz probe for PostgreSQL: one round trip, bounded. A pool that cannot hand out a
// connection (server gone, pool exhausted) must fail readiness quickly, not hang /readyz.
import { sql } from 'kysely';
import type { RtmDatabase } from './database.js';
import { withDeadline } from '../../timing/deadline.js';

export class PostgresUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PostgresUnavailableError';
  }
}

export class PostgresHealthCheck {
  constructor(
    private readonly db: RtmDatabase,
    private readonly timeoutMs = 2_000,
  ) {}

  /** Resolves when PostgreSQL answered `SELECT 1` within the timeout; throws PostgresUnavailableError otherwise. */
  async check(): Promise<void> {
    const query = sql`SELECT 1`.execute(this.db.kysely);
    // The query cannot be cancelled from here; if it loses the race, swallow its outcome.
    query.catch(() => undefined);
    try {
      await withDeadline(query, this.timeoutMs, () => new PostgresUnavailableError(`postgres did not answer within ${this.timeoutMs} ms`));
    } catch (err) {
      if (err instanceof PostgresUnavailableError) throw err;
      throw new PostgresUnavailableError(`postgres unreachable: ${(err as Error).message}`, { cause: err });
    }
  }
}
