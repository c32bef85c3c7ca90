// Where the real-part tests find their servers: env URLs with the local defaults of
// docs/integration-tests.md. Each test file gets its own database and Redis key prefix.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Redis } from 'ioredis';
import pg from 'pg';
import { runMigrations } from '../../src/adapters/postgres/migrator.js';
import { projectRoot } from '../../src/app/project-root.js';
import { DEFAULT_MAX_PIDS_LIMIT, type ConfiguredCeilings, type EngineHardening } from '../../src/domain/container-spec.js';

export const TEST_POSTGRES_URL = process.env.RTM_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.RTM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';
export const TEST_DOCKER_NETWORK = process.env.RTM_TEST_DOCKER_NETWORK ?? 'galaxy-net';
export const TEST_DOCKER_HOST = process.env.RTM_TEST_DOCKER_HOST ?? 'unix:///var/run/docker.sock';

/** The test engine image (engine/), built by scripts/build-engine-image.sh. */
export const ENGINE_REPO = 'galaxy/game-test';
export const ENGINE_IMAGE = `${ENGINE_REPO}:1.0.0`;
export const ENGINE_IMAGE_PATCH = `${ENGINE_REPO}:1.0.1`;
export const ENGINE_IMAGE_MINOR = `${ENGINE_REPO}:1.1.0`;
/** Same engine, com.galaxy.memory=48m: for the OOM switch. */
export const ENGINE_IMAGE_SMALLMEM = `${ENGINE_REPO}:1.0.0-smallmem`;
/** Same engine, com.galaxy.cpu_quota=lots: an unparsable label. */
export const ENGINE_IMAGE_BADLABEL = `${ENGINE_REPO}:1.0.0-badlabel`;
/** A reference no registry here can serve. */
export const MISSING_IMAGE = `${ENGINE_REPO}:9.9.9-missing`;

export const TEST_GAME_PREFIX = 'it-';

export function uniqueSuffix(bytes = 4): string {
  return randomBytes(bytes).toString('hex');
}

/** A valid game_id, unique per call, recognisable as a test's (leftovers are swept). */
export function testGameId(label = 'g'): string {
  return `${TEST_GAME_PREFIX}${label}-${uniqueSuffix()}`.slice(0, 51).replace(/-+$/, '');
}

/** Redis key prefix isolating a test's streams and keys; the run's tag first (test-run-leftovers.ts). */
export function testRedisPrefix(): string {
  return `test:${process.env.RTM_TEST_RUN_TAG ?? ''}${uniqueSuffix()}:`;
}

/** Deletes every key a test created under its Redis prefix (SCAN, not KEYS: Redis is shared). */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  await scanKeys(redis, `${prefix}*`, async (keys) => void (await redis.del(...keys)));
}

/** Every key matching `pattern`, a batch at a time (SCAN, not KEYS: Redis is shared). */
export async function scanKeys(redis: Redis, pattern: string, each: (keys: string[]) => Promise<void>): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    if (keys.length > 0) await each(keys);
    cursor = next;
  } while (cursor !== '0');
}

export interface TestDatabase {
  url: string;
  pool: pg.Pool;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one test file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `rtm_t_${uniqueSuffix(6)}`;
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 5 });
  // DROP DATABASE ... WITH (FORCE) terminates idle clients; that must not crash the run.
  pool.on('error', () => undefined);
  await runMigrations(pool, path.join(projectRoot(), 'migrations'));
  return {
    url: url.toString(),
    pool,
    async drop() {
      await pool.end();
      const c = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Poll until `check` returns a non-undefined value or the deadline passes. No fixed sleeps. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  opts: { timeoutMs?: number; intervalMs?: number; message?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const why = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`${opts.message ?? 'condition not met before deadline'}${why}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

/** Engine ceilings and hardening as RTM's config defaults them (CPU and memory ceilings from the Docker host). */
export const TEST_CEILINGS: ConfiguredCeilings = { cpus: null, memoryBytes: null, pidsLimit: DEFAULT_MAX_PIDS_LIMIT };
export const TEST_HARDENING: EngineHardening = { user: null, allowRoot: false, readOnlyRootfs: false };
