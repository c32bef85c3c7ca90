// Builds the dockerode client from RTMANAGER_DOCKER_HOST (config.docker.host). Every
// connection field is set explicitly: docker-modem otherwise merges in DOCKER_HOST,
// DOCKER_CERT_PATH and DOCKER_CLIENT_TIMEOUT from the process environment, and RTM's
// configuration must be the only source of truth.
import Dockerode from 'dockerode';

/** PEM contents of the client TLS files (config.docker.tls). */
export interface DockerTlsFiles {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export function dockerClientOptions(host: string, tls: DockerTlsFiles | null = null): Dockerode.DockerOptions {
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new Error(`Docker host "${host}" is not a URL: expected unix:///path, tcp://host:port or http(s)://host:port`);
  }
  // No socket idle timeout: it would cut the long-lived events stream. The adapter puts an
  // explicit deadline on every call instead.
  const base = { host: undefined, port: undefined, socketPath: undefined, ca: undefined, cert: undefined, key: undefined, timeout: undefined };
  switch (url.protocol) {
    case 'unix:': {
      const socketPath = decodeURIComponent(url.pathname);
      if (!socketPath || socketPath === '/') throw new Error(`Docker host "${host}" names no socket path`);
      return { ...base, socketPath, protocol: 'http' };
    }
    case 'tcp:':
    case 'http:':
    case 'https:': {
      if (!url.hostname) throw new Error(`Docker host "${host}" names no host`);
      // tcp:// with client TLS is Docker's `--tlsverify` endpoint: https, server verified against `ca`.
      const protocol = url.protocol === 'https:' || tls !== null ? 'https' : 'http';
      const port = url.port || (protocol === 'https' ? '2376' : '2375');
      // URL keeps the brackets of an IPv6 literal; http.request wants the bare address.
      const address = { host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(port), protocol } as const;
      return tls ? { ...base, ...address, ca: tls.ca, cert: tls.cert, key: tls.key } : { ...base, ...address };
    }
    default:
      throw new Error(`Docker host "${host}" has an unsupported scheme ${url.protocol} (use unix, tcp, http or https)`);
  }
}

/** The one dockerode instance of the process (constructed by the composition root). */
export function createDockerClient(host: string, tls: DockerTlsFiles | null = null): Dockerode {
  return new Dockerode(dockerClientOptions(host, tls));
}
