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

export class MultiplexedLogDecoder {
  private buffered: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<EngineLogStream, PendingLine>();

  /** The lines completed by this chunk, in order. */
  push(chunk: Buffer): EngineLogLine[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const lines: EngineLogLine[] = [];
    let offset = 0;
    while (this.buffered.length - offset >= HEADER_BYTES) {
      const size = this.buffered.readUInt32BE(offset + 4);
      if (this.buffered.length - offset - HEADER_BYTES < size) break;
      const stream = STREAMS[this.buffered[offset] ?? 0];
      const payload = this.buffered.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + size);
      offset += HEADER_BYTES + size;
      // stdin (0) or an unknown stream byte carries nothing an engine printed.
      if (stream) this.frame(stream, payload, lines);
    }
    // Copy the tail so the (possibly large) chunk it came from can be freed.
    this.buffered = offset === 0 ? this.buffered : Buffer.from(this.buffered.subarray(offset));
    return lines;
  }

  /** The stream ended: a last line without its newline is still a line. */
  end(): EngineLogLine[] {
    const lines: EngineLogLine[] = [];
    for (const stream of ['stdout', 'stderr'] as const) this.flush(stream, lines);
    this.buffered = Buffer.alloc(0);
    return lines;
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
      this.append(stream, ts, text.subarray(start, nl), lines);
      this.flush(stream, lines);
      start = nl + 1;
    }
    if (start < text.length) this.append(stream, ts, text.subarray(start), lines);
  }

  private append(stream: EngineLogStream, ts: string | null, bytes: Buffer, lines: EngineLogLine[]): void {
    let line = this.pending.get(stream);
    if (!line) {
      // The first frame of a line gives its time (a continuation frame's own time is later).
      line = { ts: ts ?? new Date().toISOString().replace('Z', '000000Z'), parts: [], bytes: 0 };
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
    let text = Buffer.concat(line.parts).toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    lines.push({ ts: line.ts, stream, line: text });
  }
}
