// Error code -> HTTP status (CONTRACT §5), for failures the services return and for
// faults thrown by stores or services; fault details stay in the logs.
import { describe, expect, it } from 'vitest';
import { faultErrorCode } from '../../src/api/error-envelope.js';
import { ERROR_CODES, HTTP_STATUS_BY_ERROR_CODE, type ErrorCode } from '../../src/domain/error-codes.js';
import { failed, type OperationResult } from '../../src/domain/operation-result.js';
import { DockerError } from '../../src/ports/docker-runtime.js';
import { DependencyUnavailable } from '../../src/ports/infrastructure-fault.js';
import { createApiHarness } from './support/api-harness.js';

const BASE = '/api/v1/internal/runtimes';
const GM = { 'x-galaxy-caller': 'game_master' };
const FAULT_CODES: ErrorCode[] = ['internal_error', 'service_unavailable', 'docker_unavailable'];

const stub = (result: OperationResult | (() => Promise<OperationResult>)) => ({
  execute: typeof result === 'function' ? result : async () => result,
});

describe('service failure codes', () => {
  // patch declares every code but `unauthorized`, which only the token check answers.
  const serviceCodes = ERROR_CODES.filter((c) => c !== 'unauthorized');

  it.each(serviceCodes.map((c) => [c, HTTP_STATUS_BY_ERROR_CODE[c]]))('%s -> %i', async (code, status) => {
    const detail = `the detail of ${code} from the service`;
    const a = createApiHarness({ services: { patch: stub(failed(code, detail)) } });
    const { res, body } = await a.call('internalPatchRuntime', {
      method: 'POST',
      url: `${BASE}/g1/patch`,
      headers: GM,
      payload: { image_ref: 'galaxy/game:1.0.1' },
    });
    expect(res.statusCode).toBe(status);
    expect(body.error.code).toBe(code);
    if (FAULT_CODES.includes(code)) {
      // Faults: a generic message for the caller, the detail in the logs.
      expect(body.error.message).not.toContain('detail');
      expect(a.logs.text()).toContain(detail);
    } else {
      expect(body.error.message).toBe(detail);
    }
  });

  it('unauthorized -> 401', async () => {
    const a = createApiHarness({ tokens: ['t'] });
    const { res, body } = await a.call('internalListRuntimes', { method: 'GET', url: BASE });
    expect([res.statusCode, body.error.code]).toEqual([401, 'unauthorized']);
  });

  it('a failure without a known code is an internal_error', async () => {
    const weird: OperationResult = { outcome: 'failure', errorCode: 'replay_no_op', errorMessage: 'odd', record: null };
    const a = createApiHarness({ services: { start: stub(weird) } });
    const { res, body } = await a.call('internalStartRuntime', { method: 'POST', url: `${BASE}/g1/start`, headers: GM, payload: { image_ref: 'x:1' } });
    expect([res.statusCode, body.error]).toEqual([500, { code: 'internal_error', message: 'internal error' }]);
  });
});

