// Bearer tokens (CONTRACT §5): with RTMANAGER_INTERNAL_API_TOKENS set, every
// /api/v1/internal/* call needs one of them; probes and metrics stay open. Checked
// before anything else, so an unauthenticated caller learns nothing about its input.
import { describe, expect, it } from 'vitest';
import type { RtmOperationId } from '../../generated/openapi/contract.js';
import { IMAGE } from '../services/support/lifecycle-harness.js';
import { createApiHarness } from './support/api-harness.js';

const BASE = '/api/v1/internal/runtimes';
const TOKENS = ['s3cret-token-one', 'another-token-2'];
const GM = { 'x-galaxy-caller': 'game_master' };

type Req = { method: 'GET' | 'POST' | 'DELETE'; url: string; headers?: Record<string, string>; payload?: unknown };

const INTERNAL: Array<[RtmOperationId, Req]> = [
  ['internalListRuntimes', { method: 'GET', url: BASE }],
  ['internalGetRuntime', { method: 'GET', url: `${BASE}/g1` }],
  ['internalListRuntimeOperations', { method: 'GET', url: `${BASE}/g1/operations` }],
  ['internalStartRuntime', { method: 'POST', url: `${BASE}/g2/start`, headers: GM, payload: { image_ref: IMAGE } }],
  ['internalStopRuntime', { method: 'POST', url: `${BASE}/g1/stop`, headers: GM, payload: { reason: 'finished' } }],
  ['internalRestartRuntime', { method: 'POST', url: `${BASE}/g1/restart`, headers: GM, payload: {} }],
  ['internalPatchRuntime', { method: 'POST', url: `${BASE}/g1/patch`, headers: GM, payload: { image_ref: 'galaxy/game:1.0.1' } }],
  ['internalCleanupRuntimeContainer', { method: 'DELETE', url: `${BASE}/g3/container`, headers: GM }],
];

const BAD_AUTHORIZATION: Array<[string, Record<string, string>]> = [
  ['no header', {}],
  ['wrong token', { authorization: 'Bearer not-the-token' }],
  ['a prefix of a token', { authorization: 'Bearer s3cret-token' }],
  ['a token plus a suffix', { authorization: 'Bearer s3cret-token-one2' }],
  ['wrong scheme', { authorization: 'Basic czNjcmV0LXRva2VuLW9uZQ==' }],
  ['scheme only', { authorization: 'Bearer' }],
  ['no scheme', { authorization: 's3cret-token-one' }],
  ['two tokens', { authorization: 'Bearer s3cret-token-one another-token-2' }],
];

async function seeded(tokens: string[]) {
  const a = createApiHarness({ tokens });
  await a.seedRunning('g1');
  await a.seedStopped('g3');
  a.docker.addImage(IMAGE);
  a.docker.addImage('galaxy/game:1.0.1');
  return a;
}

describe('with tokens configured', () => {
  it.each(INTERNAL)('%s: a missing, wrong or malformed token is 401 unauthorized and touches nothing', async (operationId, req) => {
    const a = await seeded(TOKENS);
    const before = a.stateFingerprint();
    for (const [name, auth] of BAD_AUTHORIZATION) {
      const { res, body } = await a.call(operationId, { ...req, headers: { ...req.headers, ...auth } });
      expect([res.statusCode, body.error.code], name).toEqual([401, 'unauthorized']);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.body).not.toContain('s3cret');
    }
    expect(a.stateFingerprint()).toBe(before);
    expect(a.serviceCalls).toEqual([]);
  });

  it.each(INTERNAL)('%s: any configured token is accepted', async (operationId, req) => {
    for (const token of TOKENS) {
      const a = await seeded(TOKENS);
      const { res } = await a.call(operationId, { ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } });
      expect(res.statusCode, res.body).toBe(200);
    }
  });

  it('auth comes before validation: a bad request without a token is 401, not 400', async () => {
    const a = await seeded(TOKENS);
    const cases: Array<[RtmOperationId, Req]> = [
      ['internalGetRuntime', { method: 'GET', url: `${BASE}/BAD_ID` }],
      ['internalStartRuntime', { method: 'POST', url: `${BASE}/g2/start`, payload: { image_ref: 5 } }],
      ['internalStartRuntime', { method: 'POST', url: `${BASE}/g2/start`, headers: { 'content-type': 'application/json' }, payload: '{nope' }],
      ['internalStartRuntime', { method: 'POST', url: `${BASE}/g2/start`, headers: { 'content-type': 'text/plain' }, payload: 'x' }],
      ['internalListRuntimes', { method: 'GET', url: `${BASE}?limit=9999` }],
    ];
    for (const [operationId, req] of cases) {
      const { res } = await a.call(operationId, req);
      expect(res.statusCode, `${req.method} ${req.url}`).toBe(401);
    }
  });

  it('an unknown path under /api/v1/internal is 401 without a token (no route discovery), 404 with one', async () => {
    const a = await seeded(TOKENS);
    const anonymous = await a.call(null, { method: 'GET', url: '/api/v1/internal/secret-admin-thing' });
    expect(anonymous.res.statusCode).toBe(401);
    const authorised = await a.call(null, { method: 'GET', url: '/api/v1/internal/secret-admin-thing', headers: { authorization: `Bearer ${TOKENS[0]}` } });
    expect(authorised.res.statusCode).toBe(404);
  });

  it('/healthz, /readyz and /metrics stay open', async () => {
    const a = await seeded(TOKENS);
    expect((await a.call('internalHealthz', { method: 'GET', url: '/healthz' })).res.statusCode).toBe(200);
    expect((await a.call('internalReadyz', { method: 'GET', url: '/readyz' })).res.statusCode).toBe(200);
    expect((await a.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });

  it('the token never reaches the logs', async () => {
    const a = await seeded(TOKENS);
    await a.call('internalGetRuntime', { method: 'GET', url: `${BASE}/g1`, headers: { authorization: `Bearer ${TOKENS[0]}` } });
    await a.call('internalGetRuntime', { method: 'GET', url: `${BASE}/g1`, headers: { authorization: 'Bearer s3cret-guess' } });
    expect(a.logs.lines.length).toBeGreaterThan(0);
    expect(a.logs.text()).not.toContain('s3cret');
  });
});

describe('without tokens', () => {
  it.each(INTERNAL)('%s is open (network-level trust), an Authorization header is ignored', async (operationId, req) => {
    const a = await seeded([]);
    expect((await a.call(operationId, req)).res.statusCode).toBe(200);
    const b = await seeded([]);
    expect((await b.call(operationId, { ...req, headers: { ...req.headers, authorization: 'Bearer whatever' } })).res.statusCode).toBe(200);
  });
});
