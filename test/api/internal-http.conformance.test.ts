// Every operation of the contract answers what api/internal-openapi.yaml declares, with
// the real lifecycle services behind the server (fakes below them).
import { describe, expect, it } from 'vitest';
import { RTM_OPERATION_IDS, type RtmOperationId } from '../../generated/openapi/contract.js';
import { IMAGE, IMAGE_PATCH } from '../services/support/lifecycle-harness.js';
import { ALL_READY, createApiHarness, EVENT_STREAM_KEYS, type ApiHarness } from './support/api-harness.js';

const BASE = '/api/v1/internal/runtimes';
const GM = { 'x-galaxy-caller': 'game_master' };
const ADMIN = { 'x-galaxy-caller': 'admin_service' };

interface Sample {
  prepare: (a: ApiHarness) => Promise<void>;
  request: { method: 'GET' | 'POST' | 'DELETE'; url: string; headers?: Record<string, string>; payload?: unknown };
  check: (a: ApiHarness, body: any) => void;
}

/** One successful request per operation; the Record type makes the table exhaustive. */
const SAMPLES: Record<RtmOperationId, Sample> = {
  internalListRuntimes: {
    prepare: async (a) => {
      await a.seedRunning('g-list');
      await a.seedSnapshot({ gameId: 'g-list' });
    },
    request: { method: 'GET', url: BASE },
    check: (_a, body) => {
      expect(body.items.map((r: any) => r.game_id)).toEqual(['g-list']);
      expect(body.items[0].health.event_type).toBe('probe_recovered');
    },
  },
  internalGetRuntime: {
    prepare: async (a) => void (await a.seedRunning('g-get')),
    request: { method: 'GET', url: `${BASE}/g-get` },
    check: (_a, body) => {
      expect(body).toMatchObject({ game_id: 'g-get', status: 'running', current_image_ref: IMAGE, health: null });
      expect(body.engine_endpoint).toBe('http://galaxy-game-g-get:8080');
    },
  },
  internalListRuntimeOperations: {
    prepare: async (a) => {
      a.docker.addImage(IMAGE);
      await a.services.start.execute({ gameId: 'g-ops', imageRef: IMAGE, opSource: 'lobby_stream' });
      await a.services.stop.execute({ gameId: 'g-ops', reason: 'finished', opSource: 'lobby_stream' });
    },
    request: { method: 'GET', url: `${BASE}/g-ops/operations` },
    check: (_a, body) => expect(body.items.map((o: any) => o.op_kind)).toEqual(['stop', 'start']),
  },
  internalStartRuntime: {
    prepare: async (a) => a.docker.addImage(IMAGE),
    request: { method: 'POST', url: `${BASE}/g-start/start`, headers: GM, payload: { image_ref: IMAGE } },
    check: (a, body) => {
      expect(body).toMatchObject({ error_code: null, runtime: { game_id: 'g-start', status: 'running', current_image_ref: IMAGE } });
      expect(a.rows('g-start').map((r) => [r.opKind, r.opSource, r.outcome])).toEqual([['start', 'gm_rest', 'success']]);
    },
  },
  internalStopRuntime: {
    prepare: async (a) => void (await a.seedRunning('g-stop')),
    request: { method: 'POST', url: `${BASE}/g-stop/stop`, headers: ADMIN, payload: { reason: 'admin_request' } },
    check: (a, body) => {
      expect(body).toMatchObject({ error_code: null, runtime: { status: 'stopped' } });
      expect(a.rows('g-stop').map((r) => [r.opKind, r.opSource])).toEqual([['stop', 'admin_rest']]);
    },
  },
  internalRestartRuntime: {
    prepare: async (a) => void (await a.seedRunning('g-restart')),
    request: { method: 'POST', url: `${BASE}/g-restart/restart`, headers: GM, payload: {} },
    check: (a, body) => {
      expect(body).toMatchObject({ error_code: null, runtime: { status: 'running', current_image_ref: IMAGE } });
      expect(a.rows('g-restart').map((r) => r.opKind).sort()).toEqual(['restart', 'start', 'stop']);
    },
  },
  internalPatchRuntime: {
    prepare: async (a) => {
      await a.seedRunning('g-patch');
      a.docker.addImage(IMAGE_PATCH);
    },
    request: { method: 'POST', url: `${BASE}/g-patch/patch`, headers: GM, payload: { image_ref: IMAGE_PATCH } },
    check: (_a, body) => expect(body).toMatchObject({ error_code: null, runtime: { status: 'running', current_image_ref: IMAGE_PATCH } }),
  },
  internalCleanupRuntimeContainer: {
    prepare: async (a) => void (await a.seedStopped('g-clean')),
    request: { method: 'DELETE', url: `${BASE}/g-clean/container`, headers: ADMIN },
    check: (a, body) => {
      expect(body).toMatchObject({ error_code: null, runtime: { status: 'removed' } });
      expect(a.rows('g-clean').map((r) => [r.opKind, r.opSource])).toEqual([['cleanup_container', 'admin_rest']]);
    },
  },
  internalUpdateRuntimeLimits: {
    prepare: async (a) => void (await a.seedRunning('g-limits')),
    request: { method: 'POST', url: `${BASE}/g-limits/limits`, headers: ADMIN, payload: { memory: '768m', pids_limit: 300 } },
    check: (a, body) => {
      expect(body).toMatchObject({ error_code: null, runtime: { status: 'running', limits: { memory_bytes: 768 * 1024 ** 2, pids_limit: 300 } } });
      expect(body.runtime.limits.source).toEqual({ cpus: 'default', memory_bytes: 'override', pids_limit: 'override' });
      expect(a.rows('g-limits').map((r) => [r.opKind, r.opSource, r.outcome])).toEqual([['update_limits', 'admin_rest', 'success']]);
    },
  },
  internalGetRuntimeLogs: {
    prepare: async (a) => {
      const record = await a.seedRunning('g-logs');
      a.docker.print(record.currentContainerId!, 'hello "world"');
      a.docker.print(record.currentContainerId!, 'oops', 'stderr');
    },
    request: { method: 'GET', url: `${BASE}/g-logs/logs?tail=2` },
    check: (_a, lines) => expect(lines.map((l: any) => [l.stream, l.line])).toEqual([['stdout', 'hello "world"'], ['stderr', 'oops']]),
  },
  internalGetRuntimeStats: {
    prepare: async (a) => {
      const record = await a.seedRunning('g-stats');
      const c = a.docker.containers.get(record.currentContainerId!)!;
      c.usage = { ...c.usage, cpu: { containerNs: 3e9, systemNs: 40e9 }, previousCpu: { containerNs: 2.5e9, systemNs: 36e9 }, memoryBytes: 50 * 1024 ** 2, pids: 7 };
    },
    request: { method: 'GET', url: `${BASE}/g-stats/stats` },
    check: (_a, body) =>
      // 0.5 s of CPU over 4 s of host time on 4 CPUs = half a CPU.
      expect(body).toMatchObject({ game_id: 'g-stats', cpu_percent: 50, memory_bytes: 50 * 1024 ** 2, pids: 7, restart_count: 0 }),
  },
  internalGetDiagnostics: {
    prepare: async (a) => {
      await a.seedRunning('g-diag-1');
      await a.seedStopped('g-diag-2');
    },
    request: { method: 'GET', url: '/api/v1/internal/diagnostics' },
    check: (_a, body) =>
      expect(body).toMatchObject({
        rtm: { version: '0.0.0-test', node_version: process.versions.node },
        docker: { version: 'fake', error: null },
        postgres: { version: null, error: 'not wired' },
        runtimes: { running: 1, stopped: 1, removed: 0 },
      }),
  },
  internalTailEvents: {
    prepare: async (a) => {
      a.eventStreams.add(EVENT_STREAM_KEYS['runtime:health_events'], { game_id: 'g-other', container_id: 'c1', event_type: 'container_started', occurred_at_ms: '1', details: '{}' });
      a.eventStreams.add(EVENT_STREAM_KEYS['runtime:job_results'], { game_id: 'g-ev', job_kind: 'start', outcome: 'success' });
      a.eventStreams.add(EVENT_STREAM_KEYS['runtime:health_events'], { game_id: 'g-ev', container_id: 'c2', event_type: 'container_started', occurred_at_ms: '2', details: '{}' });
    },
    request: { method: 'GET', url: '/api/v1/internal/events?from=0&game_id=g-ev&max=2' },
    check: (_a, body) =>
      expect(body.map((l: any) => [l.stream, l.fields.game_id])).toEqual([
        ['runtime:job_results', 'g-ev'],
        ['runtime:health_events', 'g-ev'],
      ]),
  },
  internalHealthz: {
    prepare: async () => {},
    request: { method: 'GET', url: '/healthz' },
    check: (_a, body) => expect(body).toEqual({ status: 'ok' }),
  },
  internalReadyz: {
    prepare: async () => {},
    request: { method: 'GET', url: '/readyz' },
    check: (_a, body) => expect(body).toEqual({ status: 'ready', checks: ALL_READY.checks }),
  },
};

