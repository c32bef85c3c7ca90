// The diagnostics sources against the real servers: PostgreSQL's version and the runtime
// counts (schema rtmanager, whatever handle is passed in), Redis's and Docker's versions,
// and a dead server answering with an error rather than hanging.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/adapters/docker/docker-client.factory.js';
import { DockerVersionSource } from '../../../src/adapters/docker/docker-version.source.js';
import { createRtmDatabase } from '../../../src/adapters/postgres/database.js';
import { PostgresDiagnosticsQuery } from '../../../src/adapters/postgres/diagnostics.query.js';
import { PostgresRuntimeRecordStore } from '../../../src/adapters/postgres/runtime-record.store.js';
import { RedisVersionSource } from '../../../src/adapters/redis/redis-version.source.js';
import { createTestDatabase, TEST_DOCKER_HOST, type TestDatabase } from '../../support/test-env.js';
import { connectTestRedis } from '../redis/redis-test-support.js';
import { aRecord } from './store-contracts.js';

let testDb: TestDatabase;

beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => {
  await testDb?.drop();
});

describe('diagnostics sources', () => {
  it('PostgreSQL: the server version and the runtime records counted by status', async () => {
    const db = createRtmDatabase(testDb.pool);
    const records = new PostgresRuntimeRecordStore(db);
    await records.upsert(aRecord({ gameId: 'd-1' }));
    await records.upsert(aRecord({ gameId: 'd-2' }));
    await records.upsert(aRecord({ gameId: 'd-3', status: 'stopped' }));
    const query = new PostgresDiagnosticsQuery(db);
    expect(await query.version()).toMatch(/^\d+(\.\d+)?/);
    expect(await query.countByStatus()).toEqual({ running: 2, stopped: 1 });
  });

  it('Redis and Docker: the server versions', async () => {
    const redis = connectTestRedis();
    try {
      expect(await new RedisVersionSource(redis).version()).toMatch(/^\d+\.\d+/);
    } finally {
      redis.disconnect();
    }
    expect(await new DockerVersionSource(createDockerClient(TEST_DOCKER_HOST), 5_000).version()).toMatch(/^\d+\.\d+.* \(API \d+\.\d+\)$/);
  });

  it('a Docker daemon that does not answer is an error, not a hang', async () => {
    await expect(new DockerVersionSource(createDockerClient('tcp://127.0.0.1:9'), 2_000).version()).rejects.toThrow();
  });
});
