// Lobby <-> RTM over real Redis, Docker and PostgreSQL, with the real RTM process and a small
// Lobby stand-in that speaks the stream contract (CONTRACT §6) as raw fields. Every entry RTM
// writes to its output streams is checked against the AsyncAPI payload schemas.
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HEALTH_EVENT_DETAILS_VALIDATORS,
  NOTIFICATION_INTENT_VALIDATORS,
  validateRuntimeAdminIntentPayload,
  validateRuntimeHealthEvent,
  validateRuntimeJobResult,
} from '../../../generated/validators/index.js';
import { buildDist, rtmEnv, spawnRtm, type RtmProcess } from '../../support/rtm-process.js';
import {
  createTestDatabase,
  deleteKeysWithPrefix,
  ENGINE_IMAGE,
  eventually,
  MISSING_IMAGE,
  TEST_DOCKER_NETWORK,
  TEST_REDIS_URL,
  testGameId,
  type TestDatabase,
} from '../../support/test-env.js';

type Fields = Record<string, string>;

/** What Lobby does: XADD jobs, read job results. */
class LobbyStandIn {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async startJob(gameId: string, imageRef: string): Promise<string> {
    return (await this.redis.xadd(`${this.prefix}runtime:start_jobs`, '*', 'game_id', gameId, 'image_ref', imageRef, 'requested_at_ms', String(Date.now())))!;
  }

  async stopJob(gameId: string, reason: string): Promise<string> {
    return (await this.redis.xadd(`${this.prefix}runtime:stop_jobs`, '*', 'game_id', gameId, 'reason', reason, 'requested_at_ms', String(Date.now())))!;
  }

  async entries(stream: string): Promise<Array<{ id: string; fields: Fields }>> {
    const raw = await this.redis.xrange(`${this.prefix}${stream}`, '-', '+');
    return raw.map(([id, flat]) => {
      const fields: Fields = {};
      for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
      return { id, fields };
    });
  }

  /** Entry ids are unique per stream only: a result is keyed by (job_kind, job_id). */
  async resultsFor(jobId: string, jobKind: 'start' | 'stop' = 'start'): Promise<Fields[]> {
    return (await this.entries('runtime:job_results'))
      .filter((e) => e.fields.job_id === jobId && e.fields.job_kind === jobKind)
      .map((e) => e.fields);
  }

  async resultFor(jobId: string, jobKind: 'start' | 'stop' = 'start', timeoutMs = 30_000): Promise<Fields> {
    return eventually(async () => (await this.resultsFor(jobId, jobKind))[0], { timeoutMs, message: `no ${jobKind} job result for ${jobId}` });
  }
}

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** GET /healthz of galaxy-game-{id} by its DNS name, from a container on the game network. */
function healthzOnNetwork(gameId: string): string {
  return docker(
    'run', '--rm', '--network', TEST_DOCKER_NETWORK, '--entrypoint', '/usr/bin/node', ENGINE_IMAGE, '-e',
    `fetch('http://galaxy-game-${gameId}:8080/healthz').then(async r => { console.log(r.status, await r.text()); process.exit(r.ok ? 0 : 1) }, e => { console.error(e.message); process.exit(2) })`,
  );
}

async function getRuntime(gameId: string): Promise<Record<string, unknown> & { health: unknown }> {
  const res = await fetch(`${await rtm.baseUrl()}/api/v1/internal/runtimes/${gameId}`, { headers: { 'x-galaxy-caller': 'game_master' } });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown> & { health: unknown };
}

function ownedContainers(gameIds: readonly string[]): Array<{ id: string; gameId: string; state: string }> {
  const out = docker('ps', '-a', '--filter', 'label=com.galaxy.owner=rtmanager', '--format', '{{.ID}}|{{.Label "com.galaxy.game_id"}}|{{.State}}');
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id, gameId, state] = l.split('|');
      return { id: id!, gameId: gameId!, state: state! };
    })
    .filter((c) => gameIds.includes(c.gameId));
}

let db: TestDatabase;
let redis: Redis;
let env: Record<string, string>;
let lobby: LobbyStandIn;
let rtm: RtmProcess;
const games: string[] = [];

function newGame(label: string): string {
  const id = testGameId(label);
  games.push(id);
  return id;
}

beforeAll(async () => {
  buildDist();
  db = await createTestDatabase();
  redis = new Redis(TEST_REDIS_URL);
  env = rtmEnv(db.url, {
    RTMANAGER_STREAM_BLOCK: '0.2',
    RTMANAGER_JOB_CONCURRENCY: '4',
    // Leases a killed RTM leaves behind expire after one TTL; keep the replay wait short.
    RTMANAGER_LEASE_TTL: '5',
    RTMANAGER_GAME_STATE_DIR_UID: '10001',
    RTMANAGER_GAME_STATE_DIR_GID: '10001',
    // Lobby is down for this whole suite: start must never fail because of it.
    RTMANAGER_LOBBY_BASE_URL: 'http://127.0.0.1:9',
  });
  lobby = new LobbyStandIn(redis, env.RTMANAGER_REDIS_KEY_PREFIX!);
  rtm = spawnRtm(env);
  await rtm.waitForLog((l) => l.msg === 'workers and consumers started', 60_000);
}, 180_000);

