// A throwaway redis-server of this test run alone, on its own port, so a test can kill and
// restart it for a real outage without touching the shared 127.0.0.1:6379. By default it
// keeps an append-only file with fsync on every write, like a production Redis: a restart
// (even a SIGKILL) keeps every stream entry, offset and lease that was acknowledged.
// `persistence: 'none'` is the plain `--save '' --appendonly no` test server.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freeTcpPort, onProcessExit, waitFor } from './private-server.js';

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Its unix socket (with `unixSocket: true`; open to every user, for a bind-mounting container). */
  readonly socketPath: string | null;
  /** Kills the server (SIGKILL: a crash; nothing is written on the way out). */
  stop(): Promise<void>;
  /** Starts again on the same port (and the same data dir); resolves once it answers PING. */
  start(): Promise<void>;
  readonly running: boolean;
  /** Stops the server and deletes its dir. Idempotent. */
  dispose(): Promise<void>;
}

function ping(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = '';
    const done = (v: true | undefined) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(1_000, () => done(undefined));
    sock.on('error', () => done(undefined));
    sock.on('connect', () => sock.write('PING\r\n'));
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      if (buf.includes('\r\n')) done(buf.startsWith('+PONG') ? true : undefined);
    });
  });
}

export async function startPrivateRedis(opts: { port?: number; persistence?: 'aof' | 'none'; unixSocket?: boolean } = {}): Promise<PrivateRedis> {
  const port = opts.port ?? (await freeTcpPort());
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rtm-private-redis-'));
  const socketPath = opts.unixSocket ? path.join(dir, 'redis.sock') : null;
  if (socketPath) chmodSync(dir, 0o755);
  const socketArgs = socketPath ? ['--unixsocket', socketPath, '--unixsocketperm', '777'] : [];
  const persistence =
    (opts.persistence ?? 'aof') === 'aof' ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  let child: ChildProcess | null = null;
  let disposed = false;

  const start = async () => {
    if (child) return;
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--daemonize', 'no', ...socketArgs, ...persistence], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const keep = (d: Buffer) => (out = (out + d.toString('utf8')).slice(-4_000));
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    child = proc;
    proc.on('exit', () => {
      if (child === proc) child = null;
    });
    await waitFor(() => ping(port), { timeoutMs: 15_000, message: () => `private Redis on ${port} did not come up: ${out}` });
  };

  const stop = async () => {
    const proc = child;
    if (!proc) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    proc.kill('SIGKILL');
    await exited;
    child = null;
  };

  onProcessExit(() => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    socketPath,
    stop,
    start,
    get running() {
      return child !== null;
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
