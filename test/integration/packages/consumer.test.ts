// The two published packages as a new user gets them (issue 10): `npm pack` of
// @galaxy/rtmanager-client and @galaxy/rtmctl, `npm install` of the tarballs into an empty
// project under .tmp/, then a TypeScript consumer (NodeNext, strict, exactOptionalPropertyTypes,
// noUncheckedIndexedAccess, skipLibCheck false) that uses every REST operation and every
// stream helper — plus the examples of docs/client.md — is type-checked and run against a
// real RTM process (real PostgreSQL, Redis, Docker); `rtmctl` runs against the same RTM.
// Also: what the tarballs ship, publint and attw, the installed package count against the
// documented ceiling, browser and node bundles, and a global install of the two tarballs.
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/app/project-root.js';
import { buildDist, rtmEnv, spawnRtm, type RtmProcess } from '../../support/rtm-process.js';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  ENGINE_IMAGE,
  eventually,
  ENGINE_IMAGE_PATCH,
  TEST_REDIS_URL,
  testGameId,
  type TestDatabase,
} from '../../support/test-env.js';

const exec = promisify(execFile);
const repo = projectRoot();
const here = path.join(repo, 'test/integration/packages/consumer-project');
const TOKEN = 'consumer-token';
/** docs/client.md "Install": what a consumer's install of both packages may add at most. */
export const INSTALLED_PACKAGES_CEILING = 25;
/** Pinned like the repository's own devDependencies; from the npm cache when offline. */
const CONSUMER_TOOLS = { typescript: '5.9.3', '@types/node': '20.19.43', esbuild: '0.28.2' };
const SERVER_PACKAGES = ['fastify', 'pg', 'dockerode', 'kysely', '@opentelemetry/api', '@ts-rest/core', 'pino', 'zod', 'ssh2'];
const STRICT_FLAGS = {
  module: 'NodeNext',
  moduleResolution: 'NodeNext',
  target: 'ES2022',
  lib: ['ES2023'],
  types: ['node'],
  strict: true,
  exactOptionalPropertyTypes: true,
  noUncheckedIndexedAccess: true,
  skipLibCheck: false,
  outDir: 'out',
};