describe('internal REST API: every operation of the contract', () => {
  it.each(RTM_OPERATION_IDS.map((id) => [id]))('%s answers a conformant 200', async (operationId) => {
    const a = createApiHarness();
    const sample = SAMPLES[operationId];
    await sample.prepare(a);
    const { res, body } = await a.call(operationId, sample.request);
    expect(res.statusCode).toBe(200);
    sample.check(a, body);
  });
});

describe('mutations', () => {
  it('a replayed start answers 200 with error_code replay_no_op and the runtime', async () => {
    const a = createApiHarness();
    await a.seedRunning('g1');
    const { res, body } = await a.call('internalStartRuntime', {
      method: 'POST',
      url: `${BASE}/g1/start`,
      headers: GM,
      payload: { image_ref: IMAGE },
    });
    expect(res.statusCode).toBe(200);
    expect(body).toMatchObject({ error_code: 'replay_no_op', runtime: { game_id: 'g1', status: 'running' } });
  });

  it('stop of a game without a record answers 200 replay_no_op with runtime null', async () => {
    const a = createApiHarness();
    const { res, body } = await a.call('internalStopRuntime', {
      method: 'POST',
      url: `${BASE}/never-seen/stop`,
      headers: GM,
      payload: { reason: 'orphan_cleanup' },
    });
    expect(res.statusCode).toBe(200);
    expect(body).toEqual({ runtime: null, error_code: 'replay_no_op' });
  });

  it('restart without any body (and with an empty JSON body) is restart with {}', async () => {
    const a = createApiHarness();
    await a.seedRunning('g1');
    const first = await a.call('internalRestartRuntime', { method: 'POST', url: `${BASE}/g1/restart`, headers: GM });
    expect(first.res.statusCode).toBe(200);
    const second = await a.call('internalRestartRuntime', {
      method: 'POST',
      url: `${BASE}/g1/restart`,
      headers: { ...GM, 'content-type': 'application/json' },
      payload: '',
    });
    expect(second.res.statusCode).toBe(200);
    expect(a.rows('g1').filter((r) => r.opKind === 'restart')).toHaveLength(2);
  });

  it('a mutation answer carries the latest health snapshot', async () => {
    const a = createApiHarness();
    await a.seedRunning('g1');
    await a.seedSnapshot({ gameId: 'g1', eventType: 'container_started', details: { image_ref: IMAGE } });
    const { body } = await a.call('internalStopRuntime', {
      method: 'POST',
      url: `${BASE}/g1/stop`,
      headers: GM,
      payload: { reason: 'finished' },
    });
    expect(body.runtime.health).toMatchObject({ event_type: 'container_started', details: { image_ref: IMAGE } });
  });

  it('the service failures answer their envelope (real services): conflict, not_found, 422s', async () => {
    const a = createApiHarness();
    await a.seedRunning('g1');
    a.docker.addImage('galaxy/game:2.0.0');
    const cases: Array<[RtmOperationId, Parameters<ApiHarness['call']>[1], string, number]> = [
      ['internalStartRuntime', { method: 'POST', url: `${BASE}/g1/start`, headers: GM, payload: { image_ref: 'galaxy/game:2.0.0' } }, 'conflict', 409],
      ['internalCleanupRuntimeContainer', { method: 'DELETE', url: `${BASE}/g1/container`, headers: GM }, 'conflict', 409],
      ['internalPatchRuntime', { method: 'POST', url: `${BASE}/g1/patch`, headers: GM, payload: { image_ref: 'galaxy/game:2.0.0' } }, 'semver_patch_only', 422],
      ['internalPatchRuntime', { method: 'POST', url: `${BASE}/g1/patch`, headers: GM, payload: { image_ref: 'galaxy/game:latest' } }, 'image_ref_not_semver', 422],
      ['internalRestartRuntime', { method: 'POST', url: `${BASE}/nobody/restart`, headers: GM, payload: {} }, 'not_found', 404],
      ['internalCleanupRuntimeContainer', { method: 'DELETE', url: `${BASE}/nobody/container`, headers: GM }, 'not_found', 404],
      ['internalStartRuntime', { method: 'POST', url: `${BASE}/g2/start`, headers: GM, payload: { image_ref: 'galaxy/missing:1.0.0' } }, 'image_pull_failed', 502],
    ];
    for (const [operationId, req, code, status] of cases) {
      const { res, body } = await a.call(operationId, req);
      expect([res.statusCode, body.error.code], `${req.method} ${req.url}`).toEqual([status, code]);
      expect(body.error.message.length).toBeGreaterThan(0);
    }
  });
});

