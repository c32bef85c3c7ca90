// The client package used exactly as a consumer would: the client entry points are
// compiled with the project's compiler settings into a package laid out as npm would
// install it (package.json with its "exports", dist/, dependencies), then a separate
// `node` process imports `@galaxy/rtmanager/client` and `@galaxy/rtmanager/streams` by
// name and calls a real RTM HTTP server; a TypeScript consumer is type-checked against
// the emitted declarations. A private temp package keeps this independent of the
// shared dist/ and of whatever else in the tree is mid-edit.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiHarness } from '../api/support/api-harness.js';
import { IMAGE } from '../services/support/lifecycle-harness.js';

const run = promisify(execFile);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tsc = path.join(repo, 'node_modules/typescript/bin/tsc');
const TOKEN = 'consumer-token';

/** A strictly typed consumer: compiles only if the published declarations resolve and fit. */
const TYPED_CONSUMER = `
import { createRtmClient, type Runtime, type RtmResult, type ErrorCode } from '@galaxy/rtmanager/client';
import { encodeStopJob, decodeHealthEvent, RTM_STREAMS, type RuntimeStartJobPayload } from '@galaxy/rtmanager/streams';

export async function probe(): Promise<string> {
  const client = createRtmClient({ baseUrl: 'http://rtmanager:8080', token: 't', caller: 'admin_service' });
  const got: RtmResult<Runtime> = await client.getRuntime('g1');
  const status: 'running' | 'stopped' | 'removed' | ErrorCode = got.ok ? got.data.status : got.error.code;
  // @ts-expect-error not a stop reason of the contract
  await client.stop('g1', 'bored');
  // @ts-expect-error not a caller of the contract
  createRtmClient({ baseUrl: 'x', caller: 'lobby' });
  const job = encodeStopJob({ game_id: 'g1', reason: 'finished' });
  const start: RuntimeStartJobPayload = { game_id: 'g1', image_ref: 'x:1', requested_at_ms: '1' };
  const event = decodeHealthEvent({});
  const exitCode = event.ok && event.value.event_type === 'container_exited' ? event.value.details.exit_code : -1;
  return [status, job.reason, start.game_id, RTM_STREAMS.jobResults, exitCode].join(' ');
}
`;

describe('@galaxy/rtmanager/client and /streams as an installed package', () => {
  let work: string;
  let pkgDir: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'rtm-consumer-'));
    pkgDir = path.join(work, 'node_modules/@galaxy/rtmanager');
    await mkdir(pkgDir, { recursive: true });
    await copyFile(path.join(repo, 'package.json'), path.join(pkgDir, 'package.json'));
    await symlink(path.join(repo, 'node_modules'), path.join(pkgDir, 'node_modules'), 'dir');

    // The build settings of tsconfig.build.json (same base, same rootDir, so the same
    // dist/ layout the "exports" map points at), restricted to the client entry points.
    const buildConfig = path.join(work, 'tsconfig.client-build.json');
    await writeFile(
      buildConfig,
      JSON.stringify({
        extends: path.join(repo, 'tsconfig.build.json'),
        compilerOptions: {
          rootDir: repo,
          outDir: path.join(pkgDir, 'dist'),
          noEmit: false,
          incremental: false,
          tsBuildInfoFile: null,
          sourceMap: false,
          typeRoots: [path.join(repo, 'node_modules/@types')],
        },
        files: [path.join(repo, 'src/client/index.ts'), path.join(repo, 'src/client/streams.ts')],
        include: [],
      }),
    );
    await run(process.execPath, [tsc, '-p', buildConfig], { cwd: work });

    await writeFile(path.join(work, 'package.json'), JSON.stringify({ name: 'rtm-consumer', private: true, type: 'module' }));
    await copyFile(path.join(repo, 'test/client/fixtures/consumer.mjs'), path.join(work, 'consumer.mjs'));
    await writeFile(path.join(work, 'typed-consumer.ts'), TYPED_CONSUMER);
    await writeFile(
      path.join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: [],
          lib: ['ES2023', 'DOM'],
        },
        files: ['typed-consumer.ts'],
      }),
    );
  }, 180_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('the "exports" map points at files the build emits (JS and declarations)', async () => {
    const pkg = JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as {
      exports: Record<string, { types: string; default: string }>;
    };
    for (const entry of ['./client', './streams']) {
      const target = pkg.exports[entry];
      expect(target, entry).toBeDefined();
      await expect(readFile(path.join(pkgDir, target!.default), 'utf8')).resolves.toContain('export');
      await expect(readFile(path.join(pkgDir, target!.types), 'utf8')).resolves.toContain('export');
    }
  });

  it('a TypeScript consumer type-checks against the published declarations', async () => {
    const result = await run(process.execPath, [tsc, '-p', path.join(work, 'tsconfig.json')], { cwd: work }).catch(
      (err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? 'tsc failed', failed: true }),
    );
    expect(result, `${result.stdout}${result.stderr}`).not.toHaveProperty('failed');
  }, 120_000);

  it('a Node consumer imports both entry points by name and talks to a real RTM server', async () => {
    const api = createApiHarness({ tokens: [TOKEN] });
    api.docker.addImage(IMAGE);
    await api.app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const { port } = api.app.server.address() as AddressInfo;
      const { stdout } = await run(process.execPath, ['consumer.mjs', `http://127.0.0.1:${port}`, TOKEN], { cwd: work });
      const out = JSON.parse(stdout);

      expect(out.start).toMatchObject({ ok: true, status: 200, data: { error_code: null, runtime: { game_id: 'consumer-game', status: 'running' } } });
      expect(out.list).toMatchObject({ ok: true, data: { items: [{ game_id: 'consumer-game' }], next_cursor: null } });
      expect(out.get).toMatchObject({ ok: true, data: { game_id: 'consumer-game', current_image_ref: IMAGE } });
      expect(out.operations).toMatchObject({ ok: true, data: { items: [{ op_kind: 'start', op_source: 'gm_rest', outcome: 'success' }] } });
      expect(out.badBody).toEqual({
        ok: false,
        status: 400,
        error: { code: 'invalid_request', message: 'body.image_ref: must NOT have fewer than 1 characters' },
      });
      expect(out.unknownField).toEqual({ status: 400, error: { error: { code: 'invalid_request', message: 'body: unknown field "force"' } } });
      expect(out.unauthorized).toMatchObject({ ok: false, status: 401, error: { code: 'unauthorized' } });
      expect(out.stop).toMatchObject({ ok: true, data: { runtime: { status: 'stopped' } } });
      expect(out.cleanup).toMatchObject({ ok: true, data: { runtime: { status: 'removed' } } });
      expect(out.streams.names.startJobs).toBe('runtime:start_jobs');
      expect(out.streams.startJob).toEqual(['game_id', 'consumer-game', 'image_ref', IMAGE, 'requested_at_ms', '1']);
      expect(out.streams.result).toMatchObject({ ok: true, value: { error_code: 'replay_no_op', error_message: null, completed_at_ms: 2 } });

      // Only the authorised, valid calls reached the services.
      expect(api.serviceCalls.map((c) => c.service)).toEqual(['start', 'stop', 'cleanup']);
    } finally {
      await api.app.close();
    }
  }, 60_000);
});
