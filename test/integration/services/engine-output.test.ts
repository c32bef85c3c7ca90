// Issue 22 on the real daemon, through a real RTM process: logs (tail, since, stopped,
// removed, bad parameters, follow ending on stop / disconnect / shutdown, 100,000 lines to a
// slow reader with bounded RSS while other requests stay fast), stats against
// `docker stats --no-stream`, and live limits (same container, same StartedAt).
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDist, rtmEnv, spawnRtm, type RtmProcess } from '../../support/rtm-process.js';
import { createTestDatabase, eventually, testGameId, type TestDatabase } from '../../support/test-env.js';
import { buildSpewImage } from './spew-engine.fixture.js';

const run = promisify(execFile);
const MiB = 1024 ** 2;
const ADMIN = { 'x-galaxy-caller': 'admin_service', 'content-type': 'application/json' };

let db: TestDatabase;
let image: string;
let rtm: RtmProcess;
let base: string;
let stateRoot: string;
const games: string[] = [];

async function api(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${url}`, { method, headers: ADMIN, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: res.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : text };
}

async function startGame(label: string): Promise<{ gameId: string; containerId: string }> {
  const gameId = testGameId(label);
  games.push(gameId);
  const r = await api('POST', `/api/v1/internal/runtimes/${gameId}/start`, { image_ref: image });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  await eventually(async () => ((await api('GET', `/api/v1/internal/runtimes/${gameId}/logs?tail=5`)).body as string).includes('spew engine up') || undefined);
  return { gameId, containerId: r.body.runtime.current_container_id };
}

const control = (gameId: string, file: string, content = '') => writeFile(path.join(stateRoot, gameId, file), content);

async function ndjson(url: string): Promise<Array<{ ts: string; stream: string; line: string }>> {
  const res = await fetch(`${base}${url}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/x-ndjson');
  return (await res.text()).split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

async function rssBytes(pid: number, field = 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
}

async function inspect(containerId: string): Promise<any> {
  const { stdout } = await run('docker', ['inspect', containerId]);
  return JSON.parse(stdout)[0];
}

beforeAll(async () => {
  buildDist();
  [db, image] = await Promise.all([createTestDatabase(), buildSpewImage()]);
  // A long reconcile grace: this RTM shares the daemon with other test runs and must never dispose their containers.
  const env = rtmEnv(db.url, { RTMANAGER_RECONCILE_GRACE: '86400', RTMANAGER_GAME_STATE_DIR_UID: '10001', RTMANAGER_MAX_MEMORY: '1g', RTMANAGER_CONTAINER_LOG_OPTS: 'max-size=50m,max-file=2' });
  stateRoot = env.RTMANAGER_GAME_STATE_ROOT!;
  rtm = spawnRtm(env);
  base = await rtm.baseUrl();
  await eventually(async () => ((await fetch(`${base}/readyz`)).status === 200 ? true : undefined), { timeoutMs: 60_000 });
}, 240_000);

afterAll(async () => {
  for (const g of games) await run('docker', ['rm', '-f', `galaxy-game-${g}`]).catch(() => undefined);
  if (rtm && rtm.child.exitCode === null) {
    rtm.child.kill('SIGKILL');
    await rtm.exited;
  }
  await db?.drop();
}, 60_000);

describe('logs', () => {
  it('tail, since, both streams, a stopped container; removed and unknown games are not_found; bad parameters are invalid_request', async () => {
    const { gameId } = await startGame('logs');
    await control(gameId, 'print', '30');
    await eventually(async () => ((await ndjson(`/api/v1/internal/runtimes/${gameId}/logs?tail=1`))[0]?.line === 'printed 30') || undefined);
    await control(gameId, 'stderr');
    const withErr = await eventually(async () => {
      const lines = await ndjson(`/api/v1/internal/runtimes/${gameId}/logs?tail=3`);
      return lines.some((l) => l.stream === 'stderr') ? lines : undefined;
    });
    expect(withErr.find((l) => l.stream === 'stderr')?.line).toBe('to stderr');
    for (const l of withErr) expect(l.ts).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/);

    const last5 = await ndjson(`/api/v1/internal/runtimes/${gameId}/logs?tail=5`);
    expect(last5).toHaveLength(5);
    const all = await ndjson(`/api/v1/internal/runtimes/${gameId}/logs?tail=10000`);
    expect(all.filter((l) => l.line.startsWith('spew line '))).toHaveLength(30);
    // since: from the stderr line's own time on (RFC 3339 and Unix seconds alike).
    const errTs = withErr.find((l) => l.stream === 'stderr')!.ts;
    const sinceRfc = await ndjson(`/api/v1/internal/runtimes/${gameId}/logs?since=${encodeURIComponent(errTs)}`);
    expect(sinceRfc[0]?.line).toBe('to stderr');
    const unix = (Date.parse(errTs) / 1000 - 0.0005).toFixed(4);
    expect((await ndjson(`/api/v1/internal/runtimes/${gameId}/logs?since=${unix}`)).some((l) => l.line.startsWith('spew line'))).toBe(false);

    expect((await api('POST', `/api/v1/internal/runtimes/${gameId}/stop`, { reason: 'admin_request' })).status).toBe(200);
    expect((await ndjson(`/api/v1/internal/runtimes/${gameId}/logs?tail=10000`)).filter((l) => l.line.startsWith('spew line'))).toHaveLength(30);

    for (const q of ['tail=0', 'tail=10001', 'tail=x', 'since=yesterday', 'follow=maybe', 'lines=3']) {
      const r = await api('GET', `/api/v1/internal/runtimes/${gameId}/logs?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error.code, q).toBe('invalid_request');
    }
    expect((await api('DELETE', `/api/v1/internal/runtimes/${gameId}/container`)).status).toBe(200);
    expect((await api('GET', `/api/v1/internal/runtimes/${gameId}/logs`)).body.error.code).toBe('not_found');
    expect((await api('GET', `/api/v1/internal/runtimes/it-nobody-here/logs`)).body.error.code).toBe('not_found');
  }, 120_000);

  it('follow: streams new lines, ends when the container stops', async () => {
    const { gameId } = await startGame('follow');
    const res = await fetch(`${base}/api/v1/internal/runtimes/${gameId}/logs?tail=1&follow=true`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await control(gameId, 'print', '3');
    let text = '';
    while (!text.includes('printed 3')) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    expect(text).toContain('"line":"spew line 3"');
    const stop = api('POST', `/api/v1/internal/runtimes/${gameId}/stop`, { reason: 'admin_request' });
    for (;;) if ((await reader.read()).done) break; // the answer ends with the container
    expect((await stop).status).toBe(200);
  }, 60_000);

  it('100,000 lines to a slow follow reader: RSS stays within 20 MB of idle, a concurrent GET answers under 50 ms', async () => {
    const { gameId } = await startGame('spew');
    const pid = rtm.child.pid!;
    // Idle = a warmed-up RTM: one short follow answer first, so the code paths it maps in are not counted as growth.
    const warm = await fetch(`${base}/api/v1/internal/runtimes/${gameId}/logs?tail=1&follow=true`);
    const warmReader = warm.body!.getReader();
    await control(gameId, 'print', '2000');
    for (let seen = ''; !seen.includes('printed 2000'); ) seen = Buffer.from((await warmReader.read()).value ?? []).toString('utf8');
    await warmReader.cancel();
    const idle = await rssBytes(pid);
    // A raw HTTP reader that reads at most 16 KiB every 20 ms (~0.8 MB/s, ~10 s for the
    // whole output): TCP backpressure reaches RTM and, through it, Docker.
    const req = http.get(`${base}/api/v1/internal/runtimes/${gameId}/logs?tail=1&follow=true`, { headers: { 'x-galaxy-caller': 'admin_service' } });
    const response = await new Promise<http.IncomingMessage>((resolve) => req.on('response', resolve));
    expect(response.statusCode).toBe(200);
    response.pause();
    let received = 0;
    let lines = 0;
    const slowRead = setInterval(() => {
      let budget = 16 * 1024;
      while (budget > 0) {
        const n = Math.min(budget, response.readableLength);
        // Nothing buffered: read(0) asks the socket for more, to be read at the next tick.
        const chunk = (n === 0 ? response.read(0) : response.read(n)) as Buffer | null;
        if (chunk === null || n === 0) break;
        received += chunk.length;
        budget -= chunk.length;
        for (const b of chunk) if (b === 0x0a) lines += 1;
      }
    }, 20);
    try {
      await control(gameId, 'print', '100000');
      let peak = idle;
      let peakParts = '';
      const idleParts = `anon ${((await rssBytes(pid, 'RssAnon')) / MiB).toFixed(1)} file ${((await rssBytes(pid, 'RssFile')) / MiB).toFixed(1)}`;
      const latencies: number[] = [];
      // While the engine prints and the reader lags: sample RSS and time a concurrent read.
      await eventually(
        async () => {
          const rss = await rssBytes(pid);
          if (rss > peak) {
            peak = rss;
            peakParts = `anon ${((await rssBytes(pid, 'RssAnon')) / MiB).toFixed(1)} file ${((await rssBytes(pid, 'RssFile')) / MiB).toFixed(1)}`;
          }
          const t0 = performance.now();
          const r = await fetch(`${base}/api/v1/internal/runtimes/${gameId}`);
          await r.text();
          latencies.push(performance.now() - t0);
          return lines >= 100_000 ? true : undefined;
        },
        { timeoutMs: 240_000, intervalMs: 200 },
      );
      expect(received).toBeGreaterThan(100_000 * 30);
      latencies.sort((a, b) => a - b);
      const median = latencies[Math.floor(latencies.length / 2)]!;
      process.stdout.write(`[logs] idle RSS ${(idle / MiB).toFixed(1)} MiB (${idleParts}), peak ${(peak / MiB).toFixed(1)} MiB (${peakParts}); GET /runtimes/{id} median ${median.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms over ${latencies.length}\n`);
      expect(peak - idle).toBeLessThan(20 * MiB);
      expect(median).toBeLessThan(50);
    } finally {
      clearInterval(slowRead);
      req.destroy();
    }
  }, 300_000);
});

describe('stats', () => {
  it('a busy engine reads within 10 % of docker stats --no-stream (CPU and memory), with its limits', async () => {
    const { gameId, containerId } = await startGame('stats');
    // A known load: a busy loop held to half a CPU by its quota (the shared machine's other
    // work then moves the figure far less than an unbounded loop's).
    expect((await api('POST', `/api/v1/internal/runtimes/${gameId}/limits`, { cpus: 0.5 })).status).toBe(200);
    await control(gameId, 'busy');
    await control(gameId, 'hog', '48');
    const ours = await eventually(async () => {
      const r = await api('GET', `/api/v1/internal/runtimes/${gameId}/stats`);
      // The busy loop is visible (how much CPU it gets depends on the shared machine).
      return r.body.cpu_percent > 10 && r.body.memory_bytes > 48 * MiB ? r.body : undefined;
    }, { timeoutMs: 30_000 });
    // Both over the same moments: docker stats' own reading and ours, side by side.
    const [{ stdout }, { body: again }] = await Promise.all([
      run('docker', ['stats', '--no-stream', '--format', '{{json .}}', containerId]),
      api('GET', `/api/v1/internal/runtimes/${gameId}/stats`),
    ]);
    const theirs = JSON.parse(stdout) as { CPUPerc: string; MemUsage: string };
    const theirCpu = Number.parseFloat(theirs.CPUPerc);
    const [usage] = theirs.MemUsage.split(' / ');
    const theirMem = Number.parseFloat(usage!) * (usage!.endsWith('GiB') ? 1024 ** 3 : usage!.endsWith('MiB') ? MiB : 1024);
    process.stdout.write(`[stats] rtm cpu ${ours.cpu_percent}% / ${again.cpu_percent}% mem ${(again.memory_bytes / MiB).toFixed(1)} MiB; docker stats cpu ${theirCpu}% mem ${theirs.MemUsage}\n`);
    expect(Math.abs(again.cpu_percent - theirCpu)).toBeLessThanOrEqual(Math.max(10, theirCpu * 0.1));
    expect(Math.abs(again.memory_bytes - theirMem) / theirMem).toBeLessThan(0.1);
    expect(again).toMatchObject({ game_id: gameId, container_id: containerId, memory_limit_bytes: 256 * MiB, pids_limit: 64, restart_count: 0 });
    expect(again.cpu_percent).toBeLessThanOrEqual(55); // the quota holds
    expect(again.pids).toBeGreaterThan(1);
    expect(Date.parse(again.started_at)).toBeLessThan(Date.parse(again.observed_at));

    await api('POST', `/api/v1/internal/runtimes/${gameId}/stop`, { reason: 'admin_request' });
    expect((await api('GET', `/api/v1/internal/runtimes/${gameId}/stats`)).body.error.code).toBe('conflict');
    expect((await api('GET', `/api/v1/internal/runtimes/it-nobody-here/stats`)).body.error.code).toBe('not_found');
  }, 120_000);
});

describe('limits', () => {
  it('memory raised and lowered on a running engine: same container, same StartedAt, docker inspect shows it; ceiling and Docker refusals change nothing; restart keeps it', async () => {
    const { gameId, containerId } = await startGame('limits');
    const before = await inspect(containerId);
    const raised = await api('POST', `/api/v1/internal/runtimes/${gameId}/limits`, { memory: '512m', cpus: 0.5 });
    expect(raised.status, JSON.stringify(raised.body)).toBe(200);
    expect(raised.body.runtime.limits).toEqual({ cpus: 0.5, memory_bytes: 512 * MiB, pids_limit: 64, source: { cpus: 'override', memory_bytes: 'override', pids_limit: 'image_label' } });
    let now = await inspect(containerId);
    expect(now.State.StartedAt).toBe(before.State.StartedAt);
    expect(now.HostConfig.Memory).toBe(512 * MiB);
    expect(now.HostConfig.NanoCpus).toBe(5e8);
    expect((await api('POST', `/api/v1/internal/runtimes/${gameId}/limits`, { memory: '200m' })).status).toBe(200);
    now = await inspect(containerId);
    expect(now.HostConfig.Memory).toBe(200 * MiB);
    expect(now.State.StartedAt).toBe(before.State.StartedAt);

    const tooBig = await api('POST', `/api/v1/internal/runtimes/${gameId}/limits`, { memory: '2g' });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error).toMatchObject({ code: 'invalid_request' });
    expect(tooBig.body.error.message).toMatch(/memory: .*RTMANAGER_MAX_MEMORY/);
    expect((await inspect(containerId)).HostConfig.Memory).toBe(200 * MiB);

    // Below what the engine uses: Docker refuses, RTM answers conflict and keeps the record.
    await control(gameId, 'hog', '48');
    await eventually(async () => ((await api('GET', `/api/v1/internal/runtimes/${gameId}/stats`)).body.memory_bytes > 48 * MiB ? true : undefined));
    const refused = await api('POST', `/api/v1/internal/runtimes/${gameId}/limits`, { memory: '8m' });
    expect(refused.status, JSON.stringify(refused.body)).toBe(409);
    expect(refused.body.error.code).toBe('conflict');
    expect((await api('GET', `/api/v1/internal/runtimes/${gameId}`)).body.limits.memory_bytes).toBe(200 * MiB);
    expect((await inspect(containerId)).HostConfig.Memory).toBe(200 * MiB);

    const restarted = await api('POST', `/api/v1/internal/runtimes/${gameId}/restart`, {});
    expect(restarted.status).toBe(200);
    const next = await inspect(restarted.body.runtime.current_container_id);
    expect(next.HostConfig.Memory).toBe(200 * MiB);
    expect(next.HostConfig.NanoCpus).toBe(5e8);
    const ops = (await api('GET', `/api/v1/internal/runtimes/${gameId}/operations`)).body.items.filter((o: any) => o.op_kind === 'update_limits');
    expect(ops.map((o: any) => [o.outcome, o.error_code])).toEqual([['failure', 'conflict'], ['failure', 'invalid_request'], ['success', null], ['success', null]]);
  }, 120_000);
});

describe('shutdown', () => {
  it('RTM stops promptly with a follow answer open: the answer ends', async () => {
    const { gameId } = await startGame('shut');
    const res = await fetch(`${base}/api/v1/internal/runtimes/${gameId}/logs?tail=1&follow=true`);
    const reader = res.body!.getReader();
    await reader.read();
    const t0 = Date.now();
    rtm.child.kill('SIGTERM');
    for (;;) if ((await reader.read().catch(() => ({ done: true })) as { done: boolean }).done) break;
    const { code } = await rtm.exited;
    expect(code, `${JSON.stringify(rtm.logs.slice(-8))} ${rtm.stderr.join("")}`).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
  }, 60_000);
});