afterAll(async () => {
  if (rtm && rtm.child.exitCode === null) {
    rtm.child.kill('SIGTERM');
    await rtm.exited;
  }
  const leftovers = ownedContainers(games).map((c) => c.id);
  if (leftovers.length > 0) docker('rm', '-f', ...leftovers);
  const prefix = env?.RTMANAGER_REDIS_KEY_PREFIX;
  if (prefix) await deleteKeysWithPrefix(redis, prefix);
  redis?.disconnect();
  await db?.drop();
}, 120_000);

describe('Lobby <-> RTM round trip', () => {
  it('start job: success result, and the engine answers /healthz by its DNS name on the game network', async () => {
    const gameId = newGame('rt');
    const jobId = await lobby.startJob(gameId, ENGINE_IMAGE);
    const result = await lobby.resultFor(jobId);
    expect(result).toMatchObject({
      game_id: gameId,
      job_kind: 'start',
      job_id: jobId,
      outcome: 'success',
      error_code: '',
      engine_endpoint: `http://galaxy-game-${gameId}:8080`,
      image_ref: ENGINE_IMAGE,
    });
    expect(result.container_id).toMatch(/^[0-9a-f]{64}$/);
    expect(healthzOnNetwork(gameId)).toContain('200');
    // The latest health is on the runtime as Game Master reads it.
    const runtime = await getRuntime(gameId);
    expect(runtime).toMatchObject({ status: 'running', current_container_id: result.container_id });
    expect(runtime.health).toMatchObject({ event_type: 'container_started', container_id: result.container_id });

    // A replayed job is a no-op with the same container.
    const replayId = await lobby.startJob(gameId, ENGINE_IMAGE);
    const replay = await lobby.resultFor(replayId);
    expect(replay).toMatchObject({ outcome: 'success', error_code: 'replay_no_op', container_id: result.container_id });
  });

  it('cancelled stop job: stopped, and operation_log has it', async () => {
    const gameId = newGame('stop');
    const started = await lobby.resultFor(await lobby.startJob(gameId, ENGINE_IMAGE));
    expect(started.outcome).toBe('success');
    const stopId = await lobby.stopJob(gameId, 'cancelled');
    const stopped = await lobby.resultFor(stopId, 'stop');
    expect(stopped).toMatchObject({ game_id: gameId, job_kind: 'stop', outcome: 'success', error_code: '', container_id: started.container_id });
    const record = await db.pool.query('SELECT status FROM rtmanager.runtime_records WHERE game_id = $1', [gameId]);
    expect(record.rows[0]?.status).toBe('stopped');
    const ops = await db.pool.query(
      `SELECT op_kind, op_source, outcome, details FROM rtmanager.operation_log WHERE game_id = $1 ORDER BY id`,
      [gameId],
    );
    expect(ops.rows.map((r) => [r.op_kind, r.op_source, r.outcome])).toEqual([
      ['start', 'lobby_stream', 'success'],
      ['stop', 'lobby_stream', 'success'],
    ]);
    expect(JSON.stringify(ops.rows[1]?.details)).toContain('cancelled');
    // The container is kept (for logs and TTL cleanup), exited.
    expect(ownedContainers([gameId]).map((c) => c.state)).toEqual(['exited']);
    // The events worker saw the exit and marked it as RTM's own stop, not a crash.
    const health = await eventually(async () => {
      const h = (await getRuntime(gameId)).health as { event_type: string; details: Record<string, unknown> } | null;
      return h?.event_type === 'container_exited' ? h : undefined;
    });
    expect(health.details).toMatchObject({ requested_by_rtm: true });
  });

  it('missing image: failure result, runtime.image_pull_failed intent, nothing left behind', async () => {
    const gameId = newGame('miss');
    const jobId = await lobby.startJob(gameId, MISSING_IMAGE);
    const result = await lobby.resultFor(jobId);
    expect(result).toMatchObject({ game_id: gameId, outcome: 'failure', error_code: 'image_pull_failed', container_id: '' });
    expect(result.error_message).not.toBe('');
    const intent = await eventually(async () =>
      (await lobby.entries('notification:intents')).find((e) => e.fields.payload?.includes(gameId)),
    );
    expect(intent.fields).toMatchObject({ intent_type: 'runtime.image_pull_failed', audience: 'admin', channels: 'email', producer: 'rtmanager' });
    expect(JSON.parse(intent.fields.payload!)).toMatchObject({ game_id: gameId, image_ref: MISSING_IMAGE, error_code: 'image_pull_failed' });
    expect(ownedContainers([gameId])).toEqual([]);
    const record = await db.pool.query('SELECT status FROM rtmanager.runtime_records WHERE game_id = $1', [gameId]);
    expect(record.rowCount).toBe(0);
  });

  it('malformed jobs are answered or counted, never dropped, and the consumer moves on', async () => {
    const gameId = newGame('bad');
    const badReason = await redis.xadd(`${env.RTMANAGER_REDIS_KEY_PREFIX}runtime:stop_jobs`, '*', 'game_id', gameId, 'reason', 'bored', 'requested_at_ms', '1');
    const noGame = await redis.xadd(`${env.RTMANAGER_REDIS_KEY_PREFIX}runtime:start_jobs`, '*', 'image_ref', ENGINE_IMAGE);
    const badGame = await redis.xadd(`${env.RTMANAGER_REDIS_KEY_PREFIX}runtime:start_jobs`, '*', 'game_id', '../etc', 'image_ref', ENGINE_IMAGE, 'requested_at_ms', '1');
    const after = await lobby.startJob(newGame('after'), ENGINE_IMAGE);
    expect((await lobby.resultFor(badReason!, 'stop')).error_code).toBe('invalid_request');
    expect((await lobby.resultFor(after)).outcome).toBe('success');
    // A readable but invalid game_id is answered (echoed), and nothing is built from it.
    expect(await lobby.resultFor(badGame!)).toMatchObject({ game_id: '../etc', outcome: 'failure', error_code: 'invalid_request' });
    // No game_id at all: logged and counted, no result, offset moved past it.
    expect(await lobby.resultsFor(noGame!)).toEqual([]);
    expect(rtm.logs.some((l) => l.entry_id === noGame)).toBe(true);
  });

  it('a burst of 20 start jobs survives a kill mid-burst: every job gets a result, no duplicate containers', async () => {
    const burst = Array.from({ length: 20 }, (_, i) => newGame(`b${i}`));
    const jobIds: string[] = [];
    for (const g of burst) jobIds.push(await lobby.startJob(g, ENGINE_IMAGE));
    // Kill hard once some, not all, results are out.
    await eventually(async () => {
      const done = (await lobby.entries('runtime:job_results')).filter((e) => e.fields.job_kind === 'start' && jobIds.includes(e.fields.job_id!)).length;
      return done >= 3 ? done : undefined;
    }, { timeoutMs: 60_000, intervalMs: 20 });
    rtm.child.kill('SIGKILL');
    await rtm.exited;
    const doneBeforeKill = new Set((await lobby.entries('runtime:job_results')).filter((e) => e.fields.job_kind === 'start').map((e) => e.fields.job_id));
    expect(jobIds.filter((j) => doneBeforeKill.has(j)).length).toBeLessThan(20);

    rtm = spawnRtm(env);
    for (const jobId of jobIds) {
      const results = await eventually(async () => {
        const r = await lobby.resultsFor(jobId);
        return r.length > 0 ? r : undefined;
      }, { timeoutMs: 90_000, message: `job ${jobId} got no result after restart` });
      expect(results.every((r) => r.outcome === 'success'), JSON.stringify(results)).toBe(true);
    }
    const containers = ownedContainers(burst);
    expect(containers).toHaveLength(20);
    expect(new Set(containers.map((c) => c.gameId)).size).toBe(20);
    expect(containers.every((c) => c.state === 'running')).toBe(true);
    const running = await db.pool.query(`SELECT count(*)::int AS n FROM rtmanager.runtime_records WHERE game_id = ANY($1) AND status = 'running'`, [burst]);
    expect(running.rows[0]?.n).toBe(20);
  }, 240_000);

  it('every entry RTM wrote to its output streams validates against the AsyncAPI schemas', async () => {
    const results = await lobby.entries('runtime:job_results');
    const health = await lobby.entries('runtime:health_events');
    const intents = await lobby.entries('notification:intents');
    expect(results.length).toBeGreaterThan(20);
    expect(health.length).toBeGreaterThan(20);
    expect(intents.length).toBeGreaterThan(0);
    for (const { id, fields } of results) expect(validateRuntimeJobResult(fields), `${id} ${JSON.stringify(validateRuntimeJobResult.errors)}`).toBe(true);
    for (const { id, fields } of health) {
      expect(validateRuntimeHealthEvent(fields), `${id} ${JSON.stringify(validateRuntimeHealthEvent.errors)}`).toBe(true);
      const details = HEALTH_EVENT_DETAILS_VALIDATORS[fields.event_type as keyof typeof HEALTH_EVENT_DETAILS_VALIDATORS];
      expect(details(JSON.parse(fields.details!)), `${id} details ${JSON.stringify(details.errors)}`).toBe(true);
    }
    for (const { id, fields } of intents) {
      const v = NOTIFICATION_INTENT_VALIDATORS[fields.intent_type as keyof typeof NOTIFICATION_INTENT_VALIDATORS];
      expect(v(fields), `${id} ${JSON.stringify(v.errors)}`).toBe(true);
      expect(validateRuntimeAdminIntentPayload(JSON.parse(fields.payload!)), id).toBe(true);
    }
  });
});
