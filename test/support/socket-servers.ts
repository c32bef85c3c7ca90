// Throwaway PostgreSQL and Redis servers that listen on unix sockets only, in one folder a
// container can bind-mount (RTM in its own container reaches them there, with no TCP port
// and no traffic off the machine). Real servers from Debian's packages; always stopped by
// `stop()`, and by process exit as a last resort.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eventually } from './test-env.js';

export interface SocketServers {
  /** Folder holding both sockets (bind-mount it at the same path). */
  dir: string;
  postgresUrl: string;
  redisUrl: string;
  /** The same Redis socket as a path, for ioredis in the test. */
  redisSocket: string;
  stop(): Promise<void>;
}

function postgresBin(name: string): string {
  const versions = readdirSync('/usr/lib/postgresql').sort();
  const v = versions[versions.length - 1];
  if (!v) throw new Error('no PostgreSQL under /usr/lib/postgresql');
  return path.join('/usr/lib/postgresql', v, 'bin', name);
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

export async function startSocketServers(): Promise<SocketServers> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rtm-sock-'));
  chmodSync(dir, 0o777);
  const data = path.join(dir, 'pgdata');
  mkdirSync(data);
  const { uid, gid } = postgresUser();
  chownSync(data, uid, gid);
  execFileSync('runuser', ['-u', 'postgres', '--', postgresBin('initdb'), '-D', data, '--auth=trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale=C'], { stdio: 'ignore' });
  const postgres = spawn('runuser', ['-u', 'postgres', '--', postgresBin('postgres'), '-D', data, '-k', dir, '-c', "listen_addresses=", '-c', 'fsync=off'], { stdio: 'ignore' });
  const redisSocket = path.join(dir, 'redis.sock');
  const redis = spawn('redis-server', ['--port', '0', '--unixsocket', redisSocket, '--unixsocketperm', '777', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  const stop = async () => {
    process.off('exit', lastResort);
    await Promise.all([stopChild(postgres, 'SIGINT'), stopChild(redis, 'SIGTERM')]);
    rmSync(dir, { recursive: true, force: true });
  };
  const lastResort = () => {
    postgres.kill('SIGKILL');
    redis.kill('SIGKILL');
  };
  process.on('exit', lastResort);
  try {
    await eventually(() => (existsSync(path.join(dir, '.s.PGSQL.5432')) && existsSync(redisSocket) ? true : undefined), { timeoutMs: 30_000, message: 'socket servers did not start' });
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    dir,
    postgresUrl: `postgres:///postgres?host=${encodeURIComponent(dir)}&user=postgres`,
    redisUrl: `unix://${redisSocket}`,
    redisSocket,
    stop,
  };
}

function postgresUser(): { uid: number; gid: number } {
  const out = execFileSync('id', ['postgres'], { encoding: 'utf8' });
  const uid = /uid=(\d+)/.exec(out)?.[1];
  const gid = /gid=(\d+)/.exec(out)?.[1];
  if (!uid || !gid) throw new Error(`cannot read the postgres user's ids from: ${out}`);
  return { uid: Number(uid), gid: Number(gid) };
}
