// An empty, unmigrated database for migrator tests (createTestDatabase() migrates at once).
import pg from 'pg';
import { TEST_POSTGRES_URL, uniqueSuffix } from '../../support/test-env.js';

export interface EmptyDatabase {
  name: string;
  /** Connection URL, optionally as another role. */
  url(user?: string): string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function createEmptyDatabase(): Promise<EmptyDatabase> {
  const name = `rtm_m_${uniqueSuffix(6)}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url(user?: string) {
      const u = new URL(TEST_POSTGRES_URL);
      u.pathname = `/${name}`;
      if (user !== undefined) u.username = user;
      return u.toString();
    },
    async drop() {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/** Runs SQL as the superuser the tests connect with (cluster-wide things such as roles). */
export async function asSuperuser(sql: string): Promise<void> {
  await admin((c) => c.query(sql));
}
