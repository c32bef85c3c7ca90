// The fault suite's world: a private PostgreSQL, a private Redis and a Docker socket proxy
// (so every outage is this suite's alone), and the real RTM process in front of them, which a
// scenario can SIGKILL and start again on the same database, Redis prefix and state root.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import pg from 'pg';
import { runMigrations } from '../../../src/adapters/postgres/migrator.js';
import { projectRoot } from '../../../src/app/project-root.js';
import { startDockerSocketProxy, type DockerSocketProxy } from '../../support/docker-socket-proxy.js';
import { startPrivatePostgres, type PrivatePostgres } from '../../support/private-postgres.js';
import { startPrivateRedis, type PrivateRedis } from '../../support/private-redis.js';
import { onProcessExit } from '../../support/private-server.js';
import { buildDist, rtmEnv, spawnRtm, type RtmProcess } from '../../support/rtm-process.js';
import { TEST_GAME_PREFIX, testRedisPrefix, uniqueSuffix } from '../../support/test-env.js';
import path from 'node:path';

/**
 * Small timings so each scenario takes seconds: lease TTL 3 s, probe/reconcile/inspect 1 s.
 * The events reconnect cap keeps its production default (30 s): readiness after an outage
 * must not depend on a test-sized backoff.
 */
export const FAULT_TIMINGS = {
  RTMANAGER_LEASE_TTL: '3',
  RTMANAGER_PROBE_INTERVAL: '1',
  RTMANAGER_PROBE_TIMEOUT: '0.5',
  RTMANAGER_PROBE_FAILURES_THRESHOLD: '3',
  RTMANAGER_RECONCILE_INTERVAL: '1',
  RTMANAGER_RECONCILE_GRACE: '2',
  RTMANAGER_INSPECT_INTERVAL: '1',
  RTMANAGER_CLEANUP_INTERVAL: '3600',
  RTMANAGER_STREAM_BLOCK: '0.2',
  RTMANAGER_STOP_TIMEOUT: '2',
  RTMANAGER_DOCKER_API_TIMEOUT: '5',
  RTMANAGER_SHUTDOWN_TIMEOUT: '10',
  RTMANAGER_GAME_STATE_DIR_UID: '10001',
  RTMANAGER_GAME_STATE_DIR_GID: '10001',
} as const;

export const LEASE_TTL_MS = Number(FAULT_TIMINGS.RTMANAGER_LEASE_TTL) * 1000;

export interface FaultStack {
  postgres: PrivatePostgres;
  redis: PrivateRedis;
  docker: DockerSocketProxy;
  dispose(): Promise<void>;
}

let distBuilt = false;

export async function startFaultStack(): Promise<FaultStack> {
  if (!distBuilt) {
    buildDist();
    distBuilt = true;
  }
  const [postgres, redis, docker] = await Promise.all([startPrivatePostgres(), startPrivateRedis(), startDockerSocketProxy()]);
  return {
    postgres,
    redis,
    docker,
    async dispose() {
      await Promise.allSettled([docker.close(), redis.dispose(), postgres.dispose()]);
    },
  };
}

/** One scenario: its own database, Redis prefix, state root and game ids; one RTM at a time. */
export class Scenario {
  rtm: RtmProcess | null = null;
  readonly games: string[] = [];
  readonly prefix: string;
  /** RTM (through the proxy) sees only the owned containers of this scenario's games. */
  readonly gamePrefix = `${TEST_GAME_PREFIX}f${uniqueSuffix(3)}-`;
  readonly env: Record<string, string>;
  readonly pool: pg.Pool;
  readonly redis: Redis;
  private readonly unregisterExit: () => void;

  private constructor(
    readonly stack: FaultStack,
    dbUrl: string,
    overrides: Record<string, string>,
  ) {
    this.prefix = testRedisPrefix();
    this.env = rtmEnv(dbUrl, {
      ...FAULT_TIMINGS,
      RTMANAGER_REDIS_URL: stack.redis.url,
      RTMANAGER_REDIS_KEY_PREFIX: this.prefix,
      RTMANAGER_DOCKER_HOST: stack.docker.url,
      ...overrides,
    });
    stack.docker.scope = this.gamePrefix;
    this.pool = new pg.Pool({ connectionString: dbUrl, max: 3, connectionTimeoutMillis: 2_000 });
    this.pool.on('error', () => undefined);
    this.redis = new Redis(stack.redis.url, { maxRetriesPerRequest: 1, retryStrategy: () => 200 });
    this.redis.on('error', () => undefined);
    this.unregisterExit = onProcessExit(() => {
      this.rtm?.child.kill('SIGKILL');
      this.removeContainers();
    });
  }

  static async create(stack: FaultStack, overrides: Record<string, string> = {}): Promise<Scenario> {
    const dbUrl = await stack.postgres.createDatabase();
    const s = new Scenario(stack, dbUrl, overrides);
    // The schema exists before RTM's first start, so the suite can read it at any time.
    await runMigrations(s.pool, path.join(projectRoot(), 'migrations'));
    return s;
  }

  /** `it-f<scenario token>-<label>`: unique per scenario, and the proxy's scope prefix. */
  game(label: string): string {
    const id = `${this.gamePrefix}${label}`.slice(0, 51).replace(/-+$/, '');
    if (this.games.includes(id)) throw new Error(`game ${id} already used in this scenario`);
    this.games.push(id);
    return id;
  }

  /** Starts RTM and waits until its workers and consumers run. */
  async startRtm(): Promise<RtmProcess> {
    if (this.rtm && this.rtm.child.exitCode === null && this.rtm.child.signalCode === null) throw new Error('RTM already running');
    this.rtm = spawnRtm(this.env);
    await this.rtm.waitForLog((l) => l.msg === 'workers and consumers started', 90_000);
    return this.rtm;
  }

  /** SIGKILL now (synchronous: callable from an event handler); `exited` resolves later. */
  killRtm(): void {
    this.rtm?.child.kill('SIGKILL');
  }

  async stopRtm(): Promise<void> {
    const rtm = this.rtm;
    if (!rtm || rtm.child.exitCode !== null || rtm.child.signalCode !== null) return;
    rtm.child.kill('SIGTERM');
    const timer = setTimeout(() => rtm.child.kill('SIGKILL'), 15_000);
    await rtm.exited;
    clearTimeout(timer);
  }

  async baseUrl(): Promise<string> {
    if (!this.rtm) throw new Error('RTM not started');
    return this.rtm.baseUrl();
  }

  /** Removes this scenario's containers (by its own game ids only), closes its clients. */
  async dispose(): Promise<void> {
    await this.stopRtm().catch(() => undefined);
    this.removeContainers();
    // The state root is this scenario's own temp dir (rtmEnv); RTM never deletes state dirs.
    rmSync(this.env.RTMANAGER_GAME_STATE_ROOT!, { recursive: true, force: true });
    await this.redis.quit().catch(() => this.redis.disconnect());
    await this.pool.end().catch(() => undefined);
    this.unregisterExit();
  }

  private removeContainers(): void {
    for (const game of this.games) {
      const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=com.galaxy.game_id=${game}`], { encoding: 'utf8' })
        .split('\n')
        .filter(Boolean);
      if (ids.length > 0) execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
    }
  }
}
