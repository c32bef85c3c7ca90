// REST properties on a real in-process RTM (startRtm: real PostgreSQL, real Redis, the
// real server and services, a real state folder) over a fake Docker that can pull any
// image, so no contract 5xx can be legitimate: whatever the method, path, query, headers
// and body, the answer is never a 5xx and an error is the contract envelope with a code
// of its status; afterwards every container is galaxy-game-* and every state folder a
// valid game_id directly under the root (issue 9 item 10).
import http from 'node:http';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/app/config.js';
import { startRtm, type RunningRtm } from '../../../src/app/rtm.js';
import { ERROR_CODES, HTTP_STATUS_BY_ERROR_CODE, type ErrorCode } from '../../../src/domain/error-codes.js';
import { isValidGameId } from '../../../src/domain/game-id.js';
import { FakeDockerRuntime } from '../../fakes/docker-runtime.fake.js';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  testRedisPrefix,
  TEST_DOCKER_NETWORK,
  TEST_REDIS_URL,
  type TestDatabase,
} from '../../support/test-env.js';
import { edgyString, propertyRuns } from '../property-runs.js';

const TOKEN = 'prop-token-0123456789';
const CONTAINER_NAME = /^galaxy-game-[a-z0-9]([a-z0-9-]{0,49}[a-z0-9])?$/;

/** A registry that serves every reference: a pull never fails, so image_pull_failed cannot be the answer. */
class AnyImageDocker extends FakeDockerRuntime {
  override async pullImage(ref: string): Promise<void> {
    if (!this.pullable.has(ref)) this.pullable.set(ref, {});
    await super.pullImage(ref);
  }
}

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

function send(base: URL, req: { method: string; path: string; headers: Record<string, string>; body: string | null }): Promise<Answer | null> {
  return new Promise((resolve, reject) => {
    let r: http.ClientRequest;
    try {
      r = http.request({ host: base.hostname, port: base.port, method: req.method, path: req.path, headers: req.headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
      });
    } catch {
      // Node's client refuses to send it (e.g. unescaped characters): nothing to check.
      resolve(null);
      return;
    }
    r.on('error', reject);
    r.setTimeout(15_000, () => r.destroy(new Error(`no answer to ${req.method} ${req.path} within 15 s`)));
    if (req.body !== null) r.write(req.body);
    r.end();
  });
}

const validIds = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
const gameIdSegment = fc.oneof(
  { arbitrary: validIds, weight: 4 },
  { arbitrary: edgyString(70).map(encodeURIComponent), weight: 2 },
  { arbitrary: fc.constantFrom('..', '.', '%2e%2e', '..%2f..%2fetc', '%zz', '%', 'a'.repeat(52), 'A', 'x'.repeat(300), '%00'), weight: 1 },
);
const operation = fc.constantFrom(
  { method: 'GET', suffix: '' },
  { method: 'GET', suffix: '/operations' },
  { method: 'POST', suffix: '/start' },
  { method: 'POST', suffix: '/stop' },
  { method: 'POST', suffix: '/restart' },
  { method: 'POST', suffix: '/patch' },
  { method: 'DELETE', suffix: '/container' },
  { method: 'PUT', suffix: '/start' },
  { method: 'GET', suffix: '/start' },
  { method: 'POST', suffix: '/nope' },
);
const imageRef = fc.oneof(
  fc.constantFrom('galaxy/game:1.0.0', 'galaxy/game:1.0.1', 'galaxy/game:1.1.0', 'galaxy/game:2.0.0', 'galaxy/game:latest', 'UPPER/x', 'galaxy/game:9007199254740993.0.0'),
  edgyString(40),
);
const bodyObject = fc.record(
  {
    image_ref: fc.oneof(imageRef, fc.anything()),
    reason: fc.oneof(fc.constantFrom('finished', 'cancelled', 'admin_request', 'orphan_cleanup', 'timeout'), fc.anything()),
    __proto__: fc.anything(),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  { arbitrary: bodyObject.map((o) => JSON.stringify(o)), weight: 5 },
  { arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)), weight: 1 },
  { arbitrary: edgyString(40), weight: 1 },
  { arbitrary: fc.constant(null), weight: 1 },
);
const query = fc.oneof(
  fc.constant(''),
  fc.constantFrom('?limit=10', '?limit=0', '?limit=-1', '?limit=abc', '?status=running', '?status=nope', '?cursor=zzz', '?access_token=secret', '?limit=1&limit=2'),
  edgyString(20).map((q) => `?${encodeURIComponent(q)}=${encodeURIComponent(q)}`),
);
const hostileRequest = fc.record({
  list: fc.boolean(),
  op: operation,
  gameId: gameIdSegment,
  query,
  body,
  caller: fc.constantFrom('game_master', 'admin_service', 'nobody', '', undefined),
  auth: fc.constantFrom(`Bearer ${TOKEN}`, `Bearer ${TOKEN}`, `Bearer ${TOKEN}`, 'Bearer wrong', 'Basic x', undefined),
  contentType: fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', undefined),
});

