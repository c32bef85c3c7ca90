// GET /api/v1/internal/diagnostics: RTM's version and its dependencies' server versions, each
// asked with a deadline so an outage shows as `version: null` with a reason, plus the runtime
// counts by status. Only versions and counts: no URL, user, password or token.
import { DockerVersionSource } from '../adapters/docker/docker-version.source.js';
import { PostgresDiagnosticsQuery } from '../adapters/postgres/diagnostics.query.js';
import { RedisVersionSource } from '../adapters/redis/redis-version.source.js';
import { RUNTIME_STATUSES, type RuntimeStatus } from '../domain/runtime-record.js';
import type { Clock } from '../ports/clock.js';
import type { LeaderLeaseStore } from '../ports/leader-lease.store.js';
import type { DependencyVersion, DiagnosticsReport, LeadershipDiagnostics, VersionSource } from '../ports/diagnostics.js';
import { withDeadline } from '../timing/deadline.js';
import type { Infrastructure } from './infrastructure.js';
import { rtmVersion } from './rtm-version.js';

export interface DiagnosticsSources {
  rtmVersion: string;
  startedAtMs: number;
  now: () => number;
  versions: readonly VersionSource[];
  /** Rejects when PostgreSQL is unreachable: the answer is then an error, not made-up zeros. */
  countByStatus: () => Promise<Partial<Record<RuntimeStatus, number>>>;
  timeoutMs: number;
  /** Who leads and this instance's role; rejects like countByStatus when PostgreSQL is down. */
  leadership?: () => Promise<LeadershipDiagnostics>;
}

async function askVersion(source: VersionSource | undefined, timeoutMs: number): Promise<DependencyVersion> {
  if (!source) return { version: null, error: 'not wired' };
  try {
    const version = await withDeadline(source.version(), timeoutMs, () => new Error(`no answer within ${timeoutMs} ms`));
    return { version, error: null };
  } catch (err) {
    return { version: null, error: err instanceof Error ? err.message : String(err) };
  }
}

export async function collectDiagnostics(sources: DiagnosticsSources): Promise<DiagnosticsReport> {
  const byName = (name: VersionSource['name']) => sources.versions.find((v) => v.name === name);
  const [postgres, redis, docker, counts, leadership] = await Promise.all([
    askVersion(byName('postgres'), sources.timeoutMs),
    askVersion(byName('redis'), sources.timeoutMs),
    askVersion(byName('docker'), sources.timeoutMs),
    sources.countByStatus(),
    sources.leadership?.(),
  ]);
  const runtimes = Object.fromEntries(RUNTIME_STATUSES.map((s) => [s, counts[s] ?? 0])) as Record<RuntimeStatus, number>;
  return {
    rtm: {
      version: sources.rtmVersion,
      node_version: process.versions.node,
      uptime_s: Math.max(0, Math.floor((sources.now() - sources.startedAtMs) / 1000)),
    },
    postgres,
    redis,
    docker,
    ...(leadership ? { leadership } : {}),
    runtimes,
  };
}

const VERSION_TIMEOUT_MS = 2_000;

/** The diagnostics of a running RTM, over its own clients (wired by the composition root). */
export function diagnosticsOf(infra: Infrastructure, clock: Clock, leadership?: () => Promise<LeadershipDiagnostics>): () => Promise<DiagnosticsReport> {
  const postgres = new PostgresDiagnosticsQuery(infra.db);
  const sources: DiagnosticsSources = {
    rtmVersion: rtmVersion(),
    startedAtMs: clock.now().getTime(),
    now: () => clock.now().getTime(),
    versions: [postgres, new RedisVersionSource(infra.redis), new DockerVersionSource(infra.dockerClient, VERSION_TIMEOUT_MS)],
    countByStatus: () => postgres.countByStatus(),
    timeoutMs: VERSION_TIMEOUT_MS,
    ...(leadership ? { leadership } : {}),
  };
  return () => collectDiagnostics(sources);
}

/** The leadership part of the diagnostics: the stored lease and this instance's role. */
export function leadershipOf(leases: Pick<LeaderLeaseStore, 'read'>, instanceId: string, role: () => 'leader' | 'standby' | null): () => Promise<LeadershipDiagnostics> {
  return async () => {
    const lease = await leases.read();
    return {
      instance_id: instanceId,
      role: role() ?? 'standby',
      leader: lease === null ? null : { instance_id: lease.holder, epoch: lease.epoch, since: lease.acquiredAt.toISOString(), expires_at: lease.expiresAt.toISOString() },
    };
  };
}
