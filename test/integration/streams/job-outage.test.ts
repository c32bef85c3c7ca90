// Issue 9 item 1 / CONTRACT §1: an outage of PostgreSQL or Docker longer than the lease TTL
// + 10 s delays a start job, never fails it. Real Redis, the real start service and Docker;
// PostgreSQL is a private server this file stops and starts, Docker sits behind a proxy this
// file closes (the shared daemon and servers are never touched). Each test prints its timeline.
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient, DockerodeRuntime } from '../../../src/adapters/docker/docker-runtime.adapter.js';
import { runMigrations } from '../../../src/adapters/postgres/migrator.js';
import { projectRoot } from '../../../src/app/project-root.js';
import { silentLogger } from '../../adapters/redis/redis-test-support.js';
import { startDockerSocketProxy } from '../../support/docker-socket-proxy.js';
import { startPrivatePostgres, type PrivatePostgres } from '../../support/private-postgres.js';
import { createTestDatabase, ENGINE_IMAGE, eventually, TEST_DOCKER_HOST, testGameId, type TestDatabase } from '../../support/test-env.js';
import { createOutageConsumer, OUTAGE_LEASE_TTL_MS } from './job-outage.fixture.js';

/** Longer than the lease TTL + 10 s: the old transient-retry window, which answered failure. */
const OUTAGE_MS = OUTAGE_LEASE_TTL_MS + 10_000 + 1_000;
const realDocker = new DockerodeRuntime(createDockerClient(TEST_DOCKER_HOST), { apiTimeoutMs: 30_000, pullTimeoutMs: 30_000, logger: silentLogger });

type Fixture = Awaited<ReturnType<typeof createOutageConsumer>>;

/** Holds the outage for `ms`, checking all along that the job is neither answered nor passed. */
async function holdOutage(fixture: Fixture, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    expect(await fixture.results()).toEqual([]);
    expect(await fixture.offset()).toBeNull();
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Waits for the offset to reach `jobId`; by then its result must already be published. */
async function answeredOnce(fixture: Fixture, jobId: string): Promise<Record<string, string>> {
  await eventually(async () => ((await fixture.offset()) === jobId ? true : undefined), { timeoutMs: 30_000, intervalMs: 50 });
  const results = (await fixture.results()).filter((r) => r.job_id === jobId);
  expect(results).toHaveLength(1);
  return results[0] as Record<string, string>;
}

async function expectOneRecordedStart(fixture: Fixture, gameId: string): Promise<number> {
  const rows = await fixture.operationLog.listByGame(gameId, 50);
  expect(rows.map((r) => [r.opKind, r.opSource, r.outcome, r.errorCode])).toEqual([['start', 'lobby_stream', 'success', null]]);
  const retries = rows[0]?.details.retries as number;
  expect(retries).toBeGreaterThan(0);
  expect(retries).toBe(fixture.retries.length); // the metric counted the same retries
  return retries;
}

/**
 * The whole proof for one kind of outage: fault, a start job added, the outage held past the
 * TTL + 10 s with nothing answered or committed, recovery, then one success, one row.
 */
async function delayedNotFailed(fixture: Fixture, kind: string, fault: { begin(): Promise<void>; end(): Promise<void> }): Promise<void> {
  fixture.consumer.start();
  const gameId = testGameId(`${kind.slice(0, 2)}-out`);
  const t0 = Date.now();
  await fault.begin();
  const faultAt = Date.now();
  const jobId = await fixture.addStartJob(gameId, ENGINE_IMAGE);
  await holdOutage(fixture, OUTAGE_MS);
  expect(fixture.retries.length).toBeGreaterThan(0);

  await fault.end();
  const recoveredAt = Date.now();
  const result = await answeredOnce(fixture, jobId);
  const offsetAt = Date.now();
  expect(result).toMatchObject({ game_id: gameId, outcome: 'success', error_code: '', image_ref: ENGINE_IMAGE });
  const retries = await expectOneRecordedStart(fixture, gameId);
  timeline(kind, t0, { faultAt, recoveredAt, answeredAt: Number(result.completed_at_ms), offsetAt }, { rows: 1, retries });
}

function timeline(kind: string, t0: number, marks: Record<string, number>, extra: Record<string, unknown>): void {
  const at = Object.fromEntries(Object.entries(marks).map(([k, v]) => [k, `+${((v - t0) / 1000).toFixed(1)}s`]));
  console.info(`[outage timeline] ${kind}: ${JSON.stringify({ ...at, ...extra })}`);
}

describe('a start job during a PostgreSQL outage longer than the lease TTL + 10 s', () => {
  let server: PrivatePostgres;
  let pool: pg.Pool;

  beforeAll(async () => {
    server = await startPrivatePostgres();
    pool = new pg.Pool({ connectionString: await server.createDatabase('rtm_jc'), max: 5, connectionTimeoutMillis: 2_000 });
    pool.on('error', () => undefined); // the outage kills idle clients
    await runMigrations(pool, path.join(projectRoot(), 'migrations'));
  }, 60_000);

  afterAll(async () => {
    await pool?.end().catch(() => undefined);
    await server?.dispose();
  });

  it('is delayed, then answered once with success: one op-log row with retries, offset moved only after', async () => {
    const fixture = await createOutageConsumer({ pool, dockerHost: TEST_DOCKER_HOST });
    try {
      await delayedNotFailed(fixture, 'postgres', { begin: () => server.stop(), end: () => server.start() });
    } finally {
      await fixture.close(realDocker);
    }
  }, 60_000);
});

describe('a start job during a Docker outage longer than the lease TTL + 10 s', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await database?.drop();
  });

  it('is delayed, then answered once with success: one op-log row with retries, offset moved only after', async () => {
    const proxy = await startDockerSocketProxy();
    const fixture = await createOutageConsumer({ pool: database.pool, dockerHost: proxy.url });
    try {
      await delayedNotFailed(fixture, 'docker', { begin: () => proxy.cut(), end: () => proxy.restore() });
    } finally {
      await fixture.close(realDocker);
      await proxy.close().catch(() => undefined);
    }
  }, 60_000);

  it('with RTMANAGER_JOB_MAX_AGE set, a job older than it is answered once with the failure, and recorded', async () => {
    const proxy = await startDockerSocketProxy();
    const fixture = await createOutageConsumer({ pool: database.pool, dockerHost: proxy.url, maxAgeMs: 2_000 });
    try {
      fixture.consumer.start();
      const gameId = testGameId('dk-age');
      const t0 = Date.now();
      await proxy.cut();
      const faultAt = Date.now();
      const jobId = await fixture.addStartJob(gameId, ENGINE_IMAGE);
      const result = await answeredOnce(fixture, jobId);
      const offsetAt = Date.now();
      expect(result).toMatchObject({ game_id: gameId, outcome: 'failure', error_code: 'docker_unavailable' });
      const rows = await fixture.operationLog.listByGame(gameId, 50);
      expect(rows.map((r) => [r.opKind, r.outcome, r.errorCode])).toEqual([['start', 'failure', 'docker_unavailable']]);
      expect(rows[0]?.details.retries).toBe(fixture.retries.length);
      expect(fixture.retries.length).toBeGreaterThan(0);
      timeline('docker, max age 2 s', t0, { faultAt, answeredAt: Number(result.completed_at_ms), offsetAt }, { rows: 1, retries: rows[0]?.details.retries });
    } finally {
      await fixture.close(realDocker);
      await proxy.close().catch(() => undefined);
    }
  }, 30_000);
});
