// `rtmctl events tail`: follows runtime:health_events and runtime:job_results (with the
// deployment's key prefix) on Redis, decoded with the client's stream helpers. Starts after
// the newest entry of each stream (or at --from), so nothing published meanwhile is missed;
// stops on SIGINT/SIGTERM or after --max events.
import { decodeHealthEvent, decodeJobResult, rtmStreams, type HealthEvent, type JobResult } from '@galaxy/rtmanager-client/streams';
import { Redis } from 'ioredis';
import { positiveInteger, UsageError, type ParsedOptions } from './command-line.js';
import type { Output } from './output.js';

export interface TailOptions {
  options: ParsedOptions;
  output: Output;
  redisUrl: string;
  keyPrefix: string;
  /** Aborted by SIGINT/SIGTERM. */
  signal: AbortSignal;
}

type TailEvent =
  | { stream: string; id: string; kind: 'health_event'; value: HealthEvent }
  | { stream: string; id: string; kind: 'job_result'; value: JobResult };

/** Where the Redis server is, without the password a URL may carry. */
function redisEndpoint(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}`;
  } catch {
    return 'the configured Redis';
  }
}

function humanLine(e: TailEvent): string {
  if (e.kind === 'health_event') {
    const v = e.value;
    return [new Date(v.occurred_at_ms).toISOString(), 'health', v.game_id, v.event_type, JSON.stringify(v.details)].join('  ');
  }
  const v = e.value;
  const what = [v.job_kind, v.outcome, v.error_code ?? '', v.error_message ?? ''].filter((s) => s !== '').join(' ');
  return [new Date(v.completed_at_ms).toISOString(), 'job_result', v.game_id, what, `job ${v.job_id}`].join('  ');
}

async function lastId(redis: Redis, stream: string): Promise<string> {
  const newest = await redis.xrevrange(stream, '+', '-', 'COUNT', 1);
  return newest[0]?.[0] ?? '0-0';
}

export async function eventsTail(t: TailOptions, positionals: readonly string[]): Promise<number> {
  if (positionals.length > 0) throw new UsageError('events tail takes no arguments (use --game and --type)');
  const max = positiveInteger(t.options.max, 'max');
  const game = typeof t.options.game === 'string' ? t.options.game : undefined;
  const types = typeof t.options.type === 'string' ? new Set(t.options.type.split(',')) : undefined;
  const streams = rtmStreams(t.keyPrefix);
  const redis = new Redis(t.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (err) {
    t.output.err(`rtmctl: cannot reach Redis at ${redisEndpoint(t.redisUrl)}: ${(err as Error).message}`);
    return 1;
  }
  const stop = () => redis.disconnect();
  t.signal.addEventListener('abort', stop, { once: true });
  try {
    const from = typeof t.options.from === 'string' ? t.options.from : undefined;
    const ids = {
      [streams.healthEvents]: from ?? (await lastId(redis, streams.healthEvents)),
      [streams.jobResults]: from ?? (await lastId(redis, streams.jobResults)),
    };
    // On stderr, so stdout stays the events alone (one JSON per line with --json).
    t.output.err(`rtmctl: following ${Object.keys(ids).join(', ')} on ${redisEndpoint(t.redisUrl)} (Ctrl-C to stop)`);
    let seen = 0;
    while (!t.signal.aborted && (max === undefined || seen < max)) {
      const keys = Object.keys(ids);
      const reply = await redis.xread('COUNT', 100, 'BLOCK', 1_000, 'STREAMS', ...keys, ...keys.map((k) => ids[k]!));
      for (const [stream, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          ids[stream] = id;
          const event = decode(stream, id, fields, streams.healthEvents);
          if (!event) continue;
          if (game !== undefined && event.value.game_id !== game) continue;
          if (types && !types.has(event.kind === 'health_event' ? event.value.event_type : 'job_result')) continue;
          t.output.out(t.options.json === true ? JSON.stringify(event) : humanLine(event));
          if (max !== undefined && ++seen >= max) return 0;
        }
      }
    }
    return 0;
  } catch (err) {
    if (t.signal.aborted) return 0;
    t.output.err(`rtmctl: lost Redis at ${redisEndpoint(t.redisUrl)}: ${(err as Error).message}`);
    return 1;
  } finally {
    t.signal.removeEventListener('abort', stop);
    redis.disconnect();
  }
}

function decode(stream: string, id: string, fields: string[], healthStream: string): TailEvent | null {
  if (stream === healthStream) {
    const d = decodeHealthEvent(fields);
    return d.ok ? { stream, id, kind: 'health_event', value: d.value } : null;
  }
  const d = decodeJobResult(fields);
  return d.ok ? { stream, id, kind: 'job_result', value: d.value } : null;
}
