// GET /api/v1/internal/events over real HTTP (fake streams behind it): live lines as entries
// are appended, `from` replays, `game_id` filters, `max` ends the answer, the caller hanging
// up ends the follow, closing the server ends open answers at once, bad queries and missing
// tokens answer the envelope. The real Redis behind it: the consumer test (rtmctl events tail).
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DependencyUnavailable } from '../../src/ports/infrastructure-fault.js';
import { createApiHarness, EVENT_STREAM_KEYS, type ApiHarness } from './support/api-harness.js';

const HEALTH = EVENT_STREAM_KEYS['runtime:health_events'];
const JOBS = EVENT_STREAM_KEYS['runtime:job_results'];
const open: ApiHarness[] = [];
afterEach(async () => {
  for (const a of open.splice(0)) await a.app.close();
});

async function serve(tokens: string[] = []) {
  const api = createApiHarness({ tokens });
  open.push(api);
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  return { api, base: `http://127.0.0.1:${(api.app.server.address() as AddressInfo).port}/api/v1/internal/events` };
}

/** Reads NDJSON lines from a streaming answer as they come. */
function lineReader(body: ReadableStream<Uint8Array>) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next(): Promise<Record<string, any>> {
      for (;;) {
        const nl = buffer.indexOf('\n');
        if (nl >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + 1);
          if (line === '') continue; // a keep-alive
          return JSON.parse(line) as Record<string, any>;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('answer ended');
        buffer += value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

const health = (gameId: string, type = 'container_started') => ({ game_id: gameId, container_id: 'c', event_type: type, occurred_at_ms: '1', details: '{}' });

describe('GET /api/v1/internal/events', () => {
  it('without from: only entries appended after the answer started, live, both streams, in order', async () => {
    const { api, base } = await serve();
    api.eventStreams.add(HEALTH, health('old'));
    const res = await fetch(base);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = lineReader(res.body!);
    const first = api.eventStreams.add(JOBS, { game_id: 'g1', job_kind: 'start', outcome: 'success' });
    const second = api.eventStreams.add(HEALTH, health('g1'));
    expect(await lines.next()).toEqual({ stream: 'runtime:job_results', id: first, fields: { game_id: 'g1', job_kind: 'start', outcome: 'success' } });
    expect(await lines.next()).toEqual({ stream: 'runtime:health_events', id: second, fields: health('g1') });
    await lines.cancel();
  });

  it('from=0 replays, from=<id> resumes after it, game_id filters, max ends the answer', async () => {
    const { api, base } = await serve();
    const ids = [api.eventStreams.add(HEALTH, health('a')), api.eventStreams.add(HEALTH, health('b')), api.eventStreams.add(JOBS, { game_id: 'a', job_kind: 'stop' })];
    const all = (await (await fetch(`${base}?from=0&max=3`)).text()).replace(/^\n+/, '');
    expect(all.split('\n').filter((l) => l === '')).toHaveLength(1); // the trailing newline; the keep-alive went first
    expect(all.trim().split('\n').map((l) => JSON.parse(l).id)).toEqual(ids);
    const resumed = (await (await fetch(`${base}?from=${ids[0]}&max=2`)).text()).trim();
    expect(resumed.split('\n').map((l) => JSON.parse(l).id)).toEqual(ids.slice(1));
    const onlyA = (await (await fetch(`${base}?from=0&game_id=a&max=2`)).text()).trim();
    expect(onlyA.split('\n').map((l) => JSON.parse(l).fields.game_id)).toEqual(['a', 'a']);
  });

  it('a caller may hang up at any time; closing the server ends the answers still open at once', async () => {
    const { api, base } = await serve();
    const hungUp = await fetch(base);
    await lineReader(hungUp.body!).cancel();
    const still = await fetch(base);
    const reading = lineReader(still.body!).next().catch((err: unknown) => err);
    const closing = performance.now();
    await api.app.close();
    open.length = 0;
    // Not the shutdown timeout: the open answer was ended by the server's preClose.
    expect(performance.now() - closing).toBeLessThan(2_000);
    expect(await reading).toBeInstanceOf(Error);
  });

  it('refuses a bad query and a missing token with the envelope; the token opens it', async () => {
    const { api, base } = await serve(['tok']);
    const auth = { Authorization: 'Bearer tok' };
    expect((await fetch(base)).status).toBe(401);
    for (const query of ['from=yesterday', 'max=0', 'game_id=Not_Valid', 'follow=1']) {
      const res = await fetch(`${base}?${query}`, { headers: auth });
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    }
    api.eventStreams.add(HEALTH, health('g1'));
    const ok = await fetch(`${base}?from=0&max=1`, { headers: auth });
    expect(ok.status).toBe(200);
    expect((await ok.text()).split('\n').filter((l) => l !== '')).toHaveLength(1);
  });

  it('a Redis that does not answer when the follow starts is 503 service_unavailable (the composition root classifies its faults)', async () => {
    const { api, base } = await serve();
    api.eventStreams.lastEntryId = async () => {
      throw new DependencyUnavailable('redis', 'Redis unavailable: Connection is closed.');
    };
    const res = await fetch(base);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: { code: 'service_unavailable', message: 'service temporarily unavailable, retry later' } });
  });
});
