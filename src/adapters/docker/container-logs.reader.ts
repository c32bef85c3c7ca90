// A container's log answer (an HTTP response stream of multiplexed frames) as batches of lines, read
// only as fast as the consumer iterates: nothing is buffered beyond one chunk and one
// partial line per stream, so a slow reader slows Docker's answer (TCP backpressure)
// instead of growing RTM's memory.
import type { Readable } from 'node:stream';
import type { ContainerLogsQuery, EngineLogLine } from '../../ports/docker-runtime.js';
import { MultiplexedLogDecoder } from './multiplexed-log.decoder.js';

/** Docker's log query (containers and Swarm tasks alike): both streams, timestamped. */
export function logsQueryOf(query: ContainerLogsQuery): Record<string, string> {
  const params: Record<string, string> = { stdout: '1', stderr: '1', timestamps: '1', follow: query.follow ? '1' : '0', tail: String(query.tail) };
  if (query.since !== undefined) params.since = query.since;
  return params;
}

/** The lines of a request the caller aborted while it was connecting: none (not a failure). */
export async function* noLines(): AsyncGenerator<readonly EngineLogLine[], void, undefined> {}

/** Connects with `connect`; a connect cut short by the caller's own abort is an empty answer. */
export async function connectLogs(signal: AbortSignal, connect: () => Promise<Readable>): Promise<AsyncIterable<readonly EngineLogLine[]>> {
  try {
    return readContainerLogs(await connect(), signal);
  } catch (err) {
    if (signal.aborted) return noLines();
    throw err;
  }
}

export async function* readContainerLogs(stream: Readable, signal: AbortSignal): AsyncGenerator<readonly EngineLogLine[], void, undefined> {
  const close = () => stream.destroy();
  if (signal.aborted) close();
  signal.addEventListener('abort', close, { once: true });
  const decoder = new MultiplexedLogDecoder();
  try {
    // One batch per chunk Docker sent: one NDJSON write per chunk, not per line.
    for await (const chunk of stream) {
      const lines = decoder.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
      if (lines.length > 0) yield lines;
    }
    const last = decoder.end();
    if (last.length > 0) yield last;
  } catch (err) {
    // Our own abort ends the iteration quietly; anything else is the stream breaking.
    if (!signal.aborted) throw err;
  } finally {
    signal.removeEventListener('abort', close);
    stream.destroy();
  }
}
