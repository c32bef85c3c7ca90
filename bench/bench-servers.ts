// The servers a bench run uses — the same PostgreSQL, Redis, Docker and network as the
// real-part tests (docs/integration-tests.md) — and the throwaway things it makes on them:
// databases, Redis key prefixes, state roots, child processes, containers. Each maker
// registers its own undo with the run.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, open, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type Dockerode from 'dockerode';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createDockerClient } from '../src/adapters/docker/docker-client.factory.js';
import { runMigrations } from '../src/adapters/postgres/migrator.js';
import { projectRoot } from '../src/app/project-root.js';
import { TEST_DOCKER_HOST, TEST_POSTGRES_URL, TEST_REDIS_URL, deleteKeysWithPrefix } from '../test/support/test-env.js';
import type { BenchRun } from './bench-run.js';

// The real-part tests' servers (one source: test/support/test-env.ts, as the soak uses).
export { TEST_DOCKER_HOST as DOCKER_HOST, TEST_DOCKER_NETWORK as DOCKER_NETWORK, TEST_POSTGRES_URL as POSTGRES_URL, TEST_REDIS_URL as REDIS_URL } from '../test/support/test-env.js';
/** The light engine of the fleet rows (scripts/build-bench-image.sh). */
export const FLEET_IMAGE = process.env.RTM_BENCH_FLEET_IMAGE ?? 'galaxy/bench-httpd:1';
/** The bench engine runs as this uid (bench/engine/Dockerfile, engine/Dockerfile): state dirs are chowned to it. */
export const ENGINE_UID = 10001;

export async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** A fresh database `rtm_bench_{runId}_{label}`, migrated; dropped at cleanup. */
export async function benchDatabase(run: BenchRun, label: string): Promise<{ url: string; pool: pg.Pool }> {
  const name = `rtm_bench_${run.runId}_${label}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  run.defer(`dropping database ${name}`, () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const url = new URL(TEST_POSTGRES_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 4 });
  // DROP DATABASE ... WITH (FORCE) terminates idle clients: that must not crash the run.
  pool.on('error', () => undefined);
  run.defer(`closing the pool of ${name}`, () => pool.end());
  await runMigrations(pool, path.join(projectRoot(), 'migrations'));
  return { url: url.toString(), pool };
}

/** A Redis client; every key under `prefix` is deleted at cleanup (SCAN, never FLUSHALL). */
export function benchRedis(run: BenchRun, prefix: string): Redis {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 2, connectTimeout: 5_000 });
  redis.on('error', () => undefined);
  run.defer(`deleting Redis keys ${prefix}*`, async () => {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  });
  return redis;
}

export function benchDocker(): Dockerode {
  return createDockerClient(TEST_DOCKER_HOST);
}

/** A temporary state root (chowned to the engine's uid by RTM per game); removed at cleanup. */
export async function benchStateRoot(run: BenchRun, label: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `rtm-bench-${label}-`));
  await chmod(dir, 0o755);
  run.defer(`removing ${dir}`, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A free TCP port on 127.0.0.1 (closed again; the child binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface BenchChild {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly logFile: string;
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** A node child process (stdout+stderr to a log file in `logDir`), in `cwd` (this checkout by default), stopped at cleanup. */
export async function spawnNode(run: BenchRun, label: string, args: string[], env: NodeJS.ProcessEnv, logDir: string, cwd = projectRoot()): Promise<BenchChild> {
  const logFile = path.join(logDir, `${label}.log`);
  const out = await open(logFile, 'a');
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', out.fd, out.fd] });
  await out.close();
  if (child.pid === undefined) throw new Error(`${label}: spawn failed`);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stopping: Promise<void> | null = null;
  const stop = (graceMs = 20_000) => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };
  run.defer(`stopping ${label} (pid ${child.pid})`, () => stop());
  return { child, pid: child.pid, logFile, exited, stop };
}

/** Force-removes containers by exact name, `parallel` at a time; absent ones are fine. */
export async function removeContainersByName(docker: Dockerode, names: readonly string[], log: (line: string) => void, parallel = 8): Promise<void> {
  const queue = [...names];
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      try {
        await docker.getContainer(name).remove({ force: true, v: true });
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode !== 404) log(`cleanup: removing container ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

/** Runs `work` on every item, at most `concurrency` at once, in order of the list. */
export async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}
