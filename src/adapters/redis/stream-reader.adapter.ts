// StreamReader over XREAD / XREVRANGE.
//
// A blocking XREAD occupies its connection until it answers: the composition root must give
// this reader a connection of its own (`redis.duplicate()`), never the one the publishers,
// leases and offsets share, or they would all stall for up to blockMs per read.
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { StreamEntry, StreamReadOptions, StreamReader } from '../../ports/stream-reader.js';

type RawEntry = [id: string, fields: string[] | null];
type XReadReply = Array<[stream: string, entries: RawEntry[]]> | null;

export class RedisStreamReader implements StreamReader {
  constructor(
    /** A dedicated connection (see above). */
    private readonly redis: Redis,
    private readonly logger: Logger,
  ) {}

  async readAfter(stream: string, afterId: string, opts: StreamReadOptions): Promise<StreamEntry[]> {
    if (opts.signal?.aborted) return [];
    // BLOCK 0 means "forever" to Redis; here 0 means "do not wait".
    const read = (
      opts.blockMs > 0
        ? this.redis.xread('COUNT', opts.count, 'BLOCK', opts.blockMs, 'STREAMS', stream, afterId)
        : this.redis.xread('COUNT', opts.count, 'STREAMS', stream, afterId)
    ) as Promise<XReadReply>;
    const reply = opts.signal ? await untilAborted(read, opts.signal) : await read;
    if (!reply) return [];
    const entries: StreamEntry[] = [];
    for (const [, raw] of reply) {
      for (const [id, flat] of raw) entries.push(this.decode(stream, id, flat));
    }
    return entries;
  }

  async lastEntryId(stream: string): Promise<string | null> {
    const newest = await this.redis.xrevrange(stream, '+', '-', 'COUNT', 1);
    return newest[0]?.[0] ?? null;
  }

  private decode(stream: string, id: string, flat: string[] | null): StreamEntry {
    const fields: Record<string, string> = {};
    const duplicates = new Set<string>();
    const list = flat ?? [];
    for (let i = 0; i + 1 < list.length; i += 2) {
      const name = list[i] as string;
      if (Object.hasOwn(fields, name)) duplicates.add(name);
      fields[name] = list[i + 1] as string;
    }
    const duplicateFields = [...duplicates];
    if (duplicateFields.length > 0) {
      this.logger.warn({ stream, entry_id: id, duplicate_fields: duplicateFields }, 'stream entry repeats fields; the last value wins');
    }
    return { id, fields, duplicateFields };
  }
}

/**
 * Resolves with the read's reply, or with null as soon as the signal aborts. A blocked XREAD
 * cannot be cancelled: it ends by itself within blockMs (or when the connection closes) and
 * its answer is dropped. Nothing is lost: reading does not move any offset.
 */
function untilAborted(read: Promise<XReadReply>, signal: AbortSignal): Promise<XReadReply> {
  return new Promise<XReadReply>((resolve, reject) => {
    const onAbort = (): void => resolve(null);
    signal.addEventListener('abort', onAbort, { once: true });
    read.then(
      (reply) => {
        signal.removeEventListener('abort', onAbort);
        resolve(reply);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) resolve(null);
        else reject(err);
      },
    );
  });
}
