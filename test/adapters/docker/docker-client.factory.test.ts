// RTMANAGER_DOCKER_HOST -> dockerode options; the process environment must not leak in.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDockerClient, dockerClientOptions } from '../../../src/adapters/docker/docker-client.factory.js';

describe('dockerClientOptions', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('unix:///path is a socket path', () => {
    expect(dockerClientOptions('unix:///var/run/docker.sock')).toMatchObject({ socketPath: '/var/run/docker.sock', host: undefined, protocol: 'http' });
  });

  it('tcp:// and http:// are plain HTTP; https:// is TLS; default ports 2375 / 2376', () => {
    expect(dockerClientOptions('tcp://10.0.0.5:2375')).toMatchObject({ host: '10.0.0.5', port: 2375, protocol: 'http', socketPath: undefined });
    expect(dockerClientOptions('http://docker.internal:1234')).toMatchObject({ host: 'docker.internal', port: 1234, protocol: 'http' });
    expect(dockerClientOptions('https://docker.internal')).toMatchObject({ host: 'docker.internal', port: 2376, protocol: 'https' });
    expect(dockerClientOptions('tcp://docker.internal')).toMatchObject({ port: 2375 });
    expect(dockerClientOptions('tcp://[::1]:2375')).toMatchObject({ host: '::1', port: 2375 });
  });

  it('tcp:// with client TLS speaks https on 2376 and carries the CA, certificate and key', () => {
    const tls = { ca: Buffer.from('ca'), cert: Buffer.from('cert'), key: Buffer.from('key') };
    expect(dockerClientOptions('tcp://docker.internal', tls)).toMatchObject({ host: 'docker.internal', port: 2376, protocol: 'https', ca: tls.ca, cert: tls.cert, key: tls.key });
    expect(dockerClientOptions('tcp://docker.internal:2377', tls)).toMatchObject({ port: 2377, protocol: 'https' });
    expect(dockerClientOptions('tcp://docker.internal:2375')).toMatchObject({ protocol: 'http', ca: undefined, cert: undefined, key: undefined });
  });

  it('rejects what it cannot connect to', () => {
    expect(() => dockerClientOptions('/var/run/docker.sock')).toThrow(/not a URL/);
    expect(() => dockerClientOptions('ssh://user@host')).toThrow(/unsupported scheme ssh:/);
    expect(() => dockerClientOptions('unix://')).toThrow(/no socket path/);
  });

  it('DOCKER_HOST / DOCKER_CERT_PATH / DOCKER_CLIENT_TIMEOUT in the environment do not override the configured host', () => {
    vi.stubEnv('DOCKER_HOST', 'tcp://10.9.9.9:2376');
    vi.stubEnv('DOCKER_CLIENT_TIMEOUT', '5');
    const modem = createDockerClient('unix:///var/run/docker.sock').modem as unknown as Record<string, unknown>;
    expect(modem.socketPath).toBe('/var/run/docker.sock');
    expect(modem.host).toBeUndefined();
    expect(modem.timeout).toBeUndefined();
    expect(modem.protocol).toBe('http');
  });
});
