// A throwaway PostgreSQL server of this test run alone (initdb into a temp dir, its own port
// and socket dir), so a test can stop and restart it for a real outage without touching the
// shared 127.0.0.1:5432 everyone else uses. Stopped on dispose and on process exit.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freeTcpPort, onProcessExit, waitFor } from './private-server.js';
import { uniqueSuffix } from './test-env.js';

const PG_BIN_CANDIDATES = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'];

function pgBin(name: string): string {
  for (const dir of PG_BIN_CANDIDATES) if (existsSync(path.join(dir, name))) return path.join(dir, name);
  return name; // on PATH
}

/** PostgreSQL refuses to run as root: run its binaries as the `postgres` user then. */
function asServerUser(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

export interface PrivatePostgres {
  readonly port: number;
  /** Folder of its unix socket (open to every user, so a container can bind-mount it). */
  readonly socketDir: string;
  /** Admin URL (database `postgres`). */
  readonly adminUrl: string;
  /** A fresh empty database on this server; returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Fast shutdown (connections are cut at once); the data dir and port are kept. */
  stop(): Promise<void>;
  /** Starts again on the same port and data dir; resolves once it accepts connections. */
  start(): Promise<void>;
  readonly running: boolean;
  /** Stops the server and deletes its data dir. Idempotent. */
  dispose(): Promise<void>;
}

export async function startPrivatePostgres(opts: { port?: number } = {}): Promise<PrivatePostgres> {
  const port = opts.port ?? (await freeTcpPort());
  const root = mkdtempSync(path.join(os.tmpdir(), 'rtm-private-pg-'));
  const dataDir = path.join(root, 'data');
  const socketDir = root;
  // The socket folder is traversable by anyone (the data dir inside stays 0700).
  chmodSync(root, 0o755);
  if (process.getuid?.() === 0) chownSync(root, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()));
  const [initCmd, initArgs] = asServerUser(pgBin('initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C']);
  execFileSync(initCmd, initArgs, { stdio: ['ignore', 'pipe', 'pipe'] });

  let child: ChildProcess | null = null;
  let disposed = false;
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;

  const canConnect = async (): Promise<true | undefined> => {
    const c = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 1_000 });
    c.on('error', () => undefined);
    try {
      await c.connect();
      await c.query('SELECT 1');
      return true;
    } catch {
      return undefined;
    } finally {
      await c.end().catch(() => undefined);
    }
  };

  const start = async () => {
    if (child) return;
    const [cmd, args] = asServerUser(pgBin('postgres'), [
      '-D', dataDir, '-p', String(port), '-k', socketDir, '-c', 'listen_addresses=127.0.0.1',
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=100',
    ]);
    const proc = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: false });
    let stderr = '';
    proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-4_000)));
    child = proc;
    proc.on('exit', () => {
      if (child === proc) child = null;
    });
    await waitFor(canConnect, { timeoutMs: 30_000, message: () => `private PostgreSQL on ${port} did not come up: ${stderr}` });
  };

  const stop = async () => {
    const proc = child;
    if (!proc) return;
    const exited = new Promise<void>((r) => proc.once('exit', () => r()));
    // Signal the postmaster itself (runuser sits in between): SIGINT = "fast" shutdown,
    // which disconnects every client at once, as a crashed or stopped server would.
    signalPostmaster('SIGINT') || proc.kill('SIGINT');
    await exited;
    child = null;
  };

  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    await stop();
    rmSync(root, { recursive: true, force: true });
  };
  const signalPostmaster = (signal: NodeJS.Signals): boolean => {
    try {
      const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (!Number.isInteger(pid) || pid <= 0) return false;
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  };
  onProcessExit(() => {
    if (child) signalPostmaster('SIGQUIT');
    rmSync(root, { recursive: true, force: true });
  });

  await start();
  return {
    port,
    socketDir,
    adminUrl,
    async createDatabase(prefix = 'rtm_f') {
      const name = `${prefix}_${uniqueSuffix(6)}`;
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`CREATE DATABASE ${name}`);
      await c.end();
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    stop,
    start,
    get running() {
      return child !== null;
    },
    dispose,
  };
}
