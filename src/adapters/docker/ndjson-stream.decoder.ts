// Docker's streaming endpoints (events, image pull progress) answer newline-delimited JSON.
// Chunk boundaries are arbitrary: a chunk can end mid-line or mid UTF-8 character, or carry
// several lines. A malformed line is reported and skipped, never fatal.
import { StringDecoder } from 'node:string_decoder';

export async function* decodeNdjson(
  chunks: AsyncIterable<Buffer | string>,
  onMalformed: (line: string, error: unknown) => void = () => {},
  parse: (line: string) => unknown = JSON.parse,
): AsyncGenerator<unknown, void, undefined> {
  const utf8 = new StringDecoder('utf8');
  let pending = '';
  function* completeLines(final: boolean): Generator<unknown> {
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      yield* parsed(line);
    }
    if (final && pending.length > 0) {
      const line = pending;
      pending = '';
      yield* parsed(line);
    }
  }
  function* parsed(rawLine: string): Generator<unknown> {
    const line = rawLine.trim();
    if (line.length === 0) return;
    let value: unknown;
    try {
      value = parse(line);
    } catch (err) {
      onMalformed(line, err);
      return;
    }
    yield value;
  }
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : utf8.write(chunk);
    yield* completeLines(false);
  }
  pending += utf8.end();
  yield* completeLines(true);
}