// Behaviour change (issue 8 item 4): the edge no longer reads driver messages. Adapters
// classify (DependencyUnavailable, src/ports/infrastructure-fault.ts; the PostgreSQL reads:
// test/adapters/postgres/postgres-fault.test.ts); any other exception is a bug.
describe('faults thrown at the edge', () => {
  const pgDown = new DependencyUnavailable('postgres', 'runtime read: PostgreSQL unavailable', {
    cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
  });
  const rawDriverError = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED', errno: -111, syscall: 'connect' });
  const sqlBug = Object.assign(new Error('relation rtmanager.runtime_recs does not exist'), { code: '42P01' });
  const bug = new TypeError("Cannot read properties of undefined (reading 'gameId') secret-ish detail");

  it.each([
    ['PostgreSQL unavailable (classified by the adapter)', pgDown, 'service_unavailable', 503],
    ['an unclassified driver error', rawDriverError, 'internal_error', 500],
    ['a SQL bug', sqlBug, 'internal_error', 500],
    ['a bug', bug, 'internal_error', 500],
  ] as const)('a store throwing %s -> %s', async (_name, err, code, status) => {
    const a = createApiHarness();
    a.records.get = async () => {
      throw err;
    };
    a.records.list = async () => {
      throw err;
    };
    for (const [operationId, url] of [
      ['internalGetRuntime', `${BASE}/g1`],
      ['internalListRuntimes', BASE],
    ] as const) {
      const { res, body } = await a.call(operationId, { method: 'GET', url });
      expect([res.statusCode, body.error.code]).toEqual([status, code]);
      expect(res.body).not.toContain(err.message);
      expect(res.body).not.toContain('5432');
    }
    expect(a.logs.text()).toContain(err.message);
  });

  it('the operation log store unavailable -> service_unavailable', async () => {
    const a = createApiHarness();
    a.operationLog.listByGame = async () => {
      throw pgDown;
    };
    const { res, body } = await a.call('internalListRuntimeOperations', { method: 'GET', url: `${BASE}/g1/operations` });
    expect([res.statusCode, body.error]).toEqual([503, { code: 'service_unavailable', message: 'service temporarily unavailable, retry later' }]);
  });

  it('a service throwing DependencyUnavailable(docker) -> docker_unavailable; redis -> service_unavailable; any other throw -> internal_error', async () => {
    const docker = createApiHarness({
      services: {
        stop: stub(async () => {
          throw new DependencyUnavailable('docker', 'connect ENOENT /var/run/docker.sock');
        }),
        restart: stub(async () => {
          throw new DependencyUnavailable('redis', 'lease: Redis unavailable');
        }),
      },
    });
    const d = await docker.call('internalStopRuntime', { method: 'POST', url: `${BASE}/g1/stop`, headers: GM, payload: { reason: 'finished' } });
    expect([d.res.statusCode, d.body.error]).toEqual([503, { code: 'docker_unavailable', message: 'docker daemon unavailable, retry later' }]);
    const r = await docker.call('internalRestartRuntime', { method: 'POST', url: `${BASE}/g1/restart`, headers: GM });
    expect([r.res.statusCode, r.body.error.code]).toEqual([503, 'service_unavailable']);

    const thrown = createApiHarness({
      services: {
        cleanup: stub(async () => {
          throw new RangeError('bug in cleanup');
        }),
      },
    });
    const t = await thrown.call('internalCleanupRuntimeContainer', { method: 'DELETE', url: `${BASE}/g1/container`, headers: GM });
    expect([t.res.statusCode, t.body.error]).toEqual([500, { code: 'internal_error', message: 'internal error' }]);
    expect(thrown.logs.text()).toContain('bug in cleanup');
  });

  it('the health snapshot read failing after a successful mutation answers 503 (a retry replays safely)', async () => {
    const a = createApiHarness();
    await a.seedRunning('g1');
    a.snapshots.get = async () => {
      throw pgDown;
    };
    const first = await a.call('internalStopRuntime', { method: 'POST', url: `${BASE}/g1/stop`, headers: GM, payload: { reason: 'finished' } });
    expect(first.res.statusCode).toBe(503);
    delete (a.snapshots as { get?: unknown }).get;
    const retry = await a.call('internalStopRuntime', { method: 'POST', url: `${BASE}/g1/stop`, headers: GM, payload: { reason: 'finished' } });
    expect([retry.res.statusCode, retry.body.error_code, retry.body.runtime.status]).toEqual([200, 'replay_no_op', 'stopped']);
  });
});

describe('faultErrorCode', () => {
  it.each([
    ['PostgreSQL unavailable', new DependencyUnavailable('postgres', 'x'), 'service_unavailable'],
    ['Redis unavailable', new DependencyUnavailable('redis', 'x'), 'service_unavailable'],
    ['Docker unavailable', new DependencyUnavailable('docker', 'x'), 'docker_unavailable'],
    ['a driver error nobody classified', Object.assign(new Error('Connection terminated unexpectedly'), { code: '08006' }), 'internal_error'],
    ['a Docker error the service did not map', new DockerError('failed', 'conflicting options'), 'internal_error'],
    ['a string', 'boom', 'internal_error'],
    ['null', null, 'internal_error'],
  ] as const)('%s -> %s', (_name, err, code) => {
    expect(faultErrorCode(err)).toBe(code);
  });
});
