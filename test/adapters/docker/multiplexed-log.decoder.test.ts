// Docker's multiplexed log frames -> lines: the same lines wherever the chunks are cut
// (every byte position, property-tested), lines split across frames, non-UTF-8 bytes,
// interleaved stdout/stderr, Docker's trimmed nanosecond timestamps.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES, MultiplexedLogDecoder, normalizeLogTimestamp } from '../../../src/adapters/docker/multiplexed-log.decoder.js';
import type { EngineLogLine } from '../../../src/ports/docker-runtime.js';
import { propertyRuns } from '../../property/property-runs.js';

function frame(stream: 1 | 2, payload: Buffer | string): Buffer {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

function decodeChunks(chunks: Buffer[]): EngineLogLine[] {
  const decoder = new MultiplexedLogDecoder();
  return [...chunks.flatMap((c) => decoder.push(c)), ...decoder.end()];
}

const TS = '2026-12-05T03:04:05.123456789Z';

describe('MultiplexedLogDecoder', () => {
  it('decodes frames into lines with their stream and timestamp', () => {
    const bytes = Buffer.concat([frame(1, `${TS} hello\n`), frame(2, `${TS} oops\n`), frame(1, `${TS} é 😀\n`)]);
    expect(decodeChunks([bytes])).toEqual([
      { ts: TS, stream: 'stdout', line: 'hello' },
      { ts: TS, stream: 'stderr', line: 'oops' },
      { ts: TS, stream: 'stdout', line: 'é 😀' },
    ]);
  });

  it('joins a line Docker split into several frames (a long line), with the first frame\'s time', () => {
    const later = '2026-12-05T03:04:06Z';
    const bytes = Buffer.concat([frame(1, `${TS} first half `), frame(2, `${TS} between\n`), frame(1, `${later} second half\n`)]);
    expect(decodeChunks([bytes])).toEqual([
      { ts: TS, stream: 'stderr', line: 'between' },
      { ts: TS, stream: 'stdout', line: 'first half second half' },
    ]);
  });

  it('turns bytes that are not UTF-8 into U+FFFD, a CRLF into a plain line, and keeps an unterminated last line', () => {
    const bytes = Buffer.concat([frame(1, Buffer.concat([Buffer.from(`${TS} a`), Buffer.from([0xff, 0xfe]), Buffer.from('b\r\n')])), frame(1, `${TS} tail`)]);
    expect(decodeChunks([bytes])).toEqual([
      { ts: TS, stream: 'stdout', line: 'a\uFFFD\uFFFDb' },
      { ts: TS, stream: 'stdout', line: 'tail' },
    ]);
  });

  it('cuts a line longer than MAX_LINE_BYTES (memory stays bounded)', () => {
    const big = 'x'.repeat(MAX_LINE_BYTES);
    const lines = decodeChunks([frame(1, `${TS} ${big}`), frame(1, `${TS} y\n`)]);
    expect(lines.map((l) => l.line.length)).toEqual([MAX_LINE_BYTES, 1]);
  });

  it('normalizes Docker\'s timestamps to nine fraction digits in UTC', () => {
    expect(normalizeLogTimestamp('2026-12-05T03:04:05.1Z')).toBe('2026-12-05T03:04:05.100000000Z');
    expect(normalizeLogTimestamp('2026-12-05T03:04:05Z')).toBe('2026-12-05T03:04:05.000000000Z');
    expect(normalizeLogTimestamp('2026-12-05T05:04:05.5+02:00')).toBe('2026-12-05T03:04:05.500000000Z');
    expect(normalizeLogTimestamp('yesterday')).toBeNull();
  });

  it('property: split at every byte position (and at random positions), the lines are the same', () => {
    const lineArb = fc.record({
      stream: fc.constantFrom<1 | 2>(1, 2),
      text: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.uint8Array({ maxLength: 30 }).map((b) => Buffer.from(b).toString('latin1'))),
      split: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 6 }), (lines, cuts) => {
        const frames: Buffer[] = [];
        for (const l of lines) {
          const text = l.text.replace(/\n/g, ' ');
          if (l.split && text.length > 1) {
            const half = Math.floor(text.length / 2);
            frames.push(frame(l.stream, `${TS} ${text.slice(0, half)}`), frame(l.stream, `${TS} ${text.slice(half)}\n`));
          } else frames.push(frame(l.stream, `${TS} ${text}\n`));
        }
        const bytes = Buffer.concat(frames);
        const whole = decodeChunks([bytes]);
        // Every single cut position.
        for (let at = 0; at <= bytes.length; at++) expect(decodeChunks([bytes.subarray(0, at), bytes.subarray(at)])).toEqual(whole);
        // Several random cuts at once.
        const positions = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let from = 0;
        for (const p of positions) {
          chunks.push(bytes.subarray(from, p));
          from = p;
        }
        chunks.push(bytes.subarray(from));
        expect(decodeChunks(chunks)).toEqual(whole);
        expect(whole).toHaveLength(lines.length);
      }),
      propertyRuns(200, 'multiplexed log frames split anywhere'),
    );
  });
});
