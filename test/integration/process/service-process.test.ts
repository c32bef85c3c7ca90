// The real process: exit codes, readiness, and shutdown on SIGTERM (directly and through
// `npm start`, whose npm 11 swallows the signal).
import { readFile, stat, utimes } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/app/project-root.js';
import { buildDist, rtmEnv, spawnRtm, type RtmProcess } from '../../support/rtm-process.js';
import { createTestDatabase, eventually, type TestDatabase } from '../../support/test-env.js';

let db: TestDatabase;
const started: RtmProcess[] = [];

beforeAll(async () => {
  buildDist();
  db = await createTestDatabase();
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
  await db?.drop();
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('rtmanager process', () => {
  it('exits 2 naming every missing required variable', async () => {
    const env = rtmEnv(db.url);
    delete (env as Record<string, string | undefined>).RTMANAGER_POSTGRES_URL;
    delete (env as Record<string, string | undefined>).RTMANAGER_DOCKER_NETWORK;
    const p = spawnRtm(env);
    started.push(p);
    const { code } = await p.exited;
    expect(code).toBe(2);
    const err = p.stderr.join('');
    expect(err).toContain('RTMANAGER_POSTGRES_URL');
    expect(err).toContain('RTMANAGER_DOCKER_NETWORK');
  });

  it('becomes ready, and answers 503 naming the network when it is missing', async () => {
    const ok = spawnRtm(rtmEnv(db.url));
    started.push(ok);
    const okUrl = await ok.baseUrl();
    const ready = await eventually(async () => {
      const r = await fetch(`${okUrl}/readyz`);
      return r.status === 200 ? ((await r.json()) as { status: string }) : undefined;
    });
    expect(ready.status).toBe('ready');

    const missing = spawnRtm(rtmEnv(db.url, { RTMANAGER_DOCKER_NETWORK: 'galaxy-net-does-not-exist' }));
    started.push(missing);
    const url = await missing.baseUrl();
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean; error?: string }> };
    expect(body.status).toBe('not_ready');
    expect(body.checks.network?.ok).toBe(false);
    expect(body.checks.network?.error).toContain('galaxy-net-does-not-exist');
    expect(body.checks.postgres?.ok).toBe(true);
    expect(body.checks.redis?.ok).toBe(true);
  });

  it('exits 1 with the reason when a migration fails, before opening the listener', async () => {
    const broken = await createTestDatabase();
    try {
      // A table the first migration does not expect: wipe the bookkeeping so 0001 re-runs and fails.
      await broken.pool.query('DROP TABLE rtmanager.schema_migrations');
      const p = spawnRtm(rtmEnv(broken.url));
      started.push(p);
      const { code } = await p.exited;
      expect(code).toBe(1);
      const fatal = p.logs.find((l) => l.msg === 'startup failed');
      expect(JSON.stringify(fatal)).toContain('0001_init.sql');
      expect(p.logs.some((l) => l.msg === 'internal listener open')).toBe(false);
    } finally {
      await broken.drop();
    }
  });

  it('SIGTERM: stops and exits 0 within the shutdown timeout', async () => {
    const p = spawnRtm(rtmEnv(db.url, { RTMANAGER_SHUTDOWN_TIMEOUT: '10' }));
    started.push(p);
    await p.waitForLog((l) => l.msg === 'workers and consumers started');
    // Tracing off and a fresh build: the bundle ran, and said so in its first line.
    expect(p.logs.find((l) => l.msg === 'starting')).toMatchObject({ start_path: 'bundle', node_version: process.version });
    expect(p.stderr.join('')).not.toMatch(/Warning/);
    const t0 = Date.now();
    p.child.kill('SIGTERM');
    const { code } = await p.exited;
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(p.logs.some((l) => l.msg === 'stopped')).toBe(true);
  });

  it('the bundle leaves out ssh2 and the BuildKit session (gRPC): stand-ins load them from node_modules on first call', async () => {
    const bundle = path.join(projectRoot(), 'dist', 'bundle', 'service-main.mjs');
    const text = await readFile(bundle, 'utf8');
    // Strings of ssh2's protocol code and grpc-js's transport: absent when not bundled.
    expect(text).not.toContain('SSH-2.0-');
    expect(text).not.toContain('grpc-node-js');
    const fromBundle = createRequire(bundle);
    for (const specifier of ['docker-modem/lib/ssh.js', 'dockerode/lib/session.js']) {
      expect(text).toContain(`specifier=${JSON.stringify(specifier)}`);
      // What the stand-in requires at run time resolves from the bundle's place.
      expect(fromBundle.resolve(specifier)).toContain(`node_modules/${specifier}`);
    }
    const sshAgent = fromBundle('docker-modem/lib/ssh.js') as (o: object) => { createConnection?: unknown };
    expect(typeof sshAgent({ host: '127.0.0.1', port: 1 }).createConnection).toBe('function');
  });

  it('a bundle older than tsc\'s last build of dist/ is not started: the modules are, with a warning', async () => {
    const buildInfo = path.join(projectRoot(), 'dist', '.tsbuildinfo.build');
    const bundle = path.join(projectRoot(), 'dist', 'bundle', 'service-main.mjs');
    const { mtime } = await stat(bundle);
    const before = await stat(buildInfo);
    await utimes(buildInfo, before.atime, new Date(mtime.getTime() + 60_000));
    try {
      const p = spawnRtm(rtmEnv(db.url));
      started.push(p);
      const line = await p.waitForLog((l) => l.msg === 'starting');
      expect(line.start_path).toBe('modules');
      await eventually(() => (p.stderr.join('').includes('not starting the bundle') ? true : undefined), { timeoutMs: 5_000 });
      expect(p.stderr.join('')).toContain('run npm run build');
    } finally {
      // tsc rewrites its build info only when something changed: its time is put back.
      await utimes(buildInfo, before.atime, before.mtime);
    }
  });

  it('npm start: SIGTERM to npm still shuts the service down gracefully', async () => {
    const p = spawnRtm(rtmEnv(db.url, { RTMANAGER_SHUTDOWN_TIMEOUT: '10' }), { viaNpm: true });
    started.push(p);
    const line = await p.waitForLog((l) => l.msg === 'workers and consumers started', 60_000);
    const servicePid = Number(line.pid);
    expect(servicePid).toBeGreaterThan(0);
    // scripts/start.sh runs the project's Node (scripts/project-node.sh), whatever node runs npm.
    expect(p.logs.find((l) => l.msg === 'starting')).toMatchObject({ node_version: process.version });
    p.child.kill('SIGTERM');
    await p.exited;
    await eventually(() => (isAlive(servicePid) ? undefined : true), { timeoutMs: 12_000, message: 'service outlived npm' });
    // It went through the graceful path, not a kill.
    await eventually(() => p.logs.find((l) => l.msg === 'stopped'), { timeoutMs: 2_000 });
  });
});

