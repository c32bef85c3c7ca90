// One XADD of a publisher: the entry's fields appended to `stream` (trimmed approximately
// to `maxLen`, stream-trim.ts), returning the new entry id.
import type { Redis } from 'ioredis';
import { xaddTrimArgs } from './stream-trim.js';

export async function appendEntry(redis: Redis, stream: string, maxLen: number, fields: string[]): Promise<string> {
  const id = await redis.xadd(stream, ...xaddTrimArgs(maxLen), '*', ...fields);
  // Only XADD NOMKSTREAM answers null, and RTM never sends it.
  if (id === null) throw new Error(`XADD ${stream} returned no entry id`);
  return id;
}
