// Client TLS for a remote Docker endpoint (CONTRACT §10): RTMANAGER_DOCKER_TLS_CA / _CERT /
// _KEY (PEM file paths), or RTMANAGER_DOCKER_CERT_PATH, a folder holding ca.pem, cert.pem
// and key.pem (the DOCKER_CERT_PATH convention). Read and checked once at startup, so a
// wrong path, a non-PEM file or a key that does not match its certificate exits 2 by name.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DockerTlsFiles } from '../adapters/docker/docker-client.factory.js';

type Env = Record<string, string | undefined>;

const value = (env: Env, name: string): string | undefined => {
  const v = env[name]?.trim();
  return v ? v : undefined;
};

/** null when no TLS is configured; problems are pushed by variable name. */
export function readDockerTls(env: Env, dockerHost: string, problems: string[]): DockerTlsFiles | null {
  const certDir = value(env, 'RTMANAGER_DOCKER_CERT_PATH');
  const named = {
    RTMANAGER_DOCKER_TLS_CA: value(env, 'RTMANAGER_DOCKER_TLS_CA') ?? (certDir && path.join(certDir, 'ca.pem')),
    RTMANAGER_DOCKER_TLS_CERT: value(env, 'RTMANAGER_DOCKER_TLS_CERT') ?? (certDir && path.join(certDir, 'cert.pem')),
    RTMANAGER_DOCKER_TLS_KEY: value(env, 'RTMANAGER_DOCKER_TLS_KEY') ?? (certDir && path.join(certDir, 'key.pem')),
  };
  const given = Object.entries(named).filter(([, p]) => p !== undefined);
  if (given.length === 0) return null;
  if (given.length < 3) {
    const missing = Object.keys(named).filter((k) => named[k as keyof typeof named] === undefined);
    problems.push(`Docker TLS needs a CA, a certificate and a key: ${missing.join(', ')} not set`);
    return null;
  }
  if (dockerHost.startsWith('unix:')) {
    problems.push(`Docker TLS is set but RTMANAGER_DOCKER_HOST=${dockerHost} is a unix socket: use tcp:// or https://`);
    return null;
  }
  const read = (name: keyof typeof named): Buffer | null => {
    try {
      return readFileSync(named[name] as string);
    } catch (err) {
      problems.push(`${name}=${named[name]} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return null;
    }
  };
  const ca = read('RTMANAGER_DOCKER_TLS_CA');
  const cert = read('RTMANAGER_DOCKER_TLS_CERT');
  const key = read('RTMANAGER_DOCKER_TLS_KEY');
  if (!ca || !cert || !key) return null;
  return checkPem({ ca, cert, key }, named, problems);
}

function checkPem(files: DockerTlsFiles, named: Record<string, string | undefined>, problems: string[]): DockerTlsFiles | null {
  const before = problems.length;
  let certificate: X509Certificate | null = null;
  try {
    new X509Certificate(files.ca);
  } catch {
    problems.push(`RTMANAGER_DOCKER_TLS_CA=${named.RTMANAGER_DOCKER_TLS_CA} is not a PEM certificate`);
  }
  try {
    certificate = new X509Certificate(files.cert);
  } catch {
    problems.push(`RTMANAGER_DOCKER_TLS_CERT=${named.RTMANAGER_DOCKER_TLS_CERT} is not a PEM certificate`);
  }
  try {
    const key = createPrivateKey(files.key);
    if (certificate && !certificate.checkPrivateKey(key))
      problems.push(`RTMANAGER_DOCKER_TLS_KEY=${named.RTMANAGER_DOCKER_TLS_KEY} does not match RTMANAGER_DOCKER_TLS_CERT`);
  } catch {
    problems.push(`RTMANAGER_DOCKER_TLS_KEY=${named.RTMANAGER_DOCKER_TLS_KEY} is not a PEM private key`);
  }
  return problems.length === before ? files : null;
}

/**
 * A daemon that refuses a client certificate closes the connection after the handshake
 * (TLS 1.3), which reaches RTM as a bare "socket hang up": say what that most likely means.
 */
export function explainDockerTlsFailure(err: unknown, dockerHost: string): Error {
  const message = err instanceof Error ? err.message : String(err);
  if (/certificate|TLS|SSL|alert/i.test(message)) return new Error(`${message} (Docker over TLS to ${dockerHost})`, { cause: err });
  if (/ECONNRESET|socket hang up|EPROTO/i.test(message))
    return new Error(
      `${message}: the TLS endpoint ${dockerHost} closed the connection after the handshake, which is how a daemon refuses a client certificate it does not trust (check that RTMANAGER_DOCKER_TLS_CERT/_KEY are signed by the daemon's CA)`,
      { cause: err },
    );
  return err instanceof Error ? err : new Error(message);
}
