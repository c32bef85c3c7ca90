// Docker's log stream of a container without a TTY: frames of an 8-byte header (stream
// byte 1 = stdout, 2 = stderr; bytes 4-7 the payload size, big-endian) and a payload. With
// `timestamps=1` every frame's payload starts with an RFC 3339 nano timestamp and a space.
// Chunk boundaries are arbitrary (mid-header, mid-payload, mid UTF-8 character); a long
// line arrives as several frames without a newline until its last one. Lines are kept as
// bytes until complete, then decoded (bytes that are not UTF-8 become U+FFFD), so the
// result does not depend on where the chunks were cut.
import type { EngineLogLine, EngineLogStream } from '../../ports/docker-runtime.js';

const HEADER_BYTES = 8;
const STREAMS: Record<number, EngineLogStream> = { 1: 'stdout', 2: 'stderr' };
/** A line longer than this is cut into several lines: memory stays bounded whatever the engine prints. */
export const MAX_LINE_BYTES = 256 * 1024;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}) /;

interface PendingLine {
  ts: string;
  parts: Buffer[];
  bytes: number;
}

/** Docker's timestamp as RFC 3339 UTC with a nine-digit fraction (Docker trims trailing zeros). */
export function normalizeLogTimestamp(raw: string): string | null {
  const m = TIMESTAMP.exec(`${raw} `);
  if (!m) return null;
  const fraction = (m[2] ?? '').padEnd(9, '0');
  if (m[3] === 'Z') return `${m[1]}.${fraction}Z`;
  const ms = Date.parse(`${m[1]}${m[3]}`);
  return Number.isNaN(ms) ? null : `${new Date(ms).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** A frame without a timestamp (not produced with timestamps=1): the time it was decoded. */
function nowTimestamp(): string {
  return new Date().toISOString().replace('Z', '000000Z');
}

const withoutCr = (text: string): string => (text.endsWith('\r') ? text.slice(0, -1) : text);

export class MultiplexedLogDecoder {
  // Chunks not yet decoded, the first one read from `offset`. Frames are taken out of them
  // without joining the chunks: a frame inside one chunk is a view of it, a frame across
  // chunks is copied alone (a few bytes), so memory is the chunks Docker sent, nothing more.
  private readonly chunks: Buffer[] = [];
  private offset = 0;
  private available = 0;
  private readonly pending = new Map<EngineLogStream, PendingLine>();

  /** The lines completed by this chunk, in order. */
  push(chunk: Buffer): EngineLogLine[] {
    const lines: EngineLogLine[] = [];
    if (chunk.length === 0) return lines;
    this.chunks.push(chunk);
    this.available += chunk.length;
    while (this.available >= HEADER_BYTES) {
      const header = this.peek(HEADER_BYTES);
      const size = header.readUInt32BE(4);
      if (this.available - HEADER_BYTES < size) break;
      this.take(HEADER_BYTES);
      const payload = this.take(size);
      const stream = STREAMS[header[0] ?? 0];
      // stdin (0) or an unknown stream byte carries nothing an engine printed.
      if (stream) this.frame(stream, payload, lines);
    }
    return lines;
  }

  /** The stream ended: a last line without its newline is still a line. */
  end(): EngineLogLine[] {
    const lines: EngineLogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) this.flush(stream, lines);
    this.chunks.length = 0;
    this.offset = 0;
    this.available = 0;
    return lines;
  }

  /** The next n bytes without consuming them (a copy only when they span chunks). */
  private peek(n: number): Buffer {
    const first = this.chunks[0] as Buffer;
    if (first.length - this.offset >= n) return first.subarray(this.offset, this.offset + n);
    const out = Buffer.allocUnsafe(n);
    let copied = 0;
    let from = this.offset;
    for (const c of this.chunks) {
      copied += c.copy(out, copied, from, Math.min(c.length, from + n - copied));
      from = 0;
      if (copied === n) break;
    }
    return out;
  }

  private take(n: number): Buffer {
    const taken = this.peek(n);
    this.available -= n;
    let left = n;
    while (left > 0) {
      const first = this.chunks[0] as Buffer;
      const inFirst = first.length - this.offset;
      if (inFirst > left) {
        this.offset += left;
        left = 0;
      } else {
        left -= inFirst;
        this.chunks.shift();
        this.offset = 0;
      }
    }
    if (this.chunks.length > 0 && (this.chunks[0] as Buffer).length === this.offset) {
      this.chunks.shift();
      this.offset = 0;
    }
    return taken;
  }

  private frame(stream: EngineLogStream, payload: Buffer, lines: EngineLogLine[]): void {
    let text = payload;
    let ts: string | null = null;
    const space = payload.indexOf(0x20);
    if (space > 0 && space <= 40) {
      ts = normalizeLogTimestamp(payload.subarray(0, space).toString('latin1'));
      if (ts !== null) text = payload.subarray(space + 1);
    }
    let start = 0;
    for (let nl = text.indexOf(0x0a); nl >= 0; nl = text.indexOf(0x0a, start)) {
      if (!this.pending.has(stream) && nl - start < MAX_LINE_BYTES) {
        // The common case, a whole line in one frame: decoded straight from the chunk.
        lines.push({ ts: ts ?? nowTimestamp(), stream, line: withoutCr(text.toString('utf8', start, nl)) });
      } else {
        this.append(stream, ts, text.subarray(start, nl), lines);
        this.flush(stream, lines);
      }
      start = nl + 1;
    }
    if (start < text.length) this.append(stream, ts, text.subarray(start), lines);
  }

  private append(stream: EngineLogStream, ts: string | null, bytes: Buffer, lines: EngineLogLine[]): void {
    let line = this.pending.get(stream);
    if (!line) {
      // The first frame of a line gives its time (a continuation frame's own time is later).
      line = { ts: ts ?? nowTimestamp(), parts: [], bytes: 0 };
      this.pending.set(stream, line);
    }
    line.parts.push(Buffer.from(bytes));
    line.bytes += bytes.length;
    if (line.bytes >= MAX_LINE_BYTES) this.flush(stream, lines);
  }

  private flush(stream: EngineLogStream, lines: EngineLogLine[]): void {
    const line = this.pending.get(stream);
    if (!line) return;
    this.pending.delete(stream);
    lines.push({ ts: line.ts, stream, line: withoutCr(Buffer.concat(line.parts).toString('utf8')) });
  }
}
