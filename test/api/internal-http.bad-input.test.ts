// Every malformed request answers invalid_request (400) and changes nothing: no service
// call, no record change, no operation_log row, no Docker call.
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { RtmOperationId } from '../../generated/openapi/contract.js';
import { IMAGE } from '../services/support/lifecycle-harness.js';
import { createApiHarness } from './support/api-harness.js';

const BASE = '/api/v1/internal/runtimes';
const GM = { 'x-galaxy-caller': 'game_master' };

type Req = { method: 'GET' | 'POST' | 'DELETE'; url: string; headers?: Record<string, string>; payload?: unknown };

/** node:http sends the path exactly as given (fetch and inject would normalise `..`). */
function rawRequest(port: number, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, headers: { 'x-galaxy-caller': 'game_master', ...(body ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function expectRejected(operationId: RtmOperationId | null, req: Req, messagePattern: RegExp) {
  const a = createApiHarness();
  await a.seedRunning('g1');
  a.docker.addImage('galaxy/game:1.0.1');
  const before = a.stateFingerprint();
  const { res, body } = await a.call(operationId, req);
  expect([res.statusCode, body.error.code], res.body).toEqual([400, 'invalid_request']);
  expect(body.error.message).toMatch(messagePattern);
  expect(a.stateFingerprint()).toBe(before);
  expect(a.serviceCalls).toEqual([]);
  return body.error.message as string;
}

describe('bodies', () => {
  it('an unknown field is rejected, not stripped', async () => {
    const msg = await expectRejected(
      'internalStartRuntime',
      { method: 'POST', url: `${BASE}/g2/start`, headers: GM, payload: { image_ref: IMAGE, force: true } },
      /body: unknown field "force"/,
    );
    expect(msg).not.toContain('true');
  });

  it('an unknown field in a restart body is rejected', async () => {
    await expectRejected(
      'internalRestartRuntime',
      { method: 'POST', url: `${BASE}/g1/restart`, headers: GM, payload: { image_ref: IMAGE } },
      /body: unknown field "image_ref"/,
    );
  });

  it('wrong types are rejected, not coerced', async () => {
    await expectRejected(
      'internalStartRuntime',
      { method: 'POST', url: `${BASE}/g2/start`, headers: GM, payload: { image_ref: 5 } },
      /body\.image_ref: must be string/,
    );
    await expectRejected(
      'internalPatchRuntime',
      { method: 'POST', url: `${BASE}/g1/patch`, headers: GM, payload: { image_ref: ['galaxy/game:1.0.1'] } },
      /body\.image_ref: must be string/,
    );
    await expectRejected(
      'internalStartRuntime',
      { method: 'POST', url: `${BASE}/g2/start`, headers: GM, payload: { image_ref: '' } },
      /body\.image_ref: must NOT have fewer than 1 characters/,
    );
  });

  it('a stop reason outside the enum names the allowed values (and not the value sent)', async () => {
    const msg = await expectRejected(
      'internalStopRuntime',
      { method: 'POST', url: `${BASE}/g1/stop`, headers: GM, payload: { reason: 'hunter2-secret' } },
      /body\.reason: must be one of orphan_cleanup, cancelled, finished, admin_request, timeout/,
    );
    expect(msg).not.toContain('hunter2');
  });

  it('a missing required field or a missing body is rejected', async () => {
    await expectRejected('internalStopRuntime', { method: 'POST', url: `${BASE}/g1/stop`, headers: GM, payload: {} }, /missing required field "reason"/);
    await expectRejected('internalStartRuntime', { method: 'POST', url: `${BASE}/g2/start`, headers: GM }, /a JSON request body is required/);
  });

  it('a body that is not an object is rejected', async () => {
    for (const payload of ['[]', 'null', '"galaxy/game:1.0.0"', '42']) {
      await expectRejected(
        'internalStartRuntime',
        { method: 'POST', url: `${BASE}/g2/start`, headers: { ...GM, 'content-type': 'application/json' }, payload },
        /body: must be object/,
      );
    }
  });

  it('a body on an operation that takes none is rejected', async () => {
    await expectRejected(
      'internalCleanupRuntimeContainer',
      { method: 'DELETE', url: `${BASE}/g1/container`, headers: GM, payload: { force: true } },
      /takes no request body/,
    );
  });

  it('prototype keys in a body are unknown fields, not prototypes', async () => {
    for (const key of ['__proto__', 'constructor']) {
      await expectRejected(
        'internalStartRuntime',
        {
          method: 'POST',
          url: `${BASE}/g2/start`,
          headers: { ...GM, 'content-type': 'application/json' },
          payload: `{"image_ref":"galaxy/game:1.0.0","${key}":{"polluted":true}}`,
        },
        new RegExp(`body: unknown field "${key}"`),
      );
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('malformed JSON is rejected', async () => {
    for (const payload of ['{"image_ref": ', '{image_ref: "x"}', "{'image_ref':'x'}"]) {
      await expectRejected(
        'internalStartRuntime',
        { method: 'POST', url: `${BASE}/g2/start`, headers: { ...GM, 'content-type': 'application/json' }, payload },
        /^request body is not valid JSON$/,
      );
    }
  });

  it('a content type other than JSON is rejected', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/xml']) {
      await expectRejected(
        'internalStartRuntime',
        { method: 'POST', url: `${BASE}/g2/start`, headers: { ...GM, 'content-type': type }, payload: 'image_ref=galaxy/game:1.0.0' },
        /unsupported content type/,
      );
    }
  });

  it('a body over the size limit is rejected', async () => {
    await expectRejected(
      'internalStartRuntime',
      { method: 'POST', url: `${BASE}/g2/start`, headers: GM, payload: { image_ref: 'x'.repeat(70 * 1024) } },
      /too large/,
    );
  });

  it('a JSON content type with a charset parameter is accepted', async () => {
    const a = createApiHarness();
    a.docker.addImage(IMAGE);
    const { res } = await a.call('internalStartRuntime', {
      method: 'POST',
      url: `${BASE}/g2/start`,
      headers: { ...GM, 'content-type': 'application/json; charset=utf-8' },
      payload: JSON.stringify({ image_ref: IMAGE }),
    });
    expect(res.statusCode).toBe(200);
  });
});

describe('game_id in the path', () => {
  const BAD_IDS: Array<[string, string]> = [
    ['uppercase', 'Game1'],
    ['dots', 'a..b'],
    ['single dot', 'a.b'],
    ['52 characters', 'a'.repeat(52)],
    ['underscore', 'a_b'],
    ['leading hyphen', '-ab'],
    ['trailing hyphen', 'ab-'],
    ['space', 'a%20b'],
    ['very long', 'a'.repeat(400)],
  ];

  it.each(BAD_IDS)('%s is rejected on every game route', async (_name, id) => {
    await expectRejected('internalGetRuntime', { method: 'GET', url: `${BASE}/${id}` }, /game_id must be/);
    await expectRejected('internalListRuntimeOperations', { method: 'GET', url: `${BASE}/${id}/operations` }, /game_id must be/);
    await expectRejected('internalStartRuntime', { method: 'POST', url: `${BASE}/${id}/start`, headers: GM, payload: { image_ref: IMAGE } }, /game_id must be/);
    await expectRejected('internalStopRuntime', { method: 'POST', url: `${BASE}/${id}/stop`, headers: GM, payload: { reason: 'finished' } }, /game_id must be/);
    await expectRejected('internalRestartRuntime', { method: 'POST', url: `${BASE}/${id}/restart`, headers: GM, payload: {} }, /game_id must be/);
    await expectRejected('internalPatchRuntime', { method: 'POST', url: `${BASE}/${id}/patch`, headers: GM, payload: { image_ref: IMAGE } }, /game_id must be/);
    await expectRejected('internalCleanupRuntimeContainer', { method: 'DELETE', url: `${BASE}/${id}/container`, headers: GM }, /game_id must be/);
  });

  it('".." as game_id over a real socket (no client-side path normalisation) is rejected', async () => {
    const a = createApiHarness();
    await a.seedRunning('g1');
    const before = a.stateFingerprint();
    await a.app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = a.app.server.address() as AddressInfo;
      for (const [method, path] of [
        ['GET', `${BASE}/..`],
        ['POST', `${BASE}/../stop`],
        ['DELETE', `${BASE}/%2E%2E/container`],
      ] as const) {
        const res = await rawRequest(port, method, path, method === 'POST' ? '{"reason":"finished"}' : undefined);
        expect([res.status, JSON.parse(res.body).error.code], `${method} ${path}`).toEqual([400, 'invalid_request']);
      }
    } finally {
      await a.app.close();
    }
    expect(a.stateFingerprint()).toBe(before);
  });

  it('the longest valid id (51 characters) is accepted', async () => {
    const a = createApiHarness();
    a.docker.addImage(IMAGE);
    const id = `a${'-'.repeat(49)}b`;
    const { res } = await a.call('internalStartRuntime', { method: 'POST', url: `${BASE}/${id}/start`, headers: GM, payload: { image_ref: IMAGE } });
    expect(res.statusCode).toBe(200);
  });
});

describe('X-Galaxy-Caller', () => {
  const MUTATIONS: Array<[RtmOperationId, Req]> = [
    ['internalStartRuntime', { method: 'POST', url: `${BASE}/g2/start`, payload: { image_ref: IMAGE } }],
    ['internalStopRuntime', { method: 'POST', url: `${BASE}/g1/stop`, payload: { reason: 'finished' } }],
    ['internalRestartRuntime', { method: 'POST', url: `${BASE}/g1/restart`, payload: {} }],
    ['internalPatchRuntime', { method: 'POST', url: `${BASE}/g1/patch`, payload: { image_ref: 'galaxy/game:1.0.1' } }],
    ['internalCleanupRuntimeContainer', { method: 'DELETE', url: `${BASE}/g1/container` }],
  ];

  it.each(MUTATIONS)('%s without the header is rejected', async (operationId, req) => {
    await expectRejected(operationId, req, /X-Galaxy-Caller header is required \(game_master, admin_service\)/);
  });

  it.each(MUTATIONS)('%s with an unknown caller is rejected', async (operationId, req) => {
    for (const caller of ['lobby', 'GAME_MASTER', '', 'game_master, admin_service']) {
      await expectRejected(operationId, { ...req, headers: { 'x-galaxy-caller': caller } }, /X-Galaxy-Caller must be one of game_master, admin_service/);
    }
  });

  it('an unknown caller on a read is rejected too (optional, but not free-form)', async () => {
    await expectRejected('internalGetRuntime', { method: 'GET', url: `${BASE}/g1`, headers: { 'x-galaxy-caller': 'someone' } }, /X-Galaxy-Caller must be one of/);
  });
});

describe('query strings', () => {
  it('an unknown query parameter is rejected, naming the allowed ones', async () => {
    await expectRejected('internalListRuntimes', { method: 'GET', url: `${BASE}?lmit=5` }, /unknown query parameter "lmit"; allowed: status, limit, cursor/);
    await expectRejected('internalListRuntimeOperations', { method: 'GET', url: `${BASE}/g1/operations?cursor=abc` }, /unknown query parameter "cursor"; allowed: limit/);
    await expectRejected('internalGetRuntime', { method: 'GET', url: `${BASE}/g1?verbose=1` }, /takes no query parameters/);
    await expectRejected(
      'internalStartRuntime',
      { method: 'POST', url: `${BASE}/g2/start?image_ref=x`, headers: GM, payload: { image_ref: IMAGE } },
      /takes no query parameters/,
    );
  });

  it('limit out of range or not an integer is rejected', async () => {
    for (const limit of ['0', '501', '-1', '2.5', 'ten', '']) {
      await expectRejected('internalListRuntimes', { method: 'GET', url: `${BASE}?limit=${limit}` }, /query\.limit/);
      await expectRejected('internalListRuntimeOperations', { method: 'GET', url: `${BASE}/g1/operations?limit=${limit}` }, /query\.limit/);
    }
  });

  it('a repeated parameter is rejected', async () => {
    await expectRejected('internalListRuntimes', { method: 'GET', url: `${BASE}?limit=1&limit=2` }, /query\.limit/);
  });

  it('an unknown status filter names the allowed values', async () => {
    await expectRejected('internalListRuntimes', { method: 'GET', url: `${BASE}?status=paused` }, /query\.status: must be one of running, stopped, removed/);
  });

  it('a cursor this API did not issue is rejected', async () => {
    const notBase64 = '!!!';
    const notAGameId = Buffer.from('Not_A_Game').toString('base64url');
    const padded = `${Buffer.from('g1').toString('base64url')}==`;
    for (const cursor of [notBase64, notAGameId, padded, 'x'.repeat(600)]) {
      await expectRejected('internalListRuntimes', { method: 'GET', url: `${BASE}?cursor=${encodeURIComponent(cursor)}` }, /cursor/);
    }
  });
});
