// The typed REST client (packages/rtmanager-client/src/index.ts) against a real server over HTTP: every
// convenience method, results instead of throws, headers, and non-envelope errors.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRtmClient, type RtmClient } from '../src/index.js';
import { createApiHarness, EVENT_STREAM_KEYS, type ApiHarness } from '../../../test/api/support/api-harness.js';
import { IMAGE, IMAGE_PATCH } from '../../../test/services/support/lifecycle-harness.js';

const open: ApiHarness[] = [];
afterEach(async () => {
  for (const a of open.splice(0)) await a.app.close();
});

async function serve(opts: Parameters<typeof createApiHarness>[0] = {}) {
  const api = createApiHarness(opts);
  open.push(api);
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = api.app.server.address() as AddressInfo;
  return { api, baseUrl: `http://127.0.0.1:${port}` };
}

describe('createRtmClient', () => {
  it('covers the whole lifecycle with typed results', async () => {
    const { api, baseUrl } = await serve();
    api.docker.addImage(IMAGE);
    api.docker.addImage(IMAGE_PATCH);
    const client: RtmClient = createRtmClient({ baseUrl, caller: 'admin_service' });

    const started = await client.start('c1', IMAGE);
    expect(started).toMatchObject({ ok: true, status: 200, data: { error_code: null, runtime: { status: 'running' } } });
    expect(await client.start('c1', IMAGE)).toMatchObject({ ok: true, data: { error_code: 'replay_no_op' } });
    expect(await client.patch('c1', IMAGE_PATCH)).toMatchObject({ ok: true, data: { runtime: { current_image_ref: IMAGE_PATCH } } });
    expect(await client.restart('c1')).toMatchObject({ ok: true, data: { runtime: { status: 'running' } } });
    expect(await client.stop('c1', 'finished')).toMatchObject({ ok: true, data: { runtime: { status: 'stopped' } } });
    expect(await client.cleanup('c1')).toMatchObject({ ok: true, data: { runtime: { status: 'removed' } } });
    expect(await client.getRuntime('c1')).toMatchObject({ ok: true, data: { game_id: 'c1', status: 'removed' } });
    expect(await client.listRuntimes({ status: 'removed', limit: 1 })).toMatchObject({ ok: true, data: { items: [{ game_id: 'c1' }], next_cursor: null } });

    const ops = await client.listOperations('c1', { limit: 3 });
    expect(ops.ok && ops.data.items.map((o) => o.op_kind)).toEqual(['cleanup_container', 'stop', 'restart']);
    expect(api.operationLog.entries.every((e) => e.opSource === 'admin_rest')).toBe(true);
  });

  it('surfaces error envelopes as { ok: false, status, error }', async () => {
    const { baseUrl } = await serve();
    const client = createRtmClient({ baseUrl, caller: 'game_master' });
    expect(await client.getRuntime('nope')).toEqual({ ok: false, kind: 'error', status: 404, error: { code: 'not_found', message: 'no runtime record for game nope' } });
    expect(await client.getRuntime('Not_Valid')).toMatchObject({ ok: false, status: 400, error: { code: 'invalid_request' } });
    // Path parameters are encoded: a slash cannot reach another route.
    expect(await client.getRuntime('g1/operations')).toMatchObject({ ok: false, status: 400, error: { code: 'invalid_request' } });
  });

  it('without a caller, mutations get RTM\'s own invalid_request answer', async () => {
    const { api, baseUrl } = await serve();
    const client = createRtmClient({ baseUrl });
    expect(await client.stop('g1', 'finished')).toMatchObject({ ok: false, status: 400, error: { code: 'invalid_request', message: expect.stringContaining('X-Galaxy-Caller') } });
    expect((await client.listRuntimes()).ok).toBe(true);
    expect(api.serviceCalls).toEqual([]);
  });

  it('sends the bearer token', async () => {
    const { baseUrl } = await serve({ tokens: ['tok-1'] });
    expect((await createRtmClient({ baseUrl, token: 'tok-1' }).listRuntimes()).ok).toBe(true);
    expect(await createRtmClient({ baseUrl, token: 'tok-2' }).listRuntimes()).toMatchObject({ ok: false, status: 401, error: { code: 'unauthorized' } });
    expect(await createRtmClient({ baseUrl }).listRuntimes()).toMatchObject({ ok: false, status: 401 });
  });

  it('an answer without an envelope (a proxy page) is an unexpected answer, whatever its status', async () => {
    const answers: Array<[number, string]> = [
      [502, 'service_unavailable'],
      [503, 'service_unavailable'],
      [504, 'service_unavailable'],
      [500, 'internal_error'],
      [404, 'internal_error'],
      [418, 'internal_error'],
    ];
    for (const [status, code] of answers) {
      const fetchStub: typeof fetch = async () => new Response('<html>Bad Gateway</html>', { status, headers: { 'content-type': 'text/html' } });
      const client = createRtmClient({ baseUrl: 'http://rtm.invalid', fetch: fetchStub });
      // Even at a status getRuntime lists (404, 503), a page without RTM's envelope is not RTM's not_found.
      expect(await client.getRuntime('g1')).toEqual({
        ok: false,
        kind: 'unexpected_answer',
        status,
        error: { code, message: `HTTP ${status} without an RTM error envelope` },
        contentType: 'text/html',
        body: '<html>Bad Gateway</html>',
      });
    }
  });

  it('an envelope with a code the spec does not list for the operation is an unknown code, as received', async () => {
    const envelope = (status: number, code: string) => async () =>
      new Response(JSON.stringify({ error: { code, message: 'm' } }), { status, headers: { 'content-type': 'application/json' } });
    // listRuntimes lists no 404; stop lists no conflict at 502.
    const notListed = await createRtmClient({ baseUrl: 'http://rtm.invalid', fetch: envelope(404, 'not_found') }).listRuntimes();
    expect(notListed).toEqual({ ok: false, kind: 'unknown_code', status: 404, error: { code: 'not_found', message: 'm' } });
    const wrongStatus = await createRtmClient({ baseUrl: 'http://rtm.invalid', fetch: envelope(502, 'conflict') }).stop('g1', 'finished');
    expect(wrongStatus).toEqual({ ok: false, kind: 'unknown_code', status: 502, error: { code: 'conflict', message: 'm' } });
    // A listed answer narrows: on getRuntime, kind 'error' at 404 is not_found.
    const listed = await createRtmClient({ baseUrl: 'http://rtm.invalid', fetch: envelope(404, 'not_found') }).getRuntime('g1');
    if (!listed.ok && listed.kind === 'error' && listed.status === 404) {
      const code: 'not_found' = listed.error.code;
      expect(code).toBe('not_found');
    } else expect.unreachable();
  });

  it('answers readiness either way, diagnostics and liveness', async () => {
    const { baseUrl } = await serve({ readiness: async () => ({ ready: false, checks: { postgres: { ok: false, error: 'down' } } }) });
    const client = createRtmClient({ baseUrl });
    expect(await client.readyz()).toMatchObject({ ok: true, status: 503, data: { status: 'not_ready', checks: { postgres: { ok: false } } } });
    expect(await client.healthz()).toEqual({ ok: true, status: 200, data: { status: 'ok' } });
    expect(await client.diagnostics()).toMatchObject({ ok: true, status: 200, data: { rtm: { version: '0.0.0-test' }, runtimes: { running: 0 } } });
  });

  it('rejects when RTM cannot be reached at all', async () => {
    const { baseUrl, api } = await serve();
    await api.app.close();
    open.length = 0;
    await expect(createRtmClient({ baseUrl }).listRuntimes()).rejects.toMatchObject({ name: 'RtmTransportError', kind: 'unreachable', code: 'ECONNREFUSED' });
  });

  it('tailEvents follows the events as typed lines; max ends it, the signal aborts it, errors are results', async () => {
    const { api, baseUrl } = await serve({ tokens: ['tok-1'] });
    const rtm = createRtmClient({ baseUrl, token: 'tok-1', timeoutMs: 2_000 });
    const health = EVENT_STREAM_KEYS['runtime:health_events'];
    const first = api.eventStreams.add(health, { game_id: 'e1', event_type: 'container_started' });
    const replay = await rtm.tailEvents({ from: '0', max: 1 });
    if (!replay.ok) return expect.unreachable();
    const seen: string[] = [];
    for await (const line of replay.events) seen.push(`${line.stream} ${line.id} ${line.fields.game_id}`);
    expect(seen).toEqual([`runtime:health_events ${first} e1`]);

    // Live, then aborted by the caller while it waits for more.
    const stop = new AbortController();
    const live = await rtm.tailEvents({ game_id: 'e2' }, { signal: stop.signal });
    if (!live.ok) return expect.unreachable();
    const iterator = live.events[Symbol.asyncIterator]();
    const next = iterator.next();
    const id = api.eventStreams.add(EVENT_STREAM_KEYS['runtime:job_results'], { game_id: 'e2', job_kind: 'stop' });
    expect(await next).toEqual({ done: false, value: { stream: 'runtime:job_results', id, fields: { game_id: 'e2', job_kind: 'stop' } } });
    const waiting = iterator.next();
    stop.abort();
    await expect(waiting).rejects.toMatchObject({ name: 'RtmTransportError', kind: 'aborted' });

    expect(await rtm.tailEvents({ from: 'yesterday' })).toMatchObject({ ok: false, kind: 'error', status: 400, error: { code: 'invalid_request' } });
    expect(await createRtmClient({ baseUrl }).tailEvents()).toMatchObject({ ok: false, kind: 'error', status: 401, error: { code: 'unauthorized' } });
  });
});
