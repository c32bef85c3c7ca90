// Remote Docker over TLS (CONTRACT §10): RTM reaches the daemon through a real TLS endpoint
// that verifies client certificates (a TLS proxy in front of the local socket, throwaway
// certificates). The right certificate → ready; a certificate of another CA → not ready, and
// /readyz says why; files that are missing or do not match → exit 2 naming the variable.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeTlsMaterial, startDockerTlsProxy, type DockerTlsProxy, type TlsMaterial } from '../../support/docker-tls-proxy.js';
import { buildDist, rtmEnv, spawnRtm, type RtmProcess } from '../../support/rtm-process.js';
import { createTestDatabase, eventually, type TestDatabase } from '../../support/test-env.js';

let db: TestDatabase;
let material: TlsMaterial;
let proxy: DockerTlsProxy;
const started: RtmProcess[] = [];

beforeAll(async () => {
  buildDist();
  db = await createTestDatabase();
  material = makeTlsMaterial();
  for (const [name, pem] of Object.entries({
    'ca.pem': material.caPem,
    'cert.pem': material.client.cert,
    'key.pem': material.client.key,
    'stranger.pem': material.stranger.cert,
    'stranger-key.pem': material.stranger.key,
  }))
    writeFileSync(path.join(material.dir, name), pem);
  proxy = await startDockerTlsProxy(material);
}, 180_000);

afterEach(async () => {
  for (const p of started.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL');
      await p.exited;
    }
  }
});

afterAll(async () => {
  await proxy?.close();
  material?.cleanup();
  await db?.drop();
});

type Readyz = { status: string; checks: Record<string, { ok: boolean; error?: string }> };

async function readyz(p: RtmProcess): Promise<{ status: number; body: Readyz }> {
  const res = await fetch(`${await p.baseUrl()}/readyz`);
  return { status: res.status, body: (await res.json()) as Readyz };
}

describe('Docker over TLS', () => {
  it('is ready through a TLS endpoint that verifies its client certificate (DOCKER_CERT_PATH layout)', async () => {
    const p = spawnRtm(rtmEnv(db.url, { RTMANAGER_DOCKER_HOST: `tcp://127.0.0.1:${proxy.port}`, RTMANAGER_DOCKER_CERT_PATH: material.dir }));
    started.push(p);
    const ready = await eventually(async () => {
      const r = await readyz(p);
      return r.status === 200 ? r.body : undefined;
    });
    expect(ready.checks.docker?.ok).toBe(true);
  });

  it('is not ready, with the reason, when its certificate is signed by another CA', async () => {
    const refusedBefore = proxy.refused;
    const p = spawnRtm(
      rtmEnv(db.url, {
        RTMANAGER_DOCKER_HOST: `tcp://127.0.0.1:${proxy.port}`,
        RTMANAGER_DOCKER_TLS_CA: path.join(material.dir, 'ca.pem'),
        RTMANAGER_DOCKER_TLS_CERT: path.join(material.dir, 'stranger.pem'),
        RTMANAGER_DOCKER_TLS_KEY: path.join(material.dir, 'stranger-key.pem'),
      }),
    );
    started.push(p);
    const notReady = await eventually(async () => {
      const r = await readyz(p);
      return r.status === 503 && r.body.checks.docker?.ok === false ? r.body : undefined;
    });
    expect(notReady.checks.docker?.error).toMatch(/TLS|certificate|unknown ca/i);
    expect(proxy.refused).toBeGreaterThan(refusedBefore);
  });

  it('exits 2 naming the variable when a file is missing or the key does not match', async () => {
    const missing = spawnRtm(
      rtmEnv(db.url, {
        RTMANAGER_DOCKER_HOST: `tcp://127.0.0.1:${proxy.port}`,
        RTMANAGER_DOCKER_TLS_CA: path.join(material.dir, 'ca.pem'),
        RTMANAGER_DOCKER_TLS_CERT: path.join(material.dir, 'cert.pem'),
        RTMANAGER_DOCKER_TLS_KEY: path.join(material.dir, 'no-such-key.pem'),
      }),
    );
    started.push(missing);
    expect((await missing.exited).code).toBe(2);
    expect(missing.stderr.join('')).toMatch(/RTMANAGER_DOCKER_TLS_KEY=.*no-such-key\.pem cannot be read: ENOENT/);

    const mismatched = spawnRtm(
      rtmEnv(db.url, {
        RTMANAGER_DOCKER_HOST: `tcp://127.0.0.1:${proxy.port}`,
        RTMANAGER_DOCKER_TLS_CA: path.join(material.dir, 'ca.pem'),
        RTMANAGER_DOCKER_TLS_CERT: path.join(material.dir, 'cert.pem'),
        RTMANAGER_DOCKER_TLS_KEY: path.join(material.dir, 'stranger-key.pem'),
      }),
    );
    started.push(mismatched);
    expect((await mismatched.exited).code).toBe(2);
    expect(mismatched.stderr.join('')).toContain('RTMANAGER_DOCKER_TLS_KEY');
    expect(mismatched.stderr.join('')).toContain('does not match RTMANAGER_DOCKER_TLS_CERT');
    // The same problems as one JSON line, for log pipelines.
    const line = mismatched.logs.find((l) => l.msg === 'invalid configuration');
    expect(line?.problems).toEqual(expect.arrayContaining([expect.stringContaining('does not match')]));
  });
});
