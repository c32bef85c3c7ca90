// An HTTP proxy in front of the Docker socket, for one RTM process: point
// RTMANAGER_DOCKER_HOST at `url`.
// - `cut()` is a Docker outage that only that RTM sees (the shared daemon and everybody
//   else's containers are untouched): every open connection is destroyed, the events stream
//   included, and new ones are refused until `restore()`.
// - `scope` (a game_id prefix) hides the owned containers of other games from the container
//   list and the event stream. On a shared daemon every RTM would otherwise adopt, dispose or
//   remove the containers of every other test run's RTM (they all carry
//   com.galaxy.owner=rtmanager, and their leases live in other Redis prefixes).
import http from 'node:http';
import type net from 'node:net';
import { Transform } from 'node:stream';
import { freeTcpPort, onProcessExit } from './private-server.js';

const OWNER_LABEL = 'com.galaxy.owner';
const OWNER_VALUE = 'rtmanager';
const GAME_ID_LABEL = 'com.galaxy.game_id';

export interface DockerSocketProxy {
  readonly port: number;
  /** `tcp://127.0.0.1:<port>`, for RTMANAGER_DOCKER_HOST. */
  readonly url: string;
  /** Only owned containers whose game_id starts with this are visible; null = all. */
  scope: string | null;
  /** Connections refused and every open one destroyed, until restore(). */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  readonly open: boolean;
  close(): Promise<void>;
}

function outOfScope(labels: Record<string, string> | undefined | null, scope: string | null): boolean {
  if (scope === null || !labels || labels[OWNER_LABEL] !== OWNER_VALUE) return false;
  return !(labels[GAME_ID_LABEL] ?? '').startsWith(scope);
}

/** Drops other games' events from Docker's newline-delimited JSON event stream. */
function eventFilter(scope: () => string | null): Transform {
  let buffer = '';
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      buffer += chunk.toString('utf8');
      let out = '';
      let i: number;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i + 1);
        buffer = buffer.slice(i + 1);
        try {
          const e = JSON.parse(line) as { Actor?: { Attributes?: Record<string, string> } };
          if (!outOfScope(e.Actor?.Attributes, scope())) out += line;
        } catch {
          out += line;
        }
      }
      done(null, out.length > 0 ? out : undefined);
    },
  });
}

export async function startDockerSocketProxy(opts: { socketPath?: string; port?: number; scope?: string } = {}): Promise<DockerSocketProxy> {
  const socketPath = opts.socketPath ?? '/var/run/docker.sock';
  const port = opts.port ?? (await freeTcpPort());
  const sockets = new Set<net.Socket>();
  let server: http.Server | null = null;
  let scope: string | null = opts.scope ?? null;

  const track = (s: net.Socket) => {
    if (sockets.has(s)) return; // a kept-alive upstream socket serves many requests
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const path = req.url ?? '/';
    const upstream = http.request({ socketPath, path, method: req.method, headers: req.headers }, (up) => {
      const isList = req.method === 'GET' && /^(\/v[0-9.]+)?\/containers\/json(\?|$)/.test(path);
      const isEvents = req.method === 'GET' && /^(\/v[0-9.]+)?\/events(\?|$)/.test(path);
      if (isList && scope !== null && up.statusCode === 200) {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const all = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Array<{ Labels?: Record<string, string> }>;
          const body = JSON.stringify(all.filter((c) => !outOfScope(c.Labels, scope)));
          const headers = { ...up.headers, 'content-length': String(Buffer.byteLength(body)) };
          delete headers['transfer-encoding'];
          res.writeHead(200, headers);
          res.end(body);
        });
        return;
      }
      const headers = { ...up.headers };
      if (isEvents) delete headers['content-length'];
      res.writeHead(up.statusCode ?? 502, headers);
      (isEvents && scope !== null ? up.pipe(eventFilter(() => scope)) : up).pipe(res);
    });
    upstream.on('socket', track);
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const srv = http.createServer(forward);
      srv.keepAliveTimeout = 60_000;
      srv.on('connection', track);
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => {
        server = srv;
        resolve();
      });
    });

  const cut = async () => {
    const srv = server;
    server = null;
    for (const s of sockets) s.destroy();
    sockets.clear();
    if (srv) await new Promise<void>((r) => srv.close(() => r()));
  };

  onProcessExit(() => {
    for (const s of sockets) s.destroy();
    server?.close();
  });
  await listen();
  return {
    port,
    url: `tcp://127.0.0.1:${port}`,
    get scope() {
      return scope;
    },
    set scope(v: string | null) {
      scope = v;
    },
    cut,
    restore: async () => {
      if (!server) await listen();
    },
    get open() {
      return server !== null;
    },
    close: cut,
  };
}
