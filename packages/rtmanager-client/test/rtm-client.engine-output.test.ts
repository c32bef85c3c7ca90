// The client's issue-22 methods against a real server over HTTP (fakes below it): logs as an
// async iterable (tail, follow, an abort that ends it, typed errors), stats, updateLimits.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createRtmClient, isRtmTransportError, type LogLine } from '../src/index.js';
import { createApiHarness, type ApiHarness } from '../../../test/api/support/api-harness.js';

const open: ApiHarness[] = [];
afterEach(async () => {
  for (const a of open.splice(0)) await a.app.close();
});

async function serve() {
  const api = createApiHarness();
  open.push(api);
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = api.app.server.address() as AddressInfo;
  return { api, client: createRtmClient({ baseUrl: `http://127.0.0.1:${port}`, caller: 'admin_service' }) };
}

async function collect(lines: AsyncIterable<LogLine>): Promise<LogLine[]> {
  const out: LogLine[] = [];
  for await (const l of lines) out.push(l);
  return out;
}

describe('client: logs, stats, updateLimits', () => {
  it('logs: the last lines as an async iterable; typed errors for a missing game and bad parameters', async () => {
    const { api, client } = await serve();
    const record = await api.seedRunning('l1');
    for (const n of [1, 2, 3]) api.docker.print(record.currentContainerId!, `line ${n}`);
    const r = await client.logs('l1', { tail: 2 });
    if (!r.ok) throw new Error(JSON.stringify(r));
    expect((await collect(r.lines)).map((l) => l.line)).toEqual(['line 2', 'line 3']);
    expect(await client.logs('nobody')).toMatchObject({ ok: false, kind: 'error', status: 404, error: { code: 'not_found' } });
    expect(await client.logs('l1', { tail: 0 })).toMatchObject({ ok: false, kind: 'error', status: 400, error: { code: 'invalid_request' } });
    expect(await client.logs('l1', { since: 'yesterday' })).toMatchObject({ ok: false, status: 400, error: { code: 'invalid_request' } });
  });

  it('logs with follow: new lines as they come; aborting the signal ends the iteration; a stop ends it too', async () => {
    const { api, client } = await serve();
    const record = await api.seedRunning('l2');
    const id = record.currentContainerId!;
    api.docker.print(id, 'before');
    const controller = new AbortController();
    const r = await client.logs('l2', { tail: 1, follow: true }, { signal: controller.signal });
    if (!r.ok) throw new Error(JSON.stringify(r));
    const seen: string[] = [];
    const reading = (async () => {
      for await (const l of r.lines) {
        seen.push(l.line);
        if (l.line === 'after') controller.abort();
      }
    })();
    api.docker.print(id, 'after');
    await reading;
    expect(seen).toEqual(['before', 'after']);

    const followed = await client.logs('l2', { tail: 1, follow: true });
    if (!followed.ok) throw new Error(JSON.stringify(followed));
    const all = collect(followed.lines);
    await api.stop.execute({ gameId: 'l2', reason: 'admin_request', opSource: 'admin_rest' });
    expect((await all).map((l) => l.line)).toEqual(['after']);
  });

  it('logs: an already aborted signal rejects with RtmTransportError aborted', async () => {
    const { client } = await serve();
    const err = await client.logs('l3', {}, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(isRtmTransportError(err) && err.kind).toBe('aborted');
  });

  it('stats: a running engine\'s sample; a stopped one is conflict', async () => {
    const { api, client } = await serve();
    await api.seedRunning('s1');
    expect(await client.stats('s1')).toMatchObject({ ok: true, status: 200, data: { game_id: 's1', pids: 3, restart_count: 0 } });
    await api.stop.execute({ gameId: 's1', reason: 'admin_request', opSource: 'admin_rest' });
    expect(await client.stats('s1')).toMatchObject({ ok: false, kind: 'error', status: 409, error: { code: 'conflict' } });
  });

  it('updateLimits: the runtime with its limits and their sources; a ceiling is invalid_request', async () => {
    const { api, client } = await serve();
    await api.seedRunning('u1');
    const r = await client.updateLimits('u1', { memory: '768m' });
    expect(r).toMatchObject({ ok: true, data: { runtime: { limits: { memory_bytes: 768 * 1024 ** 2, source: { memory_bytes: 'override' } } } } });
    expect(await client.updateLimits('u1', { pids_limit: 10_000_000 })).toMatchObject({ ok: false, status: 400, error: { code: 'invalid_request' } });
    expect(await client.updateLimits('u1', {})).toMatchObject({ ok: false, status: 400, error: { code: 'invalid_request' } });
  });
});
