// GET /api/v1/internal/events: runtime:health_events and runtime:job_results as NDJSON
// lines, read from Redis with the StreamReader port (non-blocking reads polled every pollMs,
// so a follower costs no Redis connection of its own). Read-only: it moves no consumer
// offset and touches no job. Lines carry the contract's stream names, not the deployment's
// prefixed keys; the fields are the AsyncAPI payloads as published. Blank lines are
// keep-alives (the first one sends the headers at once): readers skip them.
import type { components } from '../../generated/openapi/types.js';
import type { StreamReader } from '../ports/stream-reader.js';
import { abortableSleep } from '../timing/abortable-sleep.js';

export type RuntimeEventLine = components['schemas']['RuntimeEventLine'];
type ContractStream = RuntimeEventLine['stream'];

export interface RuntimeEventsFeedDeps {
  reader: StreamReader;
  /** The deployment's keys of the two streams (RTMANAGER_REDIS_KEY_PREFIX applied). */
  keys: Record<ContractStream, string>;
  /** Pause between two reads that found nothing. */
  pollMs: number;
  /** A blank line after this long without one (keeps proxies from closing an idle answer). Default 15 s. */
  keepAliveMs?: number;
}

export interface TailQuery {
  from?: string;
  game_id?: string;
  max?: number;
}

/** Entry ids compare as (ms, seq) numbers, not as strings. */
function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

export class RuntimeEventsFeed {
  constructor(private readonly deps: RuntimeEventsFeedDeps) {}

  /**
   * Where each stream's reading starts: `from`, else after its newest entry. Asked before
   * the answer's status is sent, so a Redis that does not answer is an error answer.
   */
  async open(query: TailQuery, signal: AbortSignal): Promise<AsyncIterable<string>> {
    const streams = Object.entries(this.deps.keys) as Array<[ContractStream, string]>;
    const after = new Map<ContractStream, string>();
    for (const [name, key] of streams) after.set(name, query.from ?? (await this.deps.reader.lastEntryId(key)) ?? '0');
    return this.lines(streams, after, query, signal);
  }

  private async *lines(streams: Array<[ContractStream, string]>, after: Map<ContractStream, string>, query: TailQuery, signal: AbortSignal): AsyncGenerator<string> {
    let sent = 0;
    // A blank line at once sends the status and headers; then one per keepAliveMs of silence.
    yield '\n';
    let quietSince = Date.now();
    while (!signal.aborted) {
      const batch: RuntimeEventLine[] = [];
      for (const [name, key] of streams) {
        const entries = await this.deps.reader.readAfter(key, after.get(name) ?? '0', { count: 100, blockMs: 0, signal });
        for (const e of entries) {
          after.set(name, e.id);
          batch.push({ stream: name, id: e.id, fields: e.fields });
        }
      }
      batch.sort((a, b) => compareIds(a.id, b.id));
      for (const line of batch) {
        if (query.game_id !== undefined && line.fields.game_id !== query.game_id) continue;
        yield `${JSON.stringify(line)}\n`;
        if (query.max !== undefined && ++sent >= query.max) return;
      }
      if (batch.length > 0) quietSince = Date.now();
      else if (Date.now() - quietSince >= (this.deps.keepAliveMs ?? 15_000)) {
        quietSince = Date.now();
        yield '\n';
      } else await abortableSleep(this.deps.pollMs, signal);
    }
  }
}
