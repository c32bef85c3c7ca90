// What a run on the real parts needs from `npm run bootstrap` (scripts/bootstrap.sh): Docker,
// the game network, the engine images and (for the bench) the shared PostgreSQL and Redis.
// Each is checked under one short deadline, all at once, so a machine that was never
// bootstrapped fails in seconds with the command to run, not after a scenario's readiness
// wait (the bench used to wait 120 s for an RTM that could never become ready).
import { Redis } from 'ioredis';
import pg from 'pg';
import Dockerode from 'dockerode';
import { dockerClientOptions } from '../../src/adapters/docker/docker-client.factory.js';

export interface PreflightTargets {
  dockerHost: string;
  network: string;
  images: readonly string[];
  /** Checked when present (the bench's shared servers; the soak starts private ones). */
  postgresUrl?: string;
  redisUrl?: string;
}

/** Every check together must answer within this; the command then fails within ~5 s. */
export const PREFLIGHT_DEADLINE_MS = 4_000;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? String(err);

function withDeadline<T>(what: string, work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

async function dockerProblems(t: PreflightTargets, deadlineMs: number): Promise<string[]> {
  // Its own socket timeout too, so a silent daemon leaves no request behind the deadline.
  const docker = new Dockerode({ ...dockerClientOptions(t.dockerHost), timeout: deadlineMs });
  try {
    await docker.ping();
  } catch (err) {
    return [`Docker at ${t.dockerHost} does not answer: ${message(err)}`];
  }
  const problems: string[] = [];
  const network = await docker.getNetwork(t.network).inspect().catch(() => null);
  if (network === null) problems.push(`the game network ${t.network} does not exist`);
  for (const image of t.images) {
    if ((await docker.getImage(image).inspect().catch(() => null)) === null) problems.push(`the image ${image} is missing`);
  }
  return problems;
}

async function postgresProblems(url: string, deadlineMs: number): Promise<string[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: deadlineMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return [];
  } catch (err) {
    return [`PostgreSQL at ${new URL(url).host} does not answer: ${message(err)}`];
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisProblems(url: string, deadlineMs: number): Promise<string[]> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: deadlineMs });
  // The connection's own error (ECONNREFUSED...) says more than the "Connection is closed" connect() rejects with.
  let cause: unknown;
  redis.on('error', (err: unknown) => (cause ??= err));
  try {
    await redis.connect();
    await redis.ping();
    return [];
  } catch (err) {
    return [`Redis at ${new URL(url).host} does not answer: ${message(cause ?? err)}`];
  } finally {
    redis.disconnect();
  }
}

/** One line per missing piece; empty when the machine is ready. */
export async function bootstrapProblems(t: PreflightTargets, deadlineMs = PREFLIGHT_DEADLINE_MS): Promise<string[]> {
  const checks: Array<[string, Promise<string[]>]> = [['Docker', dockerProblems(t, deadlineMs)]];
  if (t.postgresUrl !== undefined) checks.push(['PostgreSQL', postgresProblems(t.postgresUrl, deadlineMs)]);
  if (t.redisUrl !== undefined) checks.push(['Redis', redisProblems(t.redisUrl, deadlineMs)]);
  const answers = await Promise.all(checks.map(([what, check]) => withDeadline(what, check, deadlineMs).catch((err: unknown) => [message(err)])));
  return answers.flat();
}

/**
 * Checks the targets; when something is missing, writes what and the command that fixes it
 * (`npm run bootstrap`) and resolves false: the caller exits 1.
 */
export async function preflight(command: string, t: PreflightTargets, write: (line: string) => void): Promise<boolean> {
  const problems = await bootstrapProblems(t);
  if (problems.length === 0) return true;
  write(`${command}: this machine is not bootstrapped for it:`);
  for (const p of problems) write(`  - ${p}`);
  write(`Run \`npm run bootstrap\` (scripts/bootstrap.sh: Docker, PostgreSQL, Redis, the game network, the engine images), then \`${command}\` again.`);
  return false;
}
