// A TCP proxy in front of the Docker socket: closing it is a Docker outage for whoever talks
// through it (RTMANAGER_DOCKER_HOST=tcp://…), while the real daemon — shared by every test —
// keeps running. Reopened on the same port, it is the daemon "coming back".
import net from 'node:net';

export interface DockerSocketProxy {
  /** `tcp://127.0.0.1:<port>`, for createDockerClient / RTMANAGER_DOCKER_HOST. */
  host: string;
  /** Refuse new connections and cut the open ones. */
  close(): Promise<void>;
  /** Listen again on the same port. */
  open(): Promise<void>;
}

export async function startDockerSocketProxy(socketPath = '/var/run/docker.sock'): Promise<DockerSocketProxy> {
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const daemon = net.connect(socketPath);
    for (const s of [client, daemon]) {
      open.add(s);
      s.on('close', () => open.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(daemon).pipe(client);
    client.on('close', () => daemon.destroy());
    daemon.on('close', () => client.destroy());
  });
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  await listen();
  return {
    host: `tcp://127.0.0.1:${port}`,
    async close() {
      const closed = new Promise((resolve) => server.close(resolve));
      for (const s of open) s.destroy();
      await closed;
    },
    open: listen,
  };
}
