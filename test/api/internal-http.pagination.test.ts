// List pagination by opaque cursor (ascending game_id) and the newest-first operation log.
import { describe, expect, it } from 'vitest';
import { IMAGE } from '../services/support/lifecycle-harness.js';
import { createApiHarness, type ApiHarness } from './support/api-harness.js';

const BASE = '/api/v1/internal/runtimes';

async function listAll(a: ApiHarness, query: string): Promise<{ pages: string[][]; cursors: Array<string | null> }> {
  const pages: string[][] = [];
  const cursors: Array<string | null> = [];
  let cursor: string | null = null;
  do {
    const url: string = `${BASE}?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const { res, body } = await a.call('internalListRuntimes', { method: 'GET', url });
    expect(res.statusCode).toBe(200);
    pages.push(body.items.map((r: any) => r.game_id));
    cursor = body.next_cursor;
    cursors.push(cursor);
    if (pages.length > 20) throw new Error('pagination does not terminate');
  } while (cursor !== null);
  return { pages, cursors };
}

describe('runtime list', () => {
  it('walks every record exactly once over several pages, in game_id order', async () => {
    const a = createApiHarness();
    const ids = ['g07', 'g01', 'g05', 'g03', 'g02', 'g06', 'g04'];
    for (const id of ids) await a.seedRunning(id);
    const { pages, cursors } = await listAll(a, 'limit=3');
    expect(pages).toEqual([
      ['g01', 'g02', 'g03'],
      ['g04', 'g05', 'g06'],
      ['g07'],
    ]);
    expect(cursors.at(-1)).toBeNull();
    // Opaque: not the bare game id.
    expect(cursors[0]).not.toContain('g03');
  });

  it('an exactly full last page has no next cursor', async () => {
    const a = createApiHarness();
    for (const id of ['a1', 'a2', 'a3', 'a4']) await a.seedRunning(id);
    const { pages } = await listAll(a, 'limit=2');
    expect(pages).toEqual([
      ['a1', 'a2'],
      ['a3', 'a4'],
    ]);
  });

  it('the status filter applies on every page', async () => {
    const a = createApiHarness();
    for (const id of ['r1', 'r2', 'r3']) await a.seedRunning(id);
    for (const id of ['s1', 's2', 's3']) await a.seedStopped(id);
    expect((await listAll(a, 'status=stopped&limit=2')).pages).toEqual([['s1', 's2'], ['s3']]);
    expect((await listAll(a, 'status=running&limit=2')).pages).toEqual([['r1', 'r2'], ['r3']]);
    expect((await listAll(a, 'status=removed')).pages).toEqual([[]]);
  });

  it('the default page size is 50', async () => {
    const a = createApiHarness();
    const now = a.clock.now();
    for (let i = 0; i < 51; i++) {
      const gameId = `g${String(i).padStart(3, '0')}`;
      await a.records.upsert({
        gameId,
        status: 'stopped',
        currentContainerId: `c${i}`,
        currentImageRef: IMAGE,
        engineEndpoint: null,
        statePath: `/srv/galaxy-state/${gameId}`,
        createdAt: now,
        startedAt: now,
        stoppedAt: now,
        removedAt: null,
        lastOpAt: now,
        limits: null,
      });
    }
    const { body } = await a.call('internalListRuntimes', { method: 'GET', url: BASE });
    expect(body.items).toHaveLength(50);
    expect(body.next_cursor).not.toBeNull();
  });

  it('each item carries its own health snapshot (or null)', async () => {
    const a = createApiHarness();
    await a.seedRunning('h1');
    await a.seedRunning('h2');
    await a.seedSnapshot({ gameId: 'h2', eventType: 'container_exited', details: { exit_code: 137, requested_by_rtm: false } });
    const { body } = await a.call('internalListRuntimes', { method: 'GET', url: BASE });
    expect(body.items.map((r: any) => [r.game_id, r.health?.event_type ?? null])).toEqual([
      ['h1', null],
      ['h2', 'container_exited'],
    ]);
  });
});

describe('operation log', () => {
  it('is newest first and honours limit', async () => {
    const a = createApiHarness();
    a.docker.addImage(IMAGE);
    const g = 'ops1';
    await a.services.start.execute({ gameId: g, imageRef: IMAGE, opSource: 'lobby_stream' });
    a.clock.advance(1000);
    await a.services.stop.execute({ gameId: g, reason: 'finished', opSource: 'gm_rest' });
    a.clock.advance(1000);
    await a.services.start.execute({ gameId: g, imageRef: IMAGE, opSource: 'admin_rest' });
    a.clock.advance(1000);
    await a.services.stop.execute({ gameId: g, reason: 'timeout', opSource: 'lobby_stream' });
    a.clock.advance(1000);
    await a.services.cleanup.execute({ gameId: g, opSource: 'auto_ttl' });

    const all = await a.call('internalListRuntimeOperations', { method: 'GET', url: `${BASE}/${g}/operations` });
    expect(all.body.items.map((o: any) => [o.op_kind, o.op_source])).toEqual([
      ['cleanup_container', 'auto_ttl'],
      ['stop', 'lobby_stream'],
      ['start', 'admin_rest'],
      ['stop', 'gm_rest'],
      ['start', 'lobby_stream'],
    ]);
    const started = all.body.items.map((o: any) => Date.parse(o.started_at));
    expect([...started].sort((x, y) => y - x)).toEqual(started);

    const two = await a.call('internalListRuntimeOperations', { method: 'GET', url: `${BASE}/${g}/operations?limit=2` });
    expect(two.body.items.map((o: any) => o.op_kind)).toEqual(['cleanup_container', 'stop']);
  });

  it('only lists the game asked for', async () => {
    const a = createApiHarness();
    a.docker.addImage(IMAGE);
    await a.services.start.execute({ gameId: 'x1', imageRef: IMAGE, opSource: 'lobby_stream' });
    await a.services.start.execute({ gameId: 'x2', imageRef: IMAGE, opSource: 'lobby_stream' });
    const { body } = await a.call('internalListRuntimeOperations', { method: 'GET', url: `${BASE}/x1/operations` });
    expect(body.items.map((o: any) => o.game_id)).toEqual(['x1']);
  });
});