describe('reads', () => {
  it('get of an unknown game is 404 not_found', async () => {
    const a = createApiHarness();
    const { res, body } = await a.call('internalGetRuntime', { method: 'GET', url: `${BASE}/unknown-game` });
    expect(res.statusCode).toBe(404);
    expect(body.error).toEqual({ code: 'not_found', message: 'no runtime record for game unknown-game' });
  });

  it('operations of a game with no record: 200 with what the log holds (possibly nothing)', async () => {
    const a = createApiHarness();
    const empty = await a.call('internalListRuntimeOperations', { method: 'GET', url: `${BASE}/unknown-game/operations` });
    expect([empty.res.statusCode, empty.body]).toEqual([200, { items: [] }]);
    // A failed first start leaves a row but no record.
    await a.call('internalStartRuntime', { method: 'POST', url: `${BASE}/g9/start`, headers: GM, payload: { image_ref: 'galaxy/missing:1.0.0' } });
    expect(await a.records.get('g9')).toBeNull();
    const rows = await a.call('internalListRuntimeOperations', { method: 'GET', url: `${BASE}/g9/operations` });
    expect(rows.body.items).toMatchObject([{ op_kind: 'start', outcome: 'failure', error_code: 'image_pull_failed' }]);
  });

  it('X-Galaxy-Caller is optional on reads', async () => {
    const a = createApiHarness();
    await a.seedRunning('g1');
    expect((await a.call('internalGetRuntime', { method: 'GET', url: `${BASE}/g1`, headers: ADMIN })).res.statusCode).toBe(200);
    expect((await a.call('internalGetRuntime', { method: 'GET', url: `${BASE}/g1` })).res.statusCode).toBe(200);
  });
});

