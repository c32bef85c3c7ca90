// Contract of the StreamReader port, run against Redis (XREAD on a dedicated connection)
// and the in-memory fake the consumer tests use.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StreamReader } from '../../../src/ports/stream-reader.js';

export interface StreamWorld {
  reader: StreamReader;
  /** XADD; pairs may repeat a field name. Returns the entry id. */
  add(stream: string, pairs: Array<[string, string]>): Promise<string>;
  /** A stream name private to this test. */
  stream(name: string): string;
  teardown(): Promise<void>;
}

export function describeStreamReaderContract(name: string, createWorld: () => Promise<StreamWorld>): void {
  describe(`StreamReader contract: ${name}`, () => {
    let w: StreamWorld;
    beforeEach(async () => {
      w = await createWorld();
    });
    afterEach(async () => {
      await w.teardown();
    });

    const now = { count: 10, blockMs: 0 };

    it('reads a missing stream as empty, with no last entry', async () => {
      const s = w.stream('missing');
      expect(await w.reader.readAfter(s, '0', now)).toEqual([]);
      expect(await w.reader.lastEntryId(s)).toBeNull();
    });

    it('reads from the beginning with 0 (and 0-0), oldest first, fields decoded', async () => {
      const s = w.stream('jobs');
      const id1 = await w.add(s, [['game_id', 'g1'], ['image_ref', 'galaxy/game:1.0.0']]);
      const id2 = await w.add(s, [['game_id', 'g2'], ['image_ref', '']]);
      expect(id1).toMatch(/^\d+-\d+$/);
      const expected = [
        { id: id1, fields: { game_id: 'g1', image_ref: 'galaxy/game:1.0.0' }, duplicateFields: [] },
        { id: id2, fields: { game_id: 'g2', image_ref: '' }, duplicateFields: [] },
      ];
      expect(await w.reader.readAfter(s, '0', now)).toEqual(expected);
      expect(await w.reader.readAfter(s, '0-0', now)).toEqual(expected);
    });

    it('returns only entries strictly after afterId, at most count of them', async () => {
      const s = w.stream('jobs');
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await w.add(s, [['n', String(i)]]));
      expect((await w.reader.readAfter(s, ids[1]!, now)).map((e) => e.id)).toEqual(ids.slice(2));
      expect((await w.reader.readAfter(s, '0', { count: 2, blockMs: 0 })).map((e) => e.fields.n)).toEqual(['0', '1']);
      expect(await w.reader.readAfter(s, ids[4]!, now)).toEqual([]);
      expect(await w.reader.lastEntryId(s)).toBe(ids[4]);
    });

    it('keeps streams apart', async () => {
      const a = w.stream('a');
      const b = w.stream('b');
      await w.add(a, [['x', '1']]);
      expect(await w.reader.readAfter(b, '0', now)).toEqual([]);
      expect(await w.reader.readAfter(a, '0', now)).toHaveLength(1);
    });

    it('reports repeated field names; the last value wins', async () => {
      const s = w.stream('dup');
      await w.add(s, [['game_id', 'first'], ['reason', 'finished'], ['game_id', 'second']]);
      const [entry] = await w.reader.readAfter(s, '0', now);
      expect(entry?.fields).toEqual({ game_id: 'second', reason: 'finished' });
      expect(entry?.duplicateFields).toEqual(['game_id']);
    });

    it('rejects an invalid afterId', async () => {
      await expect(w.reader.readAfter(w.stream('jobs'), 'not-an-id', now)).rejects.toThrow(/Invalid stream ID/);
    });

    it('blocking read answers as soon as an entry arrives', async () => {
      const s = w.stream('live');
      const first = await w.add(s, [['n', '0']]);
      const started = Date.now();
      const reading = w.reader.readAfter(s, first, { count: 10, blockMs: 10_000 });
      const id = await w.add(s, [['n', '1']]);
      const got = await reading;
      expect(got.map((e) => e.id)).toEqual([id]);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('blocking read on an empty stream ends empty after blockMs', async () => {
      const started = Date.now();
      expect(await w.reader.readAfter(w.stream('quiet'), '0', { count: 10, blockMs: 200 })).toEqual([]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    });

    it('an abort ends a blocking read at once, empty', async () => {
      const ctl = new AbortController();
      const started = Date.now();
      const reading = w.reader.readAfter(w.stream('quiet'), '0', { count: 10, blockMs: 10_000, signal: ctl.signal });
      setTimeout(() => ctl.abort(), 50);
      expect(await reading).toEqual([]);
      expect(Date.now() - started).toBeLessThan(2_000);
      const pre = new AbortController();
      pre.abort();
      expect(await w.reader.readAfter(w.stream('quiet'), '0', { count: 10, blockMs: 10_000, signal: pre.signal })).toEqual([]);
    });
  });
}
