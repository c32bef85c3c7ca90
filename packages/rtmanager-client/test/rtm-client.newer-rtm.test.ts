// The client against a stub RTM over real HTTP that answers what this client has never seen:
// new error codes, extra envelope fields, a proxy's HTML, a 2xx without JSON, an answer that
// never comes, a connection nobody accepts. Each reaches the caller as a typed result (or a
// typed RtmTransportError when there is no answer at all).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { getEventListeners } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRtmClient, isRtmTransportError, RtmTransportError, type RtmFailure } from '../src/index.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

async function stub(handler: Handler): Promise<{ baseUrl: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const answer = (status: number, body: string, contentType = 'application/json'): Handler => (_req, res) => {
  res.writeHead(status, { 'content-type': contentType });
  res.end(body);
};
const never: Handler = () => undefined;

describe('the client and a newer RTM', () => {
  it('an unknown code with extra envelope fields reaches the caller as it came, typed unknown_code', async () => {
    const { baseUrl } = await stub(answer(409, JSON.stringify({ error: { code: 'brand_new', message: 'm', hint: 'x', retry_after_s: 3 } })));
    const result = await createRtmClient({ baseUrl, caller: 'game_master' }).start('g1', 'galaxy/game:1.0.0');
    expect(result).toEqual({ ok: false, kind: 'unknown_code', status: 409, error: { code: 'brand_new', message: 'm', hint: 'x', retry_after_s: 3 } });
    if (!result.ok && result.kind === 'unknown_code') {
      const code: string = result.error.code;
      expect([code, result.error.hint]).toEqual(['brand_new', 'x']);
    } else expect.unreachable();
  });

  it('a listed code with extra fields is a listed error and keeps the fields', async () => {
    const { baseUrl } = await stub(answer(409, JSON.stringify({ error: { code: 'conflict', message: 'busy', operation_id: 7 }, trace_id: 'abc' })));
    const result = await createRtmClient({ baseUrl, caller: 'game_master' }).stop('g1', 'finished');
    expect(result).toEqual({ ok: false, kind: 'error', status: 409, error: { code: 'conflict', message: 'busy', operation_id: 7 } });
  });

  it('a new status with a new code, on every method, is unknown_code with the status received', async () => {
    const { baseUrl } = await stub(answer(429, JSON.stringify({ error: { code: 'rate_limited', message: 'slow down' } })));
    const rtm = createRtmClient({ baseUrl, caller: 'admin_service' });
    const results: RtmFailure[] = [];
    for (const call of [
      () => rtm.listRuntimes(),
      () => rtm.getRuntime('g1'),
      () => rtm.listOperations('g1'),
      () => rtm.start('g1', 'galaxy/game:1.0.0'),
      () => rtm.stop('g1', 'cancelled'),
      () => rtm.restart('g1'),
      () => rtm.patch('g1', 'galaxy/game:1.0.1'),
      () => rtm.cleanup('g1'),
      () => rtm.diagnostics(),
      () => rtm.healthz(),
      () => rtm.readyz(),
    ]) {
      const r = await call();
      if (r.ok) expect.unreachable();
      else results.push(r);
    }
    expect(results).toHaveLength(11);
    for (const r of results) expect(r).toEqual({ ok: false, kind: 'unknown_code', status: 429, error: { code: 'rate_limited', message: 'slow down' } });
  });

  it("a proxy's HTML and a 2xx without JSON are unexpected answers, with the start of the body", async () => {
    const html = `<html><body>502 Bad Gateway${' '.repeat(2000)}</body></html>`;
    const proxy = await stub(answer(502, html, 'text/html'));
    const r = await createRtmClient({ baseUrl: proxy.baseUrl }).getRuntime('g1');
    expect(r).toMatchObject({ ok: false, kind: 'unexpected_answer', status: 502, error: { code: 'service_unavailable' }, contentType: 'text/html' });
    expect(!r.ok && r.kind === 'unexpected_answer' && r.body).toBe(html.slice(0, 1024));

    const portal = await stub(answer(200, '<html>captive portal</html>', 'text/html'));
    expect(await createRtmClient({ baseUrl: portal.baseUrl }).listRuntimes()).toMatchObject({
      ok: false,
      kind: 'unexpected_answer',
      status: 200,
      error: { code: 'internal_error', message: 'HTTP 200 without the JSON body internalListRuntimes answers' },
    });
    // An envelope-shaped body missing its message is not RTM's envelope either.
    const half = await stub(answer(400, JSON.stringify({ error: { code: 'invalid_request' } })));
    expect(await createRtmClient({ baseUrl: half.baseUrl }).listRuntimes()).toMatchObject({ ok: false, kind: 'unexpected_answer', status: 400 });
  });

  it('a stub that never answers: the call rejects at timeoutMs with a typed timeout, and the request is aborted', async () => {
    const { baseUrl, requests } = await stub(never);
    const rtm = createRtmClient({ baseUrl });
    const started = performance.now();
    const err = await rtm.listRuntimes({}, { timeoutMs: 300 }).catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    expect(err).toBeInstanceOf(RtmTransportError);
    expect(err).toMatchObject({ kind: 'timeout', message: 'internalListRuntimes: no answer from RTM within 300 ms' });
    // Rejected at the deadline, not at undici's 300 s (a loose upper bound: a shared machine).
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(5_000);
    // The client closed its connection: the stub sees the request's socket end.
    await new Promise<void>((resolve) => (requests[0]!.socket.destroyed ? resolve() : requests[0]!.socket.once('close', () => resolve())));
  });

  it("the client's default timeoutMs applies to every call; a call's own wins", async () => {
    const { baseUrl } = await stub(never);
    const rtm = createRtmClient({ baseUrl, timeoutMs: 200 });
    await expect(rtm.diagnostics()).rejects.toMatchObject({ kind: 'timeout', message: expect.stringContaining('within 200 ms') });
    await expect(rtm.getRuntime('g1', { timeoutMs: 250 })).rejects.toMatchObject({ kind: 'timeout', message: expect.stringContaining('within 250 ms') });
    await expect(createRtmClient({ baseUrl }).healthz({ timeoutMs: 0 })).rejects.toThrow(RangeError);
  });

  it('tailEvents: timeoutMs bounds the wait for the answer to start, not the follow', async () => {
    const silent = await stub(never);
    await expect(createRtmClient({ baseUrl: silent.baseUrl }).tailEvents({}, { timeoutMs: 200 })).rejects.toMatchObject({ kind: 'timeout' });
    const quiet = await stub((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.write('\n');
      setTimeout(() => res.end(`${JSON.stringify({ stream: 'runtime:job_results', id: '1-0', fields: { game_id: 'g1' } })}\n`), 400);
    });
    const follow = await createRtmClient({ baseUrl: quiet.baseUrl }).tailEvents({}, { timeoutMs: 200 });
    if (!follow.ok) return expect.unreachable();
    const lines = [];
    for await (const line of follow.events) lines.push(line.id);
    expect(lines).toEqual(['1-0']);
    // A proxy's page instead of the stream is an unexpected answer.
    const proxy = await stub(answer(502, '<html>Bad Gateway</html>', 'text/html'));
    expect(await createRtmClient({ baseUrl: proxy.baseUrl }).tailEvents()).toMatchObject({ ok: false, kind: 'unexpected_answer', status: 502 });
  });

  it('a body that stops half way is a timeout too (the deadline covers reading the answer)', async () => {
    const { baseUrl } = await stub((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"items": [');
    });
    await expect(createRtmClient({ baseUrl }).listRuntimes({}, { timeoutMs: 300 })).rejects.toMatchObject({ kind: 'timeout' });
  });

  it("the caller's signal aborts the request: kind aborted, with the signal's reason", async () => {
    const { baseUrl, requests } = await stub(never);
    const controller = new AbortController();
    const pending = createRtmClient({ baseUrl }).start('g1', 'galaxy/game:1.0.0', { signal: controller.signal, timeoutMs: 60_000 });
    const reason = new Error('shutting down');
    // Abort once the stub holds the request (a poll, not a sleep).
    await expect.poll(() => requests.length).toBe(1);
    controller.abort(reason);
    const err = await pending.catch((e: unknown) => e);
    expect(isRtmTransportError(err) && err.kind).toBe('aborted');
    expect((err as Error).cause).toBe(reason);
    // Already aborted: no request at all.
    await expect(createRtmClient({ baseUrl }).healthz({ signal: controller.signal })).rejects.toMatchObject({ kind: 'aborted' });
    expect(requests).toHaveLength(1);
  });

  it("a client-wide signal aborts a call in flight, and calls leave no listener on it", async () => {
    const answered = await stub(answer(200, JSON.stringify({ status: 'ok' })));
    const shutdown = new AbortController();
    const rtm = createRtmClient({ baseUrl: answered.baseUrl, signal: shutdown.signal, timeoutMs: 5_000 });
    for (let i = 0; i < 20; i++) expect((await rtm.healthz()).ok).toBe(true);
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
    const { baseUrl, requests } = await stub(never);
    const pending = createRtmClient({ baseUrl, signal: shutdown.signal }).diagnostics();
    await expect.poll(() => requests.length).toBe(1);
    shutdown.abort();
    await expect(pending).rejects.toMatchObject({ name: 'RtmTransportError', kind: 'aborted' });
    expect(getEventListeners(shutdown.signal, 'abort')).toHaveLength(0);
  });

  it('nobody listening: kind unreachable with the system code', async () => {
    const { baseUrl } = await stub(never);
    const server = servers.splice(0)[0]!;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const err = await createRtmClient({ baseUrl }).listRuntimes().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'RtmTransportError', kind: 'unreachable', code: 'ECONNREFUSED' });
    expect(isRtmTransportError(err)).toBe(true);
    expect(isRtmTransportError(new TypeError('fetch failed'))).toBe(false);
  });
});
