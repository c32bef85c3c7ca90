// The bootstrap preflight of `npm run bench` and `npm run soak` (test/support/bootstrap-preflight.ts)
// against the machine's real Docker, PostgreSQL and Redis: a bootstrapped machine passes; a
// missing network or image, a closed port, an absent or silent Docker each give one line,
// within the deadline; `npm run bench` on a machine without the game network exits 1 in
// seconds with the command to run.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/app/project-root.js';
import { bootstrapProblems, preflight, PREFLIGHT_DEADLINE_MS, type PreflightTargets } from '../../support/bootstrap-preflight.js';
import { ENGINE_IMAGE, ENGINE_IMAGE_PATCH, TEST_DOCKER_HOST, TEST_DOCKER_NETWORK, TEST_POSTGRES_URL, TEST_REDIS_URL } from '../../support/test-env.js';

const ready: PreflightTargets = {
  dockerHost: TEST_DOCKER_HOST,
  network: TEST_DOCKER_NETWORK,
  images: [ENGINE_IMAGE, ENGINE_IMAGE_PATCH],
  postgresUrl: TEST_POSTGRES_URL,
  redisUrl: TEST_REDIS_URL,
};

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(server: Server, at: number | string): Promise<void> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(at, resolve));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
}

/** A local TCP port nobody listens on. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('bootstrap preflight', () => {
  it('passes on this (bootstrapped) machine', async () => {
    expect(await bootstrapProblems(ready)).toEqual([]);
  });

  it('names each missing piece: network, image, PostgreSQL, Redis', async () => {
    const port = await closedPort();
    const problems = await bootstrapProblems({
      ...ready,
      network: 'rtm-preflight-no-such-net',
      images: [ENGINE_IMAGE, 'galaxy/game-test:0.0.0-preflight-missing'],
      postgresUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
      redisUrl: `redis://127.0.0.1:${port}/0`,
    });
    expect(problems).toEqual([
      'the game network rtm-preflight-no-such-net does not exist',
      'the image galaxy/game-test:0.0.0-preflight-missing is missing',
      expect.stringMatching(new RegExp(`^PostgreSQL at 127\\.0\\.0\\.1:${port} does not answer: .*ECONNREFUSED`)),
      expect.stringMatching(new RegExp(`^Redis at 127\\.0\\.0\\.1:${port} does not answer: .*ECONNREFUSED`)),
    ]);
  });

  it('an absent Docker is one line; a Docker that never answers ends at the deadline', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rtm-preflight-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    expect(await bootstrapProblems({ dockerHost: `unix://${dir}/absent.sock`, network: 'n', images: [] })).toEqual([
      expect.stringMatching(/^Docker at unix:\/\/.*absent\.sock does not answer: .*ENOENT/),
    ]);
    const silent = createNetServer(() => undefined);
    await listen(silent, path.join(dir, 'silent.sock'));
    const problems = await bootstrapProblems({ dockerHost: `unix://${dir}/silent.sock`, network: 'n', images: [] }, 500);
    expect(problems).toEqual(['Docker: no answer within 500 ms']);
  });

  it('preflight writes what is missing and the command to run', async () => {
    const lines: string[] = [];
    expect(await preflight('npm run bench', { ...ready, network: 'rtm-preflight-no-such-net' }, (l) => lines.push(l))).toBe(false);
    expect(lines).toEqual([
      'npm run bench: this machine is not bootstrapped for it:',
      '  - the game network rtm-preflight-no-such-net does not exist',
      expect.stringMatching(/^Run `npm run bootstrap` .*then `npm run bench` again\.$/),
    ]);
    expect(await preflight('npm run bench', ready, (l) => lines.push(l))).toBe(true);
    expect(lines).toHaveLength(3);
  });

  it('`npm run bench` without the game network exits 1 within seconds, saying to run npm run bootstrap', async () => {
    const started = performance.now();
    const child = spawn('npm', ['run', 'bench', '--', '--quick'], {
      cwd: projectRoot(),
      env: { ...process.env, RTM_TEST_DOCKER_NETWORK: 'rtm-preflight-no-such-net', npm_config_update_notifier: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    const seconds = (performance.now() - started) / 1000;
    expect(code, stderr).toBe(1);
    expect(stderr).toContain('the game network rtm-preflight-no-such-net does not exist');
    expect(stderr).toContain('Run `npm run bootstrap`');
    // Not the old 120 s readiness wait (a loose bound: npm and tsx start first on a shared machine).
    expect(seconds).toBeLessThan(30);
    process.stdout.write(`npm run bench without the network: exit ${code} after ${seconds.toFixed(1)} s (preflight deadline ${PREFLIGHT_DEADLINE_MS} ms)\n`);
  }, 60_000);
});