const npmEnv = { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

async function npm(args: string[], cwd: string, timeoutMs = 240_000): Promise<string> {
  const { stdout } = await exec('npm', args, { cwd, env: npmEnv, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 });
  return stdout;
}

/** Runs a command; resolves with its exit code and output (never rejects on a non-zero exit). */
function runTool(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? npmEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A local port nobody listens on (fetch refuses the "bad ports" such as 9 before connecting). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The ```ts blocks of docs/client.md, each compiled as a module of the consumer project. */
async function docExamples(): Promise<string[]> {
  const doc = await readFile(path.join(repo, 'docs/client.md'), 'utf8');
  return [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

let work: string;
let tarballs: { client: string; rtmctl: string };
let db: TestDatabase;
let redis: Redis;
let rtm: RtmProcess;
let env: Record<string, string>;
let baseUrl: string;
const restGame = testGameId('consumer-rest');
const streamGame = testGameId('consumer-stream');

beforeAll(async () => {
  buildDist();
  db = await createTestDatabase();
  redis = new Redis(TEST_REDIS_URL);
  await mkdir(path.join(repo, '.tmp'), { recursive: true });
  work = await mkdtemp(path.join(repo, '.tmp', 'consumer-'));

  // npm pack runs each package's prepack (its build), as a publish would.
  const pack = async (dir: string) => (await npm(['pack', '--silent', '--pack-destination', work], path.join(repo, 'packages', dir))).trim().split('\n').pop()!;
  tarballs = { client: path.join(work, await pack('rtmanager-client')), rtmctl: path.join(work, await pack('rtmctl')) };

  const project = path.join(work, 'project');
  await mkdir(project);
  await writeFile(
    path.join(project, 'package.json'),
    JSON.stringify({
      name: 'rtm-consumer',
      private: true,
      type: 'module',
      dependencies: { '@galaxy/rtmanager-client': `file:${tarballs.client}`, '@galaxy/rtmctl': `file:${tarballs.rtmctl}`, ioredis: '5.11.1' },
      devDependencies: CONSUMER_TOOLS,
    }),
  );
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund'], project);
  const examples = await docExamples();
  await copyFile(path.join(here, 'consumer.ts'), path.join(project, 'consumer.ts'));
  for (const [i, code] of examples.entries()) await writeFile(path.join(project, `doc-example-${i + 1}.ts`), code);
  await writeFile(path.join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: STRICT_FLAGS, include: ['*.ts'] }));

  env = rtmEnv(db.url, {
    RTMANAGER_INTERNAL_API_TOKENS: TOKEN,
    RTMANAGER_STREAM_BLOCK: '0.2',
    RTMANAGER_GAME_STATE_DIR_UID: '10001',
    RTMANAGER_GAME_STATE_DIR_GID: '10001',
    RTMANAGER_LOBBY_BASE_URL: 'http://127.0.0.1:9',
  });
  rtm = spawnRtm(env);
  await rtm.waitForLog((l) => l.msg === 'workers and consumers started', 60_000);
  baseUrl = await rtm.baseUrl();
}, 600_000);

afterAll(async () => {
  if (rtm && rtm.child.exitCode === null) {
    rtm.child.kill('SIGTERM');
    await rtm.exited;
  }
  for (const game of [restGame, streamGame]) {
    const ids = (await exec('docker', ['ps', '-aq', '--filter', `label=com.galaxy.game_id=${game}`]).catch(() => ({ stdout: '' }))).stdout.trim();
    if (ids) await exec('docker', ['rm', '-f', ...ids.split('\n')]).catch(() => undefined);
  }
  if (env?.RTMANAGER_REDIS_KEY_PREFIX) await deleteKeysWithPrefix(redis, env.RTMANAGER_REDIS_KEY_PREFIX);
  redis?.disconnect();
  await db?.drop();
  if (work) await rm(work, { recursive: true, force: true });
}, 120_000);

const projectDir = () => path.join(work, 'project');
const rtmctl = (args: string[], extraEnv: Record<string, string> = {}) =>
  runTool(path.join(projectDir(), 'node_modules/.bin/rtmctl'), args, {
    cwd: projectDir(),
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', RTM_URL: baseUrl, RTM_TOKEN: TOKEN, ...extraEnv },
  });

describe('@galaxy/rtmanager-client and @galaxy/rtmctl, packed and installed', () => {
  it('the tarballs ship only package.json and build output with types', async () => {
    for (const tarball of Object.values(tarballs)) {
      const files = (await exec('tar', ['-tzf', tarball])).stdout.trim().split('\n');
      expect(files).toContain('package/package.json');
      expect(files.filter((f) => f !== 'package/package.json' && !/^package\/dist\/.+\.(js|d\.ts)$/.test(f)), tarball).toEqual([]);
    }
    const client = (await exec('tar', ['-tzf', tarballs.client])).stdout;
    expect(client).toContain('package/dist/packages/rtmanager-client/src/index.d.ts');
    expect(client).toContain('package/dist/generated/validators/runtime-jobs.js');
    expect(client).not.toMatch(/generated\/openapi\/contract|generated\/db|src\/(api|adapters|services)/);
  });

  it('pass publint and @arethetypeswrong/cli', async () => {
    const bin = (name: string) => path.join(repo, 'node_modules/.bin', name);
    const publint = await runTool(bin('publint'), ['--strict', tarballs.client], { cwd: work });
    expect(publint, publint.stdout + publint.stderr).toMatchObject({ code: 0 });
    const publintCli = await runTool(bin('publint'), ['--strict', tarballs.rtmctl], { cwd: work });
    expect(publintCli, publintCli.stdout + publintCli.stderr).toMatchObject({ code: 0 });
    // ESM only (no CommonJS build): node16 from ESM and bundler resolution must be clean.
    const attw = await runTool(bin('attw'), [tarballs.client, '--profile', 'esm-only', '--format', 'ascii'], { cwd: work });
    expect(attw, attw.stdout + attw.stderr).toMatchObject({ code: 0 });
  }, 120_000);

  it('installs without the server: few packages, under the documented ceiling', async () => {
    const lock = JSON.parse(await readFile(path.join(projectDir(), 'node_modules/.package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const installed = Object.entries(lock.packages).filter(([p, meta]) => p.startsWith('node_modules/') && meta.dev !== true);
    const names = installed.map(([p]) => p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(names.length).toBeLessThanOrEqual(INSTALLED_PACKAGES_CEILING);
    expect(names).toEqual(expect.arrayContaining(['@galaxy/rtmanager-client', '@galaxy/rtmctl', 'openapi-fetch', 'ajv', 'ioredis']));
    for (const server of SERVER_PACKAGES) expect(names).not.toContain(server);
    // Only one copy of the client: rtmctl's dependency is the installed tarball.
    expect(names.filter((n) => n === '@galaxy/rtmanager-client')).toHaveLength(1);
    process.stdout.write(`consumer install: ${names.length} packages (ceiling ${INSTALLED_PACKAGES_CEILING}): ${names.sort().join(', ')}\n`);
  });

  it('a strict NodeNext consumer and the docs examples type-check (misuse refused)', async () => {
    expect((await docExamples()).length).toBeGreaterThan(0);
    const tsc = await runTool(process.execPath, [path.join(projectDir(), 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], {
      cwd: projectDir(),
      timeoutMs: 120_000,
    });
    expect(tsc, tsc.stdout + tsc.stderr).toMatchObject({ code: 0 });
  }, 180_000);

  it('the consumer runs against the real RTM: every REST operation and the streams round trip', async () => {
    const args = [baseUrl, TOKEN, TEST_REDIS_URL, env.RTMANAGER_REDIS_KEY_PREFIX!, restGame, streamGame, ENGINE_IMAGE, ENGINE_IMAGE_PATCH];
    const run = await runTool(process.execPath, ['out/consumer.js', ...args], { cwd: projectDir(), timeoutMs: 150_000 });
    expect(run, run.stderr).toMatchObject({ code: 0 });
    const { rest, streams, newer } = JSON.parse(run.stdout);

    expect(rest.healthz).toEqual({ ok: true, status: 200, data: { status: 'ok' } });
    expect(rest.readyz).toBe('ready');
    expect(rest.start).toMatchObject({ ok: true, status: 200, data: { error_code: null, runtime: { game_id: restGame, status: 'running' } } });
    expect(rest.list).toMatchObject({ pages: expect.any(Number), includesGame: true });
    expect(rest.get).toMatchObject({ ok: true, data: { game_id: restGame, current_image_ref: ENGINE_IMAGE } });
    expect(rest.healthType).toBe('container_started');
    expect(rest.containerStartedImage).toBe(ENGINE_IMAGE);
    expect(rest.limits).toMatchObject({ memory_bytes: 200 * 1024 ** 2, source: { memory_bytes: 'override' } });
    expect(rest.stats).toEqual({ memoryLimit: 200 * 1024 ** 2, pidsPositive: true });
    expect(rest.logs).toMatchObject({ count: expect.any(Number), streams: expect.arrayContaining(['stdout']) });
    expect(rest.logs.count).toBeGreaterThan(0);
    // patch keeps the override (CONTRACT §11).
    expect(rest.patch).toMatchObject({ ok: true, data: { runtime: { current_image_ref: ENGINE_IMAGE_PATCH, limits: { memory_bytes: 200 * 1024 ** 2 } } } });
    expect(rest.restart).toMatchObject({ ok: true, data: { runtime: { status: 'running' } } });
    const opKinds = rest.operations.data.items.map((o: { op_kind: string }) => o.op_kind);
    expect(opKinds[0]).toBe('restart');
    expect(opKinds).toContain('patch');
    expect(rest.missing).toEqual({ status: 404, code: 'not_found' });
    expect(rest.badBody).toMatchObject({ ok: false, status: 400, error: { code: 'invalid_request' } });
    expect(rest.unauthorized).toMatchObject({ ok: false, status: 401, error: { code: 'unauthorized' } });
    expect(rest.stop).toMatchObject({ ok: true, data: { runtime: { status: 'stopped' } } });
    expect(rest.cleanup).toMatchObject({ ok: true, data: { runtime: { status: 'removed' } } });
    expect(rest.diagnostics).toMatchObject({
      ok: true,
      // The RTM process runs the project's Node 24 (GET /api/v1/internal/diagnostics says so).
      data: { rtm: { version: expect.any(String), node_version: expect.stringMatching(/^24\.\d+\.\d+$/) }, postgres: { version: expect.any(String), error: null }, redis: { error: null }, docker: { error: null } },
    });

    expect(streams.names.contract.startJobs).toBe('runtime:start_jobs');
    expect(streams.names.prefixed.jobResults).toBe(`${env.RTMANAGER_REDIS_KEY_PREFIX}runtime:job_results`);
    expect(streams.started).toMatchObject({ game_id: streamGame, job_kind: 'start', outcome: 'success', error_code: null, image_ref: ENGINE_IMAGE });
    expect(streams.stopped).toMatchObject({ game_id: streamGame, job_kind: 'stop', outcome: 'success' });
    expect(streams.eventTypes).toEqual(expect.arrayContaining(['container_started', 'container_exited']));
    expect(streams.exitedRequestedByRtm).toBe(true);
    expect(streams.badJob).toMatch(/^StreamPayloadError: [1-9]/);
    expect(streams.intent).toBe('image_pull_failed');
    expect(streams).toMatchObject({ validators: true, startJobValid: true, firstErrorKeyword: 'required' });

    // A newer RTM (stubs in the consumer): its code, message and extra field as sent, typed unknown;
    // an RTM that never answers: a typed timeout at timeoutMs (500 ms; the upper bound is loose).
    expect(newer.unknown).toEqual({ kind: 'unknown_code', status: 409, code: 'brand_new', message: 'm', hint: 'x' });
    expect(newer.timeout).toMatchObject({ typed: true, kind: 'timeout' });
    expect(newer.timeout.afterMs).toBeGreaterThanOrEqual(490);
    expect(newer.timeout.afterMs).toBeLessThan(5_000);
  }, 180_000);

  it('rtmctl works against the same RTM, and events tail follows real Redis through RTM with the token', async () => {
    const ls = await rtmctl(['runtimes', 'ls', '--all', '--json']);
    expect(ls.code, ls.stderr).toBe(0);
    expect(JSON.parse(ls.stdout)).toEqual(expect.arrayContaining([expect.objectContaining({ game_id: restGame, status: 'removed' })]));
    const get = await rtmctl(['runtimes', 'get', restGame]);
    expect(get.stdout).toMatch(/^status:\s+removed$/m);
    const ops = await rtmctl(['runtimes', 'ops', restGame, '--limit', '2']);
    expect(ops.stdout.split('\n').slice(1, 3).map((l) => l.split(/\s+/)[1])).toEqual(['cleanup_container', 'stop']);

    // Issue 22's commands, installed from the tarball (the game is removed by now: not_found).
    const logs = await rtmctl(['logs', restGame]);
    expect(logs.code).toBe(1);
    expect(logs.stderr).toMatch(/^rtmctl: not_found \(HTTP 404\)/);
    expect((await rtmctl(['top', '--once'])).code).toBe(0);
    expect((await rtmctl(['limits', restGame])).code).toBe(2);
    const diag = await rtmctl(['diagnostics']);
    expect(diag.code, diag.stderr).toBe(0);
    expect(diag.stdout).toMatch(/^readiness:\s+ready$/m);
    expect(diag.stdout).toMatch(/^postgres:\s+\d+/m);
    expect(diag.stdout).toMatch(/^redis:\s+\d+\.\d+/m);
    expect(diag.stdout).toMatch(/^docker:\s+\d+/m);
    expect(diag.stdout).not.toContain(TOKEN);
    expect(diag.stdout).not.toMatch(/postgres:\/\/|redis:\/\//);

    // Through RTM's GET /api/v1/internal/events with the API token: no Redis URL, no key prefix.
    const tail = await rtmctl(['events', 'tail', '--from', '0', '--game', streamGame, '--max', '3', '--json']);
    expect(tail.code, tail.stderr).toBe(0);
    const events = tail.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; value: { game_id: string } });
    expect(events).toHaveLength(3);
    expect(events.every((e) => e.value.game_id === streamGame)).toBe(true);
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['health_event', 'job_result']));
    // Live: started before the entry exists, it sees the stop job's result RTM publishes.
    const live = spawn(path.join(projectDir(), 'node_modules/.bin/rtmctl'), ['events', 'tail', '--type', 'job_result', '--max', '1'], {
      cwd: projectDir(),
      env: { PATH: process.env.PATH ?? '', RTM_URL: baseUrl, RTM_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let liveOut = '';
    let liveErr = '';
    live.stdout.on('data', (c: Buffer) => (liveOut += c.toString('utf8')));
    live.stderr.on('data', (c: Buffer) => (liveErr += c.toString('utf8')));
    const liveExit = new Promise<number | null>((resolve) => live.on('close', resolve));
    try {
      await eventually(() => (liveErr.includes('following') ? true : undefined), { timeoutMs: 15_000, message: `tail did not start: ${liveErr}` });
      const stopJob = await redis.xadd(`${env.RTMANAGER_REDIS_KEY_PREFIX}runtime:stop_jobs`, '*', 'game_id', streamGame, 'reason', 'cancelled', 'requested_at_ms', String(Date.now()));
      expect(await liveExit).toBe(0);
      expect(liveOut).toMatch(new RegExp(`job_result  ${streamGame}  stop success replay_no_op.*job ${stopJob}`));
    } finally {
      live.kill('SIGKILL');
    }

    const closed = await closedPort();
    expect(await rtmctl(['runtimes', 'ls'], { RTM_URL: `http://127.0.0.1:${closed}` })).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `rtmctl: cannot reach RTM at http://127.0.0.1:${closed}: ECONNREFUSED\n`,
    });
    expect((await rtmctl(['runtimes', 'ls'], { RTM_TOKEN: 'wrong' })).code).toBe(1);
    expect((await rtmctl(['start'])).code).toBe(2);
  }, 120_000);

  it('rtmctl --version exits 0; Ctrl-C during a request that never gets an answer exits 130 at once', async () => {
    const version = await rtmctl(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `rtmctl ${JSON.parse(await readFile(path.join(repo, 'packages/rtmctl/package.json'), 'utf8')).version}\n` });
    const server = createHttpServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const child = spawn(path.join(projectDir(), 'node_modules/.bin/rtmctl'), ['runtimes', 'ls'], {
      cwd: projectDir(),
      env: { PATH: process.env.PATH ?? '', RTM_URL: url },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const exited = new Promise<{ code: number | null; at: number }>((resolve) => child.on('close', (code) => resolve({ code, at: performance.now() })));
      const requested = new Promise<void>((resolve) => server.once('request', () => resolve()));
      await requested;
      await new Promise((resolve) => setTimeout(resolve, 500)); // the acceptance's "SIGINT after 0.5 s"
      const sentAt = performance.now();
      child.kill('SIGINT');
      const { code, at } = await exited;
      expect(code).toBe(130);
      expect(at - sentAt).toBeLessThan(1_000);
      process.stdout.write(`rtmctl runtimes ls: SIGINT → exit ${code} after ${Math.round(at - sentAt)} ms\n`);
    } finally {
      child.kill('SIGKILL');
      server.closeAllConnections();
      server.close();
    }
  }, 60_000);

  it('bundles for the browser and for node (validators are plain ESM)', async () => {
    const entry = path.join(projectDir(), 'bundle-entry.mjs');
    await writeFile(
      entry,
      [
        "import { createRtmClient } from '@galaxy/rtmanager-client';",
        "import { decodeHealthEvent, encodeStartJob } from '@galaxy/rtmanager-client/streams';",
        "const job = encodeStartJob({ game_id: 'g1', image_ref: 'x:1', requested_at_ms: 1 });",
        "const event = decodeHealthEvent({ game_id: 'g1', container_id: 'c', event_type: 'container_exited', occurred_at_ms: '1', details: JSON.stringify({ exit_code: 1, requested_by_rtm: false }) });",
        "console.log(JSON.stringify({ client: typeof createRtmClient({ baseUrl: 'http://x' }).getRuntime, job: job.requested_at_ms, event: event.ok }));",
      ].join('\n'),
    );
    const esbuild = path.join(projectDir(), 'node_modules/.bin/esbuild');
    for (const platform of ['browser', 'node']) {
      const out = path.join(work, `bundle-${platform}.mjs`);
      const built = await runTool(esbuild, [entry, '--bundle', '--format=esm', `--platform=${platform}`, `--outfile=${out}`], { cwd: projectDir() });
      expect(built, built.stderr).toMatchObject({ code: 0 });
      // No Node built-in and no require left for the runtime to resolve (ajv's helpers are inlined).
      expect(await readFile(out, 'utf8')).not.toMatch(/createRequire|from "node:|__require\("/);
    }
    // Outside the project: the node bundle needs nothing from node_modules.
    const ran = await runTool(process.execPath, [path.join(work, 'bundle-node.mjs')], { cwd: work });
    expect(ran, ran.stderr).toMatchObject({ code: 0 });
    expect(JSON.parse(ran.stdout)).toEqual({ client: 'function', job: '1', event: true });
  }, 120_000);

  it('rtmctl --help works from a global install of the two tarballs', async () => {
    const prefix = path.join(work, 'global');
    await npm(['install', '--global', '--prefix', prefix, '--prefer-offline', tarballs.client, tarballs.rtmctl], work);
    const help = await runTool(path.join(prefix, 'bin/rtmctl'), ['--help'], { cwd: work, env: { PATH: process.env.PATH ?? '' } });
    expect(help, help.stderr).toMatchObject({ code: 0 });
    expect(help.stdout).toContain('rtmctl events tail');
    expect(await readdir(path.join(prefix, 'lib/node_modules/@galaxy'))).toEqual(['rtmanager-client', 'rtmctl']);
  }, 240_000);
});
