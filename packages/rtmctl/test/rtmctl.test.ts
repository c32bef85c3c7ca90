// rtmctl's commands against a real RTM HTTP server (fake Docker/stores behind it): tables
// and JSON, exit codes 0/1/2, flags and RTM_URL/RTM_TOKEN, --help everywhere, and the
// one-line error when RTM cannot be reached; `events tail` over GET /events (fake streams
// here; a real RTM and Redis in test/integration/packages/consumer.test.ts).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiHarness, EVENT_STREAM_KEYS, type ApiHarness } from '../../../test/api/support/api-harness.js';
import { IMAGE, IMAGE_PATCH } from '../../../test/services/support/lifecycle-harness.js';
import { COMMANDS } from '../src/commands.js';
import { completionScript } from '../src/completion-script.js';
import { runCli } from '../src/run-cli.js';

const open: ApiHarness[] = [];
const silent: Server[] = [];
afterEach(async () => {
  for (const a of open.splice(0)) await a.app.close();
  for (const s of silent.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

/** A server that takes requests and never answers them. */
async function neverAnswers(): Promise<{ url: string; requests: IncomingMessage[] }> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req) => void requests.push(req));
  silent.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

async function serve(opts: Parameters<typeof createApiHarness>[0] = {}) {
  const api = createApiHarness(opts);
  open.push(api);
  api.docker.addImage(IMAGE);
  api.docker.addImage(IMAGE_PATCH);
  await api.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = api.app.server.address() as AddressInfo;
  return { api, url: `http://127.0.0.1:${port}` };
}

async function rtmctl(args: string[], env: Record<string, string> = {}, signal = new AbortController().signal) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, {
    env,
    signal,
    output: { out: (t) => out.push(t), err: (t) => err.push(t) },
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('rtmctl', () => {
  it('runs the lifecycle with tables, following RTM_URL', async () => {
    const { api, url } = await serve();
    const env = { RTM_URL: url };
    const started = await rtmctl(['start', 'c1', IMAGE], env);
    expect(started).toMatchObject({ code: 0, stderr: '' });
    expect(started.stdout).toMatch(/^game_id:\s+c1$/m);
    expect(started.stdout).toMatch(/^status:\s+running$/m);
    expect((await rtmctl(['start', 'c1', IMAGE], env)).stdout).toContain('replay_no_op');
    expect((await rtmctl(['patch', 'c1', IMAGE_PATCH], env)).stdout).toContain(IMAGE_PATCH);
    expect((await rtmctl(['restart', 'c1'], env)).code).toBe(0);
    expect((await rtmctl(['stop', 'c1', '--reason', 'finished'], env)).stdout).toMatch(/^status:\s+stopped$/m);
    expect((await rtmctl(['cleanup', 'c1'], env)).stdout).toMatch(/^status:\s+removed$/m);
    expect(api.operationLog.entries.every((e) => e.opSource === 'admin_rest')).toBe(true);

    const ls = await rtmctl(['runtimes', 'ls'], env);
    expect(ls).toEqual({ code: 0, stdout: 'no runtimes', stderr: '' });
    const all = await rtmctl(['runtimes', 'ls', '--all'], env);
    expect(all.stdout.split('\n')[0]).toMatch(/^GAME_ID\s+STATUS\s+IMAGE\s+CONTAINER\s+HEALTH\s+LAST_OP_AT$/);
    expect(all.stdout.split('\n')[1]).toMatch(/^c1\s+removed\s+/);
    const ops = await rtmctl(['runtimes', 'ops', 'c1', '--limit', '2'], env);
    expect(ops.stdout.split('\n').slice(1).map((l) => l.split(/\s+/)[1])).toEqual(['cleanup_container', 'stop']);
    expect((await rtmctl(['runtimes', 'get', 'c1'], env)).stdout).toMatch(/^status:\s+removed$/m);
  });

  it('prints JSON with --json, for results and failures alike', async () => {
    const { url } = await serve();
    const started = await rtmctl(['start', 'j1', IMAGE, '--json', '--url', url]);
    expect(JSON.parse(started.stdout)).toMatchObject({ error_code: null, runtime: { game_id: 'j1', status: 'running' } });
    const list = await rtmctl(['runtimes', 'ls', '--json', '--url', url]);
    expect(JSON.parse(list.stdout)).toMatchObject([{ game_id: 'j1' }]);
    const missing = await rtmctl(['runtimes', 'get', 'nope', '--json', '--url', url]);
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toEqual({ status: 404, kind: 'error', error: { code: 'not_found', message: 'no runtime record for game nope' } });
    const diag = await rtmctl(['diagnostics', '--json', '--url', url]);
    expect(diag.code).toBe(0);
    expect(JSON.parse(diag.stdout)).toMatchObject({ readiness: { status: 'ready' }, rtm: { version: '0.0.0-test' }, runtimes: { running: 1 }, leadership: { role: 'leader', leader: { epoch: 3 } } });
    const table = await rtmctl(['diagnostics', '--url', url]);
    expect(table.stdout).toMatch(/^instance:\s+rtm-test \(leader\)$/m);
    expect(table.stdout).toMatch(/^leader:\s+rtm-test \(epoch 3, since 2026-12-05T03:00:00.000Z, lease until 2026-12-05T03:00:15.000Z\)$/m);
  });

  it('exits 1 with one line for a failure result, and 1 when RTM is not ready', async () => {
    const { url } = await serve({ readiness: async () => ({ ready: false, checks: { postgres: { ok: false, error: 'down' } } }) });
    expect(await rtmctl(['runtimes', 'get', 'nope', '--url', url])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'rtmctl: not_found (HTTP 404): no runtime record for game nope',
    });
    const diag = await rtmctl(['diagnostics', '--url', url]);
    expect(diag.code).toBe(1);
    expect(diag.stdout).toMatch(/^readiness:\s+not_ready$/m);
    expect(diag.stdout).toMatch(/^postgres\s+no\s+down$/m);
    expect(diag.stdout).not.toMatch(/127\.0\.0\.1|token/i);
  });

  it("names a code it does not know and an answer that is not RTM's", async () => {
    const stubbed = (status: number, body: string, contentType: string) => ({
      env: {},
      signal: new AbortController().signal,
      fetch: (async () => new Response(body, { status, headers: { 'content-type': contentType } })) as typeof fetch,
    });
    const run = async (args: string[], s: ReturnType<typeof stubbed>) => {
      const err: string[] = [];
      const out: string[] = [];
      const code = await runCli(args, { ...s, output: { out: (t) => out.push(t), err: (t) => err.push(t) } });
      return { code, stdout: out.join('\n'), stderr: err.join('\n') };
    };
    const unknown = stubbed(409, JSON.stringify({ error: { code: 'brand_new', message: 'm', hint: 'x' } }), 'application/json');
    expect(await run(['stop', 'g1'], unknown)).toEqual({ code: 1, stdout: '', stderr: 'rtmctl: brand_new (HTTP 409, a code this rtmctl does not know): m' });
    expect(JSON.parse((await run(['stop', 'g1', '--json'], unknown)).stdout)).toEqual({ status: 409, kind: 'unknown_code', error: { code: 'brand_new', message: 'm', hint: 'x' } });
    const proxy = stubbed(502, '<html>\n<h1>502 Bad Gateway</h1>\n</html>', 'text/html');
    expect(await run(['runtimes', 'ls'], proxy)).toEqual({
      code: 1,
      stdout: '',
      stderr: "rtmctl: unexpected answer (HTTP 502, text/html), not RTM's: <html> <h1>502 Bad Gateway</h1> </html>",
    });
  });

  it('sends the token from --token or RTM_TOKEN and reports a refusal', async () => {
    const { url } = await serve({ tokens: ['tok-1'] });
    expect((await rtmctl(['runtimes', 'ls', '--url', url, '--token', 'tok-1'])).code).toBe(0);
    expect((await rtmctl(['runtimes', 'ls'], { RTM_URL: url, RTM_TOKEN: 'tok-1' })).code).toBe(0);
    const refused = await rtmctl(['runtimes', 'ls'], { RTM_URL: url, RTM_TOKEN: 'tok-2' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^rtmctl: unauthorized \(HTTP 401\)/);
    expect(refused.stderr).not.toContain('tok-2');
  });

  it('exits 2 on usage errors and prints help for every command', async () => {
    expect((await rtmctl([])).code).toBe(2);
    expect((await rtmctl(['frobnicate'])).code).toBe(2);
    expect((await rtmctl(['start', 'g1'])).stderr).toMatch(/^rtmctl: expected GAME_ID IMAGE, got g1/);
    expect((await rtmctl(['stop', 'g1', '--reason', 'bored'])).code).toBe(2);
    expect((await rtmctl(['runtimes', 'ops', 'g1', '--limit', '0'])).code).toBe(2);
    expect((await rtmctl(['runtimes', 'ls', '--bogus'])).code).toBe(2);
    expect((await rtmctl(['--help'])).code).toBe(0);
    for (const c of COMMANDS) {
      const help = await rtmctl([...c.words, '--help']);
      expect(help.code, c.words.join(' ')).toBe(0);
      expect(help.stdout).toContain(`Usage: rtmctl ${c.words.join(' ')}`);
    }
  });

  it('says in one line that RTM cannot be reached', async () => {
    const { api, url } = await serve();
    await api.app.close();
    open.length = 0;
    const result = await rtmctl(['runtimes', 'ls', '--url', url]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`rtmctl: cannot reach RTM at ${url}: ECONNREFUSED`);
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await rtmctl(['--version'])).toEqual({ code: 0, stdout: `rtmctl ${pkg.version}`, stderr: '' });
  });

  it('the signal ends a command at once, aborting its request: exit 130', async () => {
    const { url, requests } = await neverAnswers();
    const controller = new AbortController();
    const running = rtmctl(['runtimes', 'ls', '--url', url], {}, controller.signal);
    await expect.poll(() => requests.length).toBe(1);
    controller.abort();
    expect(await running).toEqual({ code: 130, stdout: '', stderr: '' });
    // The request's connection is closed, not left to RTM.
    await new Promise<void>((resolve) => (requests[0]!.socket.destroyed ? resolve() : requests[0]!.socket.once('close', () => resolve())));
    // A mutation too (its default wait is 330 s).
    const stopping = rtmctl(['start', 'g1', IMAGE, '--url', url], {}, controller.signal);
    expect((await stopping).code).toBe(130);
  });

  it('--timeout (or RTM_TIMEOUT) bounds the wait for an answer: exit 1, one line', async () => {
    const { url } = await neverAnswers();
    expect(await rtmctl(['runtimes', 'get', 'g1', '--url', url, '--timeout', '0.3'])).toEqual({
      code: 1,
      stdout: '',
      stderr: `rtmctl: no answer from RTM within 300 ms (${url})`,
    });
    expect((await rtmctl(['diagnostics', '--url', url], { RTM_TIMEOUT: '0.2' })).stderr).toBe(`rtmctl: no answer from RTM within 200 ms (${url})`);
    expect((await rtmctl(['runtimes', 'ls', '--url', url, '--timeout', '0'])).code).toBe(2);
    expect((await rtmctl(['runtimes', 'ls', '--url', url], { RTM_TIMEOUT: 'soon' })).stderr).toMatch(/^rtmctl: --timeout must be a positive number of seconds, got "soon"/);
  });

  it('completion bash|zsh: the script completes commands, options and closed values in a real bash', async () => {
    const bash = await rtmctl(['completion', 'bash']);
    expect(bash.code).toBe(0);
    expect(bash.stdout).toBe(completionScript('bash'));
    const complete = async (line: string) => {
      const words = line.split(' ');
      const script = `${bash.stdout}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _rtmctl; printf '%s\\n' "\${COMPREPLY[@]}"`;
      return (await promisify(execFile)('bash', ['--norc', '--noprofile', '-c', script])).stdout.trim().split('\n').sort();
    };
    expect(await complete('rtmctl ')).toEqual(['cleanup', 'completion', 'diagnostics', 'events', 'limits', 'logs', 'patch', 'restart', 'runtimes', 'start', 'stats', 'stop', 'top']);
    expect(await complete('rtmctl top --sort ')).toEqual(['cpu', 'memory']);
    expect(await complete('rtmctl runtimes ')).toEqual(['get', 'ls', 'ops']);
    expect(await complete('rtmctl runtimes ls --st')).toEqual(['--status']);
    expect(await complete('rtmctl runtimes ls --status ')).toEqual(['removed', 'running', 'stopped']);
    expect(await complete('rtmctl stop g1 --reason f')).toEqual(['finished']);
    expect(await complete('rtmctl stop g1 --')).toEqual(['--caller', '--help', '--json', '--reason', '--timeout', '--token', '--url']);
    expect(await complete('rtmctl completion ')).toEqual(['bash', 'zsh']);
    expect(await complete('rtmctl --v')).toEqual(['--version']);
    const zsh = await rtmctl(['completion', 'zsh']);
    expect(zsh.stdout).toMatch(/^#compdef rtmctl\n/);
    expect(zsh.stdout).toContain('bashcompinit');
    expect(zsh.stdout).toContain(completionScript('bash').split('\n').slice(1).join('\n'));
    expect((await rtmctl(['completion', 'fish'])).code).toBe(2);
    expect((await rtmctl(['completion'])).stderr).toMatch(/^rtmctl: expected bash or zsh, got none/);
  });

  it('events tail follows RTM\'s events endpoint with the token: --from, --game, --type, --max; Ctrl-C exits 130', async () => {
    const { api, url } = await serve({ tokens: ['tok-1'] });
    const env = { RTM_URL: url, RTM_TOKEN: 'tok-1' };
    const exited = (game: string, code: number) => ({
      game_id: game,
      container_id: 'c',
      event_type: 'container_exited',
      occurred_at_ms: '1767225600000',
      details: JSON.stringify({ exit_code: code, requested_by_rtm: false }),
    });
    const health = EVENT_STREAM_KEYS['runtime:health_events'];
    api.eventStreams.add(health, exited('e1', 3));
    api.eventStreams.add(health, exited('e2', 4));
    api.eventStreams.add(health, { game_id: 'e1', event_type: 'not_a_type' }); // does not decode: skipped
    api.eventStreams.add(health, exited('e1', 5));
    const json = await rtmctl(['events', 'tail', '--from', '0', '--game', 'e1', '--max', '2', '--json'], env);
    expect(json.code, json.stderr).toBe(0);
    expect(json.stderr).toBe('rtmctl: following runtime:health_events, runtime:job_results (Ctrl-C to stop)');
    expect(json.stdout.split('\n').map((l) => JSON.parse(l) as { stream: string; kind: string; value: { details: { exit_code: number } } })).toMatchObject([
      { stream: 'runtime:health_events', kind: 'health_event', value: { details: { exit_code: 3 } } },
      { stream: 'runtime:health_events', kind: 'health_event', value: { details: { exit_code: 5 } } },
    ]);
    const human = await rtmctl(['events', 'tail', '--from', '0', '--type', 'container_exited', '--max', '1'], env);
    expect(human.stdout).toBe('2026-01-01T00:00:00.000Z  health  e1  container_exited  {"exit_code":3,"requested_by_rtm":false}');
    expect((await rtmctl(['events', 'tail', '--from', 'yesterday'], env)).stderr).toMatch(/^rtmctl: invalid_request \(HTTP 400\): query.from/);
    expect((await rtmctl(['events', 'tail'], { RTM_URL: url })).stderr).toMatch(/^rtmctl: unauthorized \(HTTP 401\)/);

    // Live until Ctrl-C.
    const controller = new AbortController();
    const err: string[] = [];
    const out: string[] = [];
    const following = runCli(['events', 'tail', '--type', 'container_exited'], { env, signal: controller.signal, output: { out: (t) => out.push(t), err: (t) => err.push(t) } });
    await expect.poll(() => err.length).toBe(1);
    api.eventStreams.add(health, exited('e3', 7));
    await expect.poll(() => out).toEqual(['2026-01-01T00:00:00.000Z  health  e3  container_exited  {"exit_code":7,"requested_by_rtm":false}']);
    controller.abort();
    expect(await following).toBe(130);
  });
});
