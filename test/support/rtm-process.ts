// Launches the real RTM process (node dist/src/main.js, or `npm start`) for black-box tests,
// collecting its JSON log lines so tests can wait on them instead of sleeping.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../../src/app/project-root.js';
import { TEST_DOCKER_NETWORK, TEST_REDIS_URL, eventually, testRedisPrefix } from './test-env.js';

export function buildDist(): void {
  execFileSync(process.execPath, ['scripts/build-dist.mjs', '--quiet'], { cwd: projectRoot(), stdio: 'inherit' });
}

/** Environment for one RTM process with its own database, Redis prefix and state root. */
export function rtmEnv(postgresUrl: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/root',
    RTMANAGER_INTERNAL_HTTP_ADDR: '127.0.0.1:0',
    RTMANAGER_POSTGRES_URL: postgresUrl,
    RTMANAGER_REDIS_URL: TEST_REDIS_URL,
    RTMANAGER_REDIS_KEY_PREFIX: testRedisPrefix(),
    RTMANAGER_DOCKER_NETWORK: TEST_DOCKER_NETWORK,
    // Under the run's tag: the global teardown removes this run's state roots (test-run-leftovers.ts).
    RTMANAGER_GAME_STATE_ROOT: mkdtempSync(path.join(os.tmpdir(), `rtm-state-${process.env.RTM_TEST_RUN_TAG ?? ''}`)),
    RTMANAGER_STOP_TIMEOUT: '5',
    RTMANAGER_SHUTDOWN_TIMEOUT: '15',
    RTMANAGER_RECONCILE_GRACE: '5',
    RTMANAGER_LOG_LEVEL: 'info',
    ...overrides,
  };
}

/** One call of RTM's internal REST API as an admin caller: status and parsed JSON answer. */
export async function callInternal(baseUrl: string, method: string, route: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}/api/v1/internal${route}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-galaxy-caller': 'admin_service' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

export interface RtmProcess {
  child: ChildProcess;
  logs: Array<Record<string, unknown>>;
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** The listener's base URL, from the "internal listener open" log line. */
  baseUrl(): Promise<string>;
}

export function spawnRtm(env: Record<string, string>, opts: { viaNpm?: boolean } = {}): RtmProcess {
  const root = projectRoot();
  const child = opts.viaNpm
    ? spawn('npm', ['start', '--silent'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, ['dist/src/main.js'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: Array<Record<string, unknown>> = [];
  const stderr: string[] = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    let i: number;
    while ((i = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const waitForLog = (match: (l: Record<string, unknown>) => boolean, timeoutMs = 30_000) =>
    eventually(() => logs.find(match), { timeoutMs, message: `log line not seen; stderr: ${stderr.join('')}` });
  return {
    child,
    logs,
    stderr,
    exited,
    waitForLog,
    baseUrl: async () => String((await waitForLog((l) => l.msg === 'internal listener open')).address),
  };
}
