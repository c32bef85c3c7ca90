// rtmctl logs / stats / top / limits against a real RTM HTTP server (fakes behind it):
// output, exit codes, Ctrl-C ending `logs -f` and `top` with 130, top's bounded concurrency.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiHarness, type ApiHarness } from '../../../test/api/support/api-harness.js';
import { mapBounded, TOP_CONCURRENCY } from '../src/engine-commands.js';
import { runCli } from '../src/run-cli.js';

const open: ApiHarness[] = [];
afterEach(async () => {
  for (const a of open.splice(0)) await a.app.close();
});

async function serve() {
  const api = createApiHarness();
  open.push(api);
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = api.app.server.address() as AddressInfo;
  return { api, url: `http://127.0.0.1:${port}` };
}

function rtmctl(args: string[], signal = new AbortController().signal, onOut?: (line: string) => void) {
  const out: string[] = [];
  const err: string[] = [];
  const done = runCli(args, {
    env: {},
    signal,
    output: {
      out: (t) => {
        out.push(t);
        onOut?.(t);
      },
      err: (t) => err.push(t),
    },
  });
  return done.then((code) => ({ code, stdout: out.join('\n'), stderr: err.join('\n') }));
}

describe('rtmctl logs, stats, top, limits', () => {
  it('logs: stdout lines to stdout, stderr lines to stderr; --tail; a missing game exits 1', async () => {
    const { api, url } = await serve();
    const id = (await api.seedRunning('g1')).currentContainerId!;
    api.docker.print(id, 'one');
    api.docker.print(id, 'two', 'stderr');
    api.docker.print(id, 'three');
    expect(await rtmctl(['logs', 'g1', '--url', url])).toEqual({ code: 0, stdout: 'engine listening\none\nthree', stderr: 'two' });
    expect((await rtmctl(['logs', 'g1', '--tail', '1', '--url', url])).stdout).toBe('three');
    const missing = await rtmctl(['logs', 'nobody', '--url', url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^rtmctl: not_found \(HTTP 404\)/);
    expect((await rtmctl(['logs', '--url', url])).code).toBe(2);
  });

  it('logs -f prints new lines until Ctrl-C, then exits 130', async () => {
    const { api, url } = await serve();
    const id = (await api.seedRunning('g1')).currentContainerId!;
    api.docker.print(id, 'first');
    const controller = new AbortController();
    const running = rtmctl(['logs', 'g1', '-f', '--tail', '1', '--url', url], controller.signal, (line) => {
      if (line === 'first') api.docker.print(id, 'second');
      if (line === 'second') controller.abort();
    });
    expect(await running).toEqual({ code: 130, stdout: 'first\nsecond', stderr: '' });
  });

  it('stats: one sample as key/values; a stopped engine exits 1 with conflict', async () => {
    const { api, url } = await serve();
    await api.seedRunning('g1');
    const r = await rtmctl(['stats', 'g1', '--url', url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^game_id: +g1$/m);
    expect(r.stdout).toMatch(/^memory: +8\.0MiB \/ 512\.0MiB \(1\.6%\)$/m);
    await api.stop.execute({ gameId: 'g1', reason: 'admin_request', opSource: 'admin_rest' });
    const stopped = await rtmctl(['stats', 'g1', '--url', url]);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/conflict/);
  });

  it('top --once: every running engine sorted by memory; top refreshes until Ctrl-C (exit 130)', async () => {
    const { api, url } = await serve();
    for (const [g, mem] of [['small', 10], ['big', 300], ['mid', 100]] as const) {
      const c = api.docker.containers.get((await api.seedRunning(g)).currentContainerId!)!;
      c.usage = { ...c.usage, memoryBytes: mem * 1024 * 1024 };
    }
    await api.seedStopped('stopped-one');
    const once = await rtmctl(['top', '--once', '--sort', 'memory', '--url', url]);
    expect(once.code).toBe(0);
    const lines = once.stdout.split('\n');
    expect(lines[0]).toMatch(/3 running engine\(s\), sorted by memory/);
    expect(lines.slice(2).map((l) => l.split(/\s+/)[0])).toEqual(['big', 'mid', 'small']);

    const controller = new AbortController();
    let screens = 0;
    const running = rtmctl(['top', '--interval', '0.05', '--url', url], controller.signal, () => {
      if (++screens === 2) controller.abort();
    });
    expect((await running).code).toBe(130);
    expect(screens).toBe(2);
  });

  it('top asks for stats with at most TOP_CONCURRENCY calls in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const order = await mapBounded([...Array(20).keys()], TOP_CONCURRENCY, async (i) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
      return i;
    });
    expect(order).toEqual([...Array(20).keys()]);
    expect(peak).toBe(TOP_CONCURRENCY);
  });

  it('limits: changes in place and prints the limits with their sources; no value is a usage error', async () => {
    const { api, url } = await serve();
    await api.seedRunning('g1');
    const r = await rtmctl(['limits', 'g1', '--memory', '768m', '--pids', '100', '--url', url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^limits: +cpus 1 \(default\), memory 768MiB \(override\), pids 100 \(override\)$/m);
    expect((await rtmctl(['limits', 'g1', '--url', url])).code).toBe(2);
    const tooMuch = await rtmctl(['limits', 'g1', '--pids', '99999999', '--url', url]);
    expect(tooMuch.code).toBe(1);
    expect(tooMuch.stderr).toMatch(/invalid_request \(HTTP 400\).*pids_limit/);
  });
});
