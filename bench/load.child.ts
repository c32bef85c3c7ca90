// The load generator, run as its own process (bench/load-generator.ts spawns it) so its CPU
// is not the measured server's: a random path of the given list per request, against one
// base URL, for a fixed time.
// - Flat out (no `rate`): autocannon, closed loop over `connections`.
// - At a fixed rate: an open-loop pacer sending request k at t0 + k/rate over a keep-alive
//   pool of `connections` raw sockets (lighter than node's HTTP client, so the generator's
//   own lateness is a small part of the tail; how late requests went out is reported). Not
//   autocannon's rate limit: it lets each connection go flat out until it has made
//   rate/connections requests in the current second and then idle until the next one, so
//   "1,000 req/s" is a full-speed burst every second, latencies of the flat-out rows.
//   Latency runs from the request's slot in the schedule: a request that waited for a free
//   socket counts its wait (no coordinated omission).
// Prints one JSON line: every response's latency (ms, sub-millisecond), responses per
// whole second, status counts and errors.
import net from 'node:net';
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  paths: string[];
  connections: number;
  durationS: number;
  /** Requests per second over all connections; absent = as fast as the server answers. */
  rate?: number;
}

export interface LoadOutcome {
  latenciesMs: number[];
  perSecond: number[];
  statusCounts: Record<string, number>;
  errors: number;
  timeouts: number;
  durationS: number;
  /** Fixed rate only: how long after its slot each request went out (ms): the generator's own lateness plus any wait for a free socket. */
  sendLagMs?: number[];
}

/**
 * One keep-alive socket with at most one request in flight: raw bytes out, and just enough
 * HTTP/1.1 parsing in (status line, Content-Length) to know where a response ends. Both
 * servers answer with Content-Length; a chunked or close-delimited answer is an error.
 */
class PacedSocket {
  private buffer: Buffer = Buffer.alloc(0);
  private onDone: ((status: number | null) => void) | null = null;
  private readonly socket: net.Socket;

  constructor(host: string, port: number) {
    this.socket = net.connect({ host, port, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', () => this.finish(null));
    this.socket.on('close', () => this.finish(null));
  }

  get idle(): boolean {
    return this.onDone === null && !this.socket.destroyed;
  }

  send(request: Buffer, done: (status: number | null) => void): void {
    this.onDone = done;
    this.socket.write(request);
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const headEnd = this.buffer.indexOf('\r\n\r\n');
    if (headEnd === -1) return;
    const head = this.buffer.subarray(0, headEnd).toString('latin1');
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) return this.finish(null);
    const total = headEnd + 4 + Number(length[1]);
    if (this.buffer.length < total) return;
    this.buffer = this.buffer.subarray(total);
    this.finish(Number(head.slice(9, 12)));
  }

  private finish(status: number | null): void {
    const done = this.onDone;
    this.onDone = null;
    done?.(status);
  }
}

/** The fixed-rate sender: open loop, evenly paced, latency from each request's slot. */
async function runPaced(spec: LoadSpec & { rate: number }): Promise<LoadOutcome> {
  const url = new URL(spec.url);
  const port = Number(url.port || 80);
  const requests = spec.paths.map((p) => Buffer.from(`GET ${p} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: keep-alive\r\n\r\n`, 'latin1'));
  const sockets = Array.from({ length: spec.connections }, () => new PacedSocket(url.hostname, port));
  const latenciesMs: number[] = [];
  const perSecond: number[] = [];
  const statusCounts: Record<string, number> = {};
  const sendLagMs: number[] = [];
  const total = Math.round(spec.rate * spec.durationS);
  const slotMs = 1000 / spec.rate;
  // Slots whose turn came while every socket was busy: sent, in order, as sockets free up.
  const waiting: number[] = [];
  let errors = 0;
  let settled = 0;
  let scheduled = 0;
  const t0 = performance.now();
  return new Promise((resolve) => {
    const send = (socket: PacedSocket, slot: number) => {
      sendLagMs.push(performance.now() - slot);
      const request = requests[Math.floor(Math.random() * requests.length)] as Buffer;
      socket.send(request, (status) => {
        const now = performance.now();
        settled += 1;
        if (status === null) errors += 1;
        else {
          latenciesMs.push(now - slot);
          statusCounts[status] = (statusCounts[status] ?? 0) + 1;
          const second = Math.floor((now - t0) / 1000);
          while (perSecond.length <= second) perSecond.push(0);
          perSecond[second] = (perSecond[second] ?? 0) + 1;
        }
        const next = waiting.shift();
        if (next !== undefined && socket.idle) send(socket, next);
        else if (next !== undefined) waiting.unshift(next);
        if (settled === total) {
          for (const s of sockets) s.close();
          resolve({ latenciesMs, perSecond, statusCounts, errors, timeouts: 0, durationS: spec.durationS, sendLagMs });
        }
      });
    };
    const tick = () => {
      const now = performance.now();
      while (scheduled < total && t0 + scheduled * slotMs <= now) {
        const slot = t0 + scheduled * slotMs;
        scheduled += 1;
        const free = waiting.length === 0 ? sockets.find((s) => s.idle) : undefined;
        if (free) send(free, slot);
        else waiting.push(slot);
      }
      if (scheduled < total) setTimeout(tick, Math.max(0, t0 + scheduled * slotMs - performance.now()));
    };
    tick();
  });
}

function run(spec: LoadSpec): Promise<LoadOutcome> {
  if (spec.rate !== undefined) return runPaced({ ...spec, rate: spec.rate });
  const latenciesMs: number[] = [];
  const perSecond: number[] = [];
  const statusCounts: Record<string, number> = {};
  let t0 = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.durationS,
        requests: [{ setupRequest: (req: Record<string, unknown>) => ({ ...req, path: spec.paths[Math.floor(Math.random() * spec.paths.length)] }) }],
      },
      (err: Error | null, result: { errors: number; timeouts: number; duration: number }) => {
        if (err) return reject(err);
        resolve({ latenciesMs, perSecond, statusCounts, errors: result.errors, timeouts: result.timeouts, durationS: result.duration });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      if (t0 === 0) t0 = performance.now();
      latenciesMs.push(responseTime);
      statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
      const second = Math.floor((performance.now() - t0) / 1000);
      while (perSecond.length <= second) perSecond.push(0);
      perSecond[second] = (perSecond[second] ?? 0) + 1;
    });
  });
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
run(spec).then(
  (outcome) => {
    // The last second is partial: drop it from the per-second counts.
    outcome.perSecond = outcome.perSecond.slice(0, Math.max(1, Math.floor(outcome.durationS)));
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
  },
  (err: unknown) => {
    process.stderr.write(`load: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
