// RTM's lifecycle order (docs/runtime.md); the wiring is composition-root.ts:
//   migrations (before any listener) -> ports -> pipeline -> services -> triggers -> HTTP
//   listener -> the leader election; on the leader, the leader-only trigger group (blocking
//   startup reconcile, retried until Docker answers, then workers and consumers), per term,
//   inside the term's fence (docs/leader-election.md).
// Shutdown runs it backwards: stop taking work, let in-flight work finish, close clients.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { PostgresHealthCheck } from '../adapters/postgres/postgres-health.check.js';
import { RedisHealthCheck } from '../adapters/redis/redis-health.check.js';
import { buildInternalHttpServer } from '../api/internal-http.server.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { DockerRuntime } from '../ports/docker-runtime.js';
import { readBuildInfo, type BuildInfo } from './build-info.js';
import { Closers } from './closers.js';
import type { LeaderElectionService } from '../services/leadership/leader-election.service.js';
import { diagnosticsOf, leadershipOf } from './diagnostics.js';
import { createLeaderElection, roleOf } from './leadership.js';
import { compose } from './composition-root.js';
import type { RtmConfig } from './config.js';
import { openInfrastructure } from './infrastructure.js';
import { explainDockerTlsFailure } from './docker-tls.config.js';
import { listenAddress } from './listen-address.js';
import { ComponentHealth, dependencyChecks, evaluateReadiness, sharedCheck } from './readiness.js';
import { swarmHardeningCheck } from './swarm-hardening.js';
import type { TriggerGroup } from './trigger-group.js';

export interface RunningRtm {
  /** `http://host:port` the internal listener is bound to. */
  readonly address: string;
  /**
   * Resolves once the first election round ran and, when this instance became leader, its
   * startup reconcile has run and its workers/consumers are started.
   */
  readonly workersStarted: Promise<void>;
  /** Leader or standby, epoch, since when (/readyz, diagnostics, tests). */
  readonly election: Pick<LeaderElectionService, 'status'>;
  /** The leader-only triggers (job consumers, Docker events / probe / inspect / reconcile / cleanup workers), started as a whole. */
  readonly triggers: TriggerGroup;
  stop(): Promise<void>;
}

export interface RtmOverrides {
  clock?: Clock;
  /** Tests only: a Docker port in place of the daemon (e.g. the REST property tests). */
  docker?: DockerRuntime;
  /** The build the process reports (metrics); read from package.json and git when absent. */
  buildInfo?: BuildInfo;
}

/** Each readiness check at scrape time; within the adapter's whole-scrape deadline (READINESS_SCRAPE_DEADLINE_MS). */
const SCRAPE_CHECK_TIMEOUT_MS = 1_000;

/** With TLS, a refused handshake is explained (which certificate, which endpoint) in /readyz. */
function explainedDocker(docker: DockerRuntime, config: RtmConfig): Pick<DockerRuntime, 'ping' | 'networkExists'> {
  if (!config.docker.tls) return docker;
  return {
    ping: () => docker.ping().catch((err: unknown) => Promise.reject(explainDockerTlsFailure(err, config.docker.host))),
    networkExists: (name) => docker.networkExists(name),
  };
}

export async function startRtm(config: RtmConfig, logger: Logger, overrides: RtmOverrides = {}): Promise<RunningRtm> {
  const clock = overrides.clock ?? systemClock;
  const closers = new Closers(logger);
  try {
    const buildInfo = overrides.buildInfo ?? readBuildInfo();
    const opened = await openInfrastructure(config, logger, closers, buildInfo, overrides.docker);
    // A boot id per process: a new process with the id of a dead one takes over what it held.
    const identity = { instanceId: config.coordination.instanceId, bootId: randomUUID() };
    logger.info({ instance_id: identity.instanceId, boot_id: identity.bootId }, 'instance identity');
    const health = new ComponentHealth();
    const { ports, services, triggers } = compose({ infra: opened, config, clock, logger, closers, buildInfo, identity, onTriggersRunning: (members) => health.started(members) });
    const election = createLeaderElection({ ports, triggers, health, identity, config, logger });

    const postgres = new PostgresHealthCheck(opened.db);
    const dependencies = dependencyChecks({ postgres: () => postgres.check(), redis: new RedisHealthCheck(opened.redis), docker: explainedDocker(ports.docker, config), network: config.docker.network });
    // Swarm mode: not ready while the nodes' engines cannot express a row nobody waived (CONTRACT §11).
    const checks = [...dependencies, ...(opened.swarmHardening ? [swarmHardeningCheck(opened.swarmHardening)] : [])].map((c) => sharedCheck(c));
    // rtmanager_ready (every check) / rtmanager_dependency_up (the four dependencies), evaluated at each scrape (bounded).
    ports.metrics.exportPostgresPool(opened.postgresPool, config.postgres.poolMax);
    ports.metrics.exportReadiness(() => evaluateReadiness(checks, () => health.problems(), SCRAPE_CHECK_TIMEOUT_MS), dependencies.map((c) => c.name));
    const server = buildInternalHttpServer({
      logger,
      services,
      engineOutput: services.engineOutput,
      reads: ports.reads,
      operations: ports.operationLog,
      snapshots: ports.snapshots,
      apiTokens: config.auth.internalApiTokens,
      readiness: async () => ({ ...(await evaluateReadiness(checks, () => health.problems())), ...roleOf(election.status) }),
      diagnostics: diagnosticsOf({ ...opened, docker: ports.docker }, clock, leadershipOf(ports.leaderLease, identity.instanceId, () => election.status.role)),
      metrics: ports.metrics,
      httpMetrics: ports.metrics,
      events: ports.events,
      ...(opened.tracer ? { tracer: opened.tracer } : {}),
    });
    await server.listen({ host: config.listener.host, port: config.listener.port });
    closers.add(() => server.close());
    const address = listenAddress(server.server.address());
    logger.info({ address }, 'internal listener open');

    // The startup reconcile blocks the triggers (CONTRACT §8), not the listener: /readyz says "not ready" until it has completed.
    election.start();
    let stopped: Promise<void> | null = null;
    return {
      address,
      workersStarted: election.firstRound,
      triggers,
      election,
      stop: () => {
        // Stop taking work first (the leader-only triggers, REST), let in-flight work finish,
        // hand the leader lease back, then close the clients.
        stopped ??= Promise.all([election.stop(), server.close()]).then(() => closers.closeAll());
        return stopped;
      },
    };
  } catch (err) {
    await closers.closeAll();
    throw err;
  }
}

