// A container's log answer (an HTTP response stream of multiplexed frames) as lines, read
// only as fast as the consumer iterates: nothing is buffered beyond one chunk and one
// partial line per stream, so a slow reader slows Docker's answer (TCP backpressure)
// instead of growing RTM's memory.
import type { Readable } from 'node:stream';
import type { EngineLogLine } from '../../ports/docker-runtime.js';
import { MultiplexedLogDecoder } from './multiplexed-log.decoder.js';

export async function* readContainerLogs(stream: Readable, signal: AbortSignal): AsyncGenerator<EngineLogLine, void, undefined> {
  const close = () => stream.destroy();
  if (signal.aborted) close();
  signal.addEventListener('abort', close, { once: true });
  const decoder = new MultiplexedLogDecoder();
  try {
    for await (const chunk of stream) {
      yield* decoder.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    }
    yield* decoder.end();
  } catch (err) {
    // Our own abort ends the iteration quietly; anything else is the stream breaking.
    if (!signal.aborted) throw err;
  } finally {
    signal.removeEventListener('abort', close);
    stream.destroy();
  }
}