describe('probes and metrics', () => {
  it('readyz answers 503 not_ready naming the failed check', async () => {
    const a = createApiHarness({
      readiness: async () => ({ ready: false, checks: { ...ALL_READY.checks, docker: { ok: false, error: 'connect ENOENT /var/run/docker.sock' } } }),
    });
    const { res, body } = await a.call('internalReadyz', { method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(body).toEqual({
      status: 'not_ready',
      checks: { ...ALL_READY.checks, docker: { ok: false, error: 'connect ENOENT /var/run/docker.sock' } },
    });
  });

  it('readyz: a problem outside the four checks (startup reconcile pending) still means not_ready', async () => {
    const a = createApiHarness({
      readiness: async () => ({ ready: false, checks: { ...ALL_READY.checks, startup_reconcile: { ok: false, error: 'pending' } } }),
    });
    const { res, body } = await a.call('internalReadyz', { method: 'GET', url: '/readyz' });
    expect([res.statusCode, body.status]).toEqual([503, 'not_ready']);
    expect(body.checks.startup_reconcile).toEqual({ ok: false, error: 'pending' });
    expect(a.logs.text()).toContain('startup_reconcile');
    // Logged once per change, not once per probe.
    await a.call('internalReadyz', { method: 'GET', url: '/readyz' });
    expect(a.logs.lines.filter((l) => l.msg === 'readiness changed')).toHaveLength(1);
  });

  it('readyz: a missing check is reported as failed, a throwing evaluation as not_ready', async () => {
    const partial = createApiHarness({ readiness: async () => ({ ready: true, checks: { postgres: { ok: true } } }) });
    const p = await partial.call('internalReadyz', { method: 'GET', url: '/readyz' });
    expect([p.res.statusCode, p.body.checks.redis]).toEqual([503, { ok: false, error: 'not checked' }]);
    const throwing = createApiHarness({
      readiness: async () => {
        throw new Error('boom');
      },
    });
    const t = await throwing.call('internalReadyz', { method: 'GET', url: '/readyz' });
    expect([t.res.statusCode, t.body.status]).toEqual([503, 'not_ready']);
  });

  it('metrics answers the Prometheus text the metrics adapter renders', async () => {
    const a = createApiHarness();
    a.setMetricsBody('rtmanager_operations_total{op_kind="start",outcome="success"} 3\n');
    const res = await a.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.body).toBe('rtmanager_operations_total{op_kind="start",outcome="success"} 3\n');
  });

  it('an unknown path and an unknown method answer the not_found envelope', async () => {
    const a = createApiHarness();
    for (const req of [
      { method: 'GET' as const, url: '/api/v1/internal/nothing-here' },
      { method: 'PUT' as const, url: `${BASE}/g1` },
      { method: 'GET' as const, url: '/' },
    ]) {
      const { res, body } = await a.call(null, req);
      expect([res.statusCode, body.error.code]).toEqual([404, 'not_found']);
    }
  });
});
