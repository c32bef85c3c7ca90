// In-memory Redis Streams for consumer tests: `add` appends like XADD (ids `ms-seq`,
// strictly increasing), `readAfter` behaves like XREAD COUNT n BLOCK ms. The contract
// suite in test/adapters/redis runs against this and the real adapter.
import type { StreamEntry, StreamReadOptions, StreamReader } from '../../src/ports/stream-reader.js';

interface Id {
  ms: number;
  seq: number;
}

interface StoredEntry {
  id: string;
  parsed: Id;
  pairs: Array<[string, string]>;
}

function parseId(id: string): Id | null {
  const m = /^(\d+)(?:-(\d+))?$/.exec(id);
  if (!m) return null;
  return { ms: Number(m[1]), seq: m[2] === undefined ? 0 : Number(m[2]) };
}

function after(a: Id, b: Id): boolean {
  return a.ms > b.ms || (a.ms === b.ms && a.seq > b.seq);
}

export class FakeStreamReader implements StreamReader {
  readonly streams = new Map<string, StoredEntry[]>();
  /** The next readAfter rejects with this (a Redis outage). */
  failNextRead: Error | null = null;
  private readonly waiters = new Map<string, Set<() => void>>();
  private last: Id = { ms: 0, seq: 0 };

  constructor(private readonly now: () => number = Date.now) {}

  /** XADD: appends and returns the new entry id. Pairs may repeat a field name, as on the wire. */
  add(stream: string, fields: Record<string, string> | Array<[string, string]>): string {
    const ms = this.now();
    const id: Id = ms > this.last.ms ? { ms, seq: 0 } : { ms: this.last.ms, seq: this.last.seq + 1 };
    this.last = id;
    const entry: StoredEntry = {
      id: `${id.ms}-${id.seq}`,
      parsed: id,
      pairs: Array.isArray(fields) ? fields.map(([k, v]) => [k, v]) : Object.entries(fields),
    };
    const list = this.streams.get(stream) ?? [];
    list.push(entry);
    this.streams.set(stream, list);
    for (const wake of this.waiters.get(stream) ?? []) wake();
    return entry.id;
  }

  /** Decoded entries of a stream, oldest first (test assertions). */
  entries(stream: string): StreamEntry[] {
    return (this.streams.get(stream) ?? []).map(decode);
  }

  async readAfter(stream: string, afterId: string, opts: StreamReadOptions): Promise<StreamEntry[]> {
    if (this.failNextRead) {
      const e = this.failNextRead;
      this.failNextRead = null;
      throw e;
    }
    const from = parseId(afterId);
    if (!from) throw new Error('ERR Invalid stream ID specified as stream command argument');
    if (opts.signal?.aborted) return [];
    const found = this.select(stream, from, opts.count);
    if (found.length > 0 || opts.blockMs <= 0) return found;
    await this.waitForAdd(stream, opts.blockMs, opts.signal);
    if (opts.signal?.aborted) return [];
    return this.select(stream, from, opts.count);
  }

  async lastEntryId(stream: string): Promise<string | null> {
    return this.streams.get(stream)?.at(-1)?.id ?? null;
  }

  private select(stream: string, from: Id, count: number): StreamEntry[] {
    return (this.streams.get(stream) ?? [])
      .filter((e) => after(e.parsed, from))
      .slice(0, count)
      .map(decode);
  }

  private waitForAdd(stream: string, blockMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve) => {
      const set = this.waiters.get(stream) ?? new Set<() => void>();
      this.waiters.set(stream, set);
      const done = (): void => {
        clearTimeout(timer);
        set.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, blockMs);
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}

function decode(e: StoredEntry): StreamEntry {
  const fields: Record<string, string> = {};
  const duplicates = new Set<string>();
  for (const [k, v] of e.pairs) {
    if (Object.hasOwn(fields, k)) duplicates.add(k);
    fields[k] = v;
  }
  return { id: e.id, fields, duplicateFields: [...duplicates] };
}
