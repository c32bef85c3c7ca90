// A real TLS endpoint for the Docker API: throwaway certificates made with openssl and a
// TLS listener on 127.0.0.1 that demands a client certificate signed by its CA, piping each
// connection to the local Docker socket (what `dockerd --tlsverify` does for a tcp:// host).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

export interface TlsMaterial {
  dir: string;
  /** The CA that signs the server and the good client. */
  caPem: string;
  /** Client certificate + key signed by that CA. */
  client: { cert: string; key: string };
  /** Client certificate + key signed by another CA: the server must refuse it. */
  stranger: { cert: string; key: string };
  server: { cert: string; key: string };
  cleanup(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function signed(dir: string, name: string, ca: string, subject: string, ext?: string): void {
  openssl(dir, ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}-key.pem`, '-out', `${name}.csr`, '-subj', subject]);
  const extArgs = ext ? ['-extfile', `${name}.ext`] : [];
  if (ext) writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}-key.pem`, '-CAcreateserial', '-days', '2', '-out', `${name}.pem`, ...extArgs]);
}

export function makeTlsMaterial(): TlsMaterial {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rtm-docker-tls-'));
  for (const ca of ['ca', 'other-ca']) {
    openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${ca}-key.pem`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=rtm test ${ca}`]);
  }
  signed(dir, 'server', 'ca', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  signed(dir, 'client', 'ca', '/CN=rtmanager', 'extendedKeyUsage=clientAuth\n');
  signed(dir, 'stranger', 'other-ca', '/CN=stranger', 'extendedKeyUsage=clientAuth\n');
  const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
  return {
    dir,
    caPem: read('ca.pem'),
    client: { cert: read('client.pem'), key: read('client-key.pem') },
    stranger: { cert: read('stranger.pem'), key: read('stranger-key.pem') },
    server: { cert: read('server.pem'), key: read('server-key.pem') },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface DockerTlsProxy {
  port: number;
  /** TLS handshakes refused (bad or missing client certificate). */
  refused: number;
  close(): Promise<void>;
}

export async function startDockerTlsProxy(material: TlsMaterial, socketPath = '/var/run/docker.sock'): Promise<DockerTlsProxy> {
  const sockets = new Set<net.Socket>();
  const state = { refused: 0 };
  const server = tls.createServer(
    { ...material.server, ca: material.caPem, requestCert: true, rejectUnauthorized: true },
    (client) => {
      const upstream = net.connect(socketPath);
      sockets.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      client.pipe(upstream).pipe(client);
    },
  );
  server.on('tlsClientError', () => (state.refused += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    get refused() {
      return state.refused;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
