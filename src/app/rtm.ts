// The one composition root: wiring and lifecycle order only (docs/runtime.md).
//   migrations (before any listener) -> adapters -> services -> workers -> HTTP listener
//   -> blocking startup reconcile (retried until Docker answers) -> workers and consumers.
// Shutdown runs it backwards: stop taking work, let in-flight work finish, close clients.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { PostgresHealthCheck } from '../adapters/postgres/postgres-health.check.js';
import { RedisHealthCheck } from '../adapters/redis/redis-health.check.js';
import { ObservedDockerRuntime } from '../adapters/telemetry/observed-docker-runtime.decorator.js';
import { buildInternalHttpServer } from '../api/internal-http.server.js';
import { systemClock, type Clock } from '../ports/clock.js';
import type { DockerRuntime } from '../ports/docker-runtime.js';
import type { BackgroundWorker } from '../workers/background-worker.js';
import type { ReconcilerWorker } from '../workers/reconciler/reconciler.worker.js';
import { readBuildInfo, type BuildInfo } from './build-info.js';
import { Closers } from './closers.js';
import { diagnosticsOf } from './diagnostics.js';
import { buildAdapters, buildConsumers, buildEngineOutput, buildServices, buildWorkers } from './components.js';
import type { RtmConfig } from './config.js';
import { openInfrastructure } from './infrastructure.js';
import { explainDockerTlsFailure } from './docker-tls.config.js';
import { listenAddress } from './listen-address.js';
import { ComponentHealth, dependencyChecks, evaluateReadiness, sharedCheck } from './readiness.js';
import { retryUntilDone } from './startup-retry.js';

export interface RunningRtm {
  /** `http://host:port` the internal listener is bound to. */
  readonly address: string;
  /** Resolves once the startup reconcile has run and workers/consumers are started. */
  readonly workersStarted: Promise<void>;
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
    const adapters = buildAdapters(opened, config, logger, closers, buildInfo, identity);
    // Every Docker call is measured (rtmanager_docker_api_*), the readiness checks' included, and traced under an RTM span.
    const infra = { ...opened, docker: new ObservedDockerRuntime(opened.docker, adapters.metrics) };
    const services = buildServices(infra, adapters, config, clock, logger);
    const { reconciler, workers } = buildWorkers(infra, adapters, services, config, clock, logger);
    const consumers = buildConsumers(infra, adapters, services, config, clock, logger);

    const health = new ComponentHealth();
    const postgres = new PostgresHealthCheck(infra.db);
    const checks = dependencyChecks({ postgres: () => postgres.check(), redis: new RedisHealthCheck(infra.redis), docker: explainedDocker(infra.docker, config), network: config.docker.network }).map(
      (c) => sharedCheck(c),
    );
    // rtmanager_ready / rtmanager_dependency_up, evaluated at each scrape (bounded).
    adapters.metrics.exportReadiness(() => evaluateReadiness(checks, () => health.problems(), SCRAPE_CHECK_TIMEOUT_MS), checks.map((c) => c.name));
    const server = buildInternalHttpServer({
      logger,
      services,
      engineOutput: buildEngineOutput(infra, adapters, config, clock),
      reads: adapters.reads,
      operations: adapters.operationLog,
      snapshots: adapters.snapshots,
      apiTokens: config.auth.internalApiTokens,
      readiness: () => evaluateReadiness(checks, () => health.problems()),
      diagnostics: diagnosticsOf(infra, clock),
      metrics: adapters.metrics,
      httpMetrics: adapters.metrics,
      ...(infra.tracer ? { tracer: infra.tracer } : {}),
    });
    await server.listen({ host: config.listener.host, port: config.listener.port });
    closers.add(() => server.close());
    const address = listenAddress(server.server.address());
    logger.info({ address }, 'internal listener open');

    const shutdown = new AbortController();
    const running: BackgroundWorker[] = [];
    const workersStarted = startAfterReconcile(reconciler, [...workers, ...consumers], { health, running, signal: shutdown.signal, logger });
    let stopped: Promise<void> | null = null;
    return {
      address,
      workersStarted,
      stop: () => {
        stopped ??= (async () => {
          shutdown.abort();
          // Stop taking work first (consumers, REST), let in-flight work finish, then the rest.
          await Promise.all([...consumers.filter((c) => running.includes(c)).map((c) => c.stop()), server.close()]);
          await Promise.all(workers.filter((w) => running.includes(w)).map((w) => w.stop()));
          await closers.closeAll();
        })();
        return stopped;
      },
    };
  } catch (err) {
    await closers.closeAll();
    throw err;
  }
}

/**
 * The startup reconcile blocks workers and consumers (CONTRACT §8), not the listener:
 * /readyz says "not ready" until it has completed. Then every worker starts.
 */
async function startAfterReconcile(
  reconciler: ReconcilerWorker,
  toStart: readonly BackgroundWorker[],
  ctx: { health: ComponentHealth; running: BackgroundWorker[]; signal: AbortSignal; logger: Logger },
): Promise<void> {
  const reconciled = await retryUntilDone('startup reconcile', () => reconciler.reconcileOnce({ startup: true }), { signal: ctx.signal, logger: ctx.logger });
  if (!reconciled.done) return;
  ctx.logger.info({ report: reconciled.value }, 'startup reconcile done');
  ctx.running.push(...toStart);
  ctx.health.started(ctx.running);
  for (const w of ctx.running) w.start();
  ctx.logger.info({ workers: ctx.running.map((w) => w.name) }, 'workers and consumers started');
}