/** Requests the contract accepts, on a small pool of games so operations meet each other's records. */
const wellFormedRequest = fc
  .record({
    gameId: fc.constantFrom('p-a', 'p-b', 'p-c', 'p-d', 'p-e'),
    op: fc.constantFrom(
      { method: 'GET', suffix: '', body: null },
      { method: 'GET', suffix: '/operations', body: null },
      { method: 'POST', suffix: '/start', body: 'image' },
      { method: 'POST', suffix: '/stop', body: 'reason' },
      { method: 'POST', suffix: '/restart', body: '{}' },
      { method: 'POST', suffix: '/patch', body: 'image' },
      { method: 'DELETE', suffix: '/container', body: null },
    ),
    image: fc.constantFrom('galaxy/game:1.0.0', 'galaxy/game:1.0.1', 'galaxy/game:1.1.0', 'galaxy/game:huge', 'galaxy/game:root', 'galaxy/game:1.0.2'),
    reason: fc.constantFrom('finished', 'cancelled', 'admin_request', 'orphan_cleanup', 'timeout'),
    caller: fc.constantFrom('game_master', 'admin_service'),
  })
  .map((w) => ({
    list: false,
    op: { method: w.op.method, suffix: w.op.suffix },
    gameId: w.gameId,
    query: '',
    body: w.op.body === 'image' ? JSON.stringify({ image_ref: w.image }) : w.op.body === 'reason' ? JSON.stringify({ reason: w.reason }) : w.op.body,
    caller: w.caller as string | undefined,
    auth: `Bearer ${TOKEN}` as string | undefined,
    contentType: (w.op.body === null ? undefined : 'application/json') as string | undefined,
  }));
const request = fc.oneof({ arbitrary: wellFormedRequest, weight: 3 }, { arbitrary: hostileRequest, weight: 2 });

function expectContractAnswer(a: Answer, where: string): void {
  expect(a.status, where).toBeLessThan(500);
  expect(a.contentType, where).toMatch(/^application\/json/);
  if (a.status < 400) return;
  const parsed = JSON.parse(a.body) as { error?: { code?: unknown; message?: unknown } };
  expect(Object.keys(parsed), where).toEqual(['error']);
  const code = parsed.error?.code;
  expect(ERROR_CODES as readonly unknown[], where).toContain(code);
  expect(typeof parsed.error?.message, where).toBe('string');
  expect(HTTP_STATUS_BY_ERROR_CODE[code as ErrorCode], where).toBe(a.status);
}

describe('REST requests, property-based, on a real in-process RTM', () => {
  let database: TestDatabase;
  let rtm: RunningRtm;
  let base: URL;
  let scratch: string;
  let stateRoot: string;
  const docker = new AnyImageDocker();
  const redisPrefix = testRedisPrefix();

  beforeAll(async () => {
    database = await createTestDatabase();
    scratch = await mkdtemp(path.join(os.tmpdir(), 'rtm-rest-property-'));
    stateRoot = path.join(scratch, 'state');
    await mkdir(stateRoot);
    docker.networks.add(TEST_DOCKER_NETWORK);
    // Images whose labels or user the start must refuse (422), next to the ones it pulls.
    docker.addImage('galaxy/game:huge', { 'com.galaxy.memory': '900g' });
    docker.addImage('galaxy/game:root', {}, '');
    const config = loadConfig({
      RTMANAGER_INTERNAL_HTTP_ADDR: '127.0.0.1:0',
      RTMANAGER_POSTGRES_URL: database.url,
      RTMANAGER_REDIS_URL: TEST_REDIS_URL,
      RTMANAGER_REDIS_KEY_PREFIX: redisPrefix,
      RTMANAGER_DOCKER_NETWORK: TEST_DOCKER_NETWORK,
      RTMANAGER_GAME_STATE_ROOT: stateRoot,
      RTMANAGER_INTERNAL_API_TOKENS: TOKEN,
      RTMANAGER_PROBE_INTERVAL: '3600',
      RTMANAGER_PROBE_TIMEOUT: '1',
      RTMANAGER_INSPECT_INTERVAL: '3600',
      RTMANAGER_STOP_TIMEOUT: '1',
      RTMANAGER_LOG_LEVEL: 'fatal',
    });
    rtm = await startRtm(config, pino({ level: 'silent' }), { docker });
    await rtm.workersStarted;
    base = new URL(rtm.address);
  });

  afterAll(async () => {
    await rtm?.stop();
    const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
    await deleteKeysWithPrefix(redis, redisPrefix);
    redis.disconnect();
    await database?.drop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('never a 5xx, always the envelope; only galaxy-game-* containers and state folders directly under the root', async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        if (r.caller !== undefined) headers['x-galaxy-caller'] = r.caller;
        if (r.auth !== undefined) headers.authorization = r.auth;
        if (r.contentType !== undefined && r.body !== null) headers['content-type'] = r.contentType;
        const target = r.list ? `/api/v1/internal/runtimes${r.query}` : `/api/v1/internal/runtimes/${r.gameId}${r.op.suffix}${r.query}`;
        const answer = await send(base, { method: r.list ? 'GET' : r.op.method, path: target, headers, body: r.body });
        if (answer === null) return;
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        expectContractAnswer(answer, `${r.list ? 'GET' : r.op.method} ${target} [${r.body ?? ''}] -> ${answer.status} ${answer.body.slice(0, 300)}`);
      }),
      propertyRuns(400, 'REST requests'),
    );
    process.stdout.write(`[property] REST requests: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);
    // The run reached the services, not only the guards.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(20);

    for (const [spec] of docker.callsOf('createContainer') as Array<[{ name: string; stateBind: { hostPath: string } }]>) {
      expect(spec.name).toMatch(CONTAINER_NAME);
      expect(path.dirname(spec.stateBind.hostPath)).toBe(stateRoot);
    }
    for (const c of docker.containers.values()) expect(c.name).toMatch(CONTAINER_NAME);
    expect(await readdir(scratch)).toEqual(['state']);
    for (const entry of await readdir(stateRoot, { withFileTypes: true })) {
      expect(entry.isDirectory()).toBe(true);
      expect(isValidGameId(entry.name)).toBe(true);
    }
  });
});
