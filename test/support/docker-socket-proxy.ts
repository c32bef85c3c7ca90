// A TCP proxy in front of the Docker socket, for one RTM process: point
// RTMANAGER_DOCKER_HOST at `url` and `cut()` it for a Docker outage that only that RTM sees
// (the shared daemon and everybody else's containers are untouched). Cutting destroys every
// open connection, the events stream included, and refuses new ones until `restore()`.
import net from 'node:net';
import { freeTcpPort, onProcessExit } from './private-server.js';

export interface DockerSocketProxy {
  readonly port: number;
  /** `tcp://127.0.0.1:<port>`, for RTMANAGER_DOCKER_HOST. */
  readonly url: string;
  /** Connections refused and every open one destroyed, until restore(). */
  cut(): Promise<void>;
  /** Listens again on the same port. */
  restore(): Promise<void>;
  readonly open: boolean;
  close(): Promise<void>;
}

export async function startDockerSocketProxy(opts: { socketPath?: string; port?: number } = {}): Promise<DockerSocketProxy> {
  const socketPath = opts.socketPath ?? '/var/run/docker.sock';
  const port = opts.port ?? (await freeTcpPort());
  const sockets = new Set<net.Socket>();
  let server: net.Server | null = null;

  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const srv = net.createServer((client) => {
        const upstream = net.connect(socketPath);
        track(client);
        track(upstream);
        client.on('close', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
      });
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
