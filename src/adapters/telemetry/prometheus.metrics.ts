// Prometheus implementation of the Metrics port (CONTRACT §10), on its own Registry so
// that two instances (tests, or an embedded RTM) never share or clash on global state.
// Families, labels and meaning: docs/observability.md (deploy/ alerts and dashboard use them).
import type { Logger } from 'pino';
import { Gauge, Registry, collectDefaultMetrics } from '@prometheus-io/client';
import type { HealthEventType } from '../../domain/health.js';
import type { OpKind, Outcome } from '../../domain/operation.js';
import type { RuntimeStatus } from '../../domain/runtime-record.js';
import { RUNTIME_STATUSES } from '../../domain/runtime-record.js';
import type { BuildInfo } from '../../ports/diagnostics.js';
import type { CompletedOperation, HttpRequestObservation, LeadershipMetrics, Metrics, ReconcileActionKind } from '../../ports/metrics.js';
import type { ReadinessReport } from '../../ports/readiness-check.js';
import { withDeadline } from '../../timing/deadline.js';
import { reconcileActionOf } from '../../ports/metrics.js';
import { registerFleetGauges, type FleetFigures } from './fleet-gauges.js';
import { createMetricFamilies, type MetricFamilies } from './prometheus-families.js';

/** Read at scrape time (RuntimeRecordStore.countByStatus in production). */
export type RuntimeCounter = () => Promise<Record<RuntimeStatus, number>>;

export interface RenderedMetrics {
  contentType: string;
  body: string;
}

export interface PrometheusMetricsOptions {
  /** Node process metrics (process_*, nodejs_*); default on. */
  defaultMetrics?: boolean;
  /** Exported as rtmanager_build_info{version,commit} 1. */
  buildInfo?: BuildInfo;
}

/** What pg.Pool counts (a pg.Pool is one), read at scrape time. */
export interface PostgresPoolCounts {
  /** Connections open (idle or checked out). */
  readonly totalCount: number;
  readonly idleCount: number;
  /** Queries waiting for a connection (the pool is at its max). */
  readonly waitingCount: number;
}

/** A scrape must answer well within Prometheus' 10 s scrape timeout, whatever a dependency does. */
export const READINESS_SCRAPE_DEADLINE_MS = 1_500;

export class PrometheusMetrics implements Metrics, LeadershipMetrics {
  readonly registry = new Registry();
  private readonly families: MetricFamilies;
  /** By consumer: the age of its oldest unanswered entry, read at scrape time. */
  private readonly streamLags = new Map<string, () => number>();
  private postgresPool: { counts: PostgresPoolCounts; max: number } | null = null;
  private fleet: (() => Promise<FleetFigures>) | null = null;
  private readiness: { evaluate: () => Promise<ReadinessReport>; dependencies: readonly string[] } | null = null;
  /** One readiness evaluation per scrape, shared by the two gauges that read it. */
  private readinessInFlight: Promise<ReadinessReport | null> | null = null;

  constructor(countRuntimes: RuntimeCounter, logger: Logger, opts: PrometheusMetricsOptions = {}) {
    const registers = [this.registry];
    this.families = createMetricFamilies(registers);
    new Gauge({
      name: 'rtmanager_runtimes',
      help: 'Runtime records by status, read from PostgreSQL at scrape time.',
      labelNames: ['status'],
      registers,
      async collect() {
        let counts: Record<RuntimeStatus, number>;
        try {
          counts = await countRuntimes();
        } catch (err) {
          // A database hiccup must not take the whole /metrics page down: keep the last values.
          logger.warn({ err }, 'runtimes gauge: counting records by status failed');
          return;
        }
        // Every status is always exported, so a status that drops to zero reads 0, not stale.
        for (const status of RUNTIME_STATUSES) this.set({ status }, counts[status] ?? 0);
      },
    });
    const scrapeReadiness = () => this.scrapeReadiness();
    new Gauge({
      name: 'rtmanager_ready',
      help: '1 when /readyz would answer 200 (dependencies up, startup reconcile done, workers healthy), evaluated at scrape time.',
      registers,
      async collect() {
        const report = await scrapeReadiness();
        this.set(report?.ready ? 1 : 0);
      },
    });
    const dependencies = () => this.readiness?.dependencies ?? [];
    new Gauge({
      name: 'rtmanager_dependency_up',
      help: '1 when the dependency answers its readiness check (postgres, redis, docker, network), evaluated at scrape time.',
      labelNames: ['dependency'],
      registers,
      async collect() {
        const report = await scrapeReadiness();
        for (const dependency of dependencies()) this.set({ dependency }, report?.checks[dependency]?.ok ? 1 : 0);
      },
    });
    this.registerStreamLagGauge(registers);
    this.registerPoolGauges(registers);
    registerFleetGauges(registers, () => this.fleet, logger);
    if (opts.buildInfo) {
      new Gauge({ name: 'rtmanager_build_info', help: 'Always 1; the labels say which build runs.', labelNames: ['version', 'commit'], registers }).set(
        { version: opts.buildInfo.version, commit: opts.buildInfo.commit },
        1,
      );
    }
    // The event loop utilization sampler (new in @prometheus-io/client) runs for the process's
    // life: once a second, not the default 10 times, on a service that is mostly idle.
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, eventLoopUtilizationTimeout: 1_000 });
  }

  /** rtmanager_stream_lag_seconds: each consumer's oldest unanswered entry, aged at scrape time. */
  private registerStreamLagGauge(registers: Registry[]): void {
    const streamLags = this.streamLags;
    new Gauge({
      name: 'rtmanager_stream_lag_seconds',
      help: 'Age of the oldest stream entry a consumer has not answered yet (now minus its entry id time), at scrape time; 0 when none waits.',
      labelNames: ['consumer'],
      registers,
      collect() {
        for (const [consumer, age] of streamLags) this.set({ consumer }, Math.max(0, age()));
      },
    });
  }

  /**
   * The readiness the ready/dependency gauges report. Until set they read 0 (not ready).
   * Each scrape evaluates it once, bounded by READINESS_SCRAPE_DEADLINE_MS (then: not ready).
   */
  exportReadiness(evaluate: () => Promise<ReadinessReport>, dependencies: readonly string[]): void {
    this.readiness = { evaluate, dependencies };
  }

  leaderRole(leader: boolean): void {
    this.families.leader.set(leader ? 1 : 0);
  }

  leaderChanged(): void {
    this.families.leaderChanges.inc();
  }

  duplicateInstanceId(): void {
    this.families.duplicateInstanceId.set(1);
  }

  /** The pool the PostgreSQL gauges report (`max`: its configured size); until set they read 0. */
  exportPostgresPool(counts: PostgresPoolCounts, max: number): void {
    this.postgresPool = { counts, max };
  }

  /** What the fleet gauges report (running limits, the Docker host); until set they read 0. */
  exportFleet(read: () => Promise<FleetFigures>): void {
    this.fleet = read;
  }

  operationCompleted({ opKind, opSource, outcome, durationSeconds, errorCode }: CompletedOperation): void {
    this.families.operations.inc({ op_kind: opKind, op_source: opSource, outcome });
    this.families.operationDuration.observe({ op_kind: opKind, op_source: opSource }, durationSeconds);
    if (outcome === 'failure') this.families.operationFailures.inc({ op_kind: opKind, op_source: opSource, error_code: errorCode ?? 'unknown' });
    const reconcileKind = reconcileActionOf(opKind, outcome);
    if (reconcileKind !== null) this.reconcileActionTaken(reconcileKind);
  }

  healthEventPublished(eventType: HealthEventType): void {
    this.families.healthEvents.inc({ event_type: eventType });
  }

  healthEventDropped(eventType: HealthEventType): void {
    this.families.droppedHealthEvents.inc({ event_type: eventType });
  }

  observeStreamLag(consumer: string, ageSeconds: () => number): void {
    this.streamLags.set(consumer, ageSeconds);
  }

  streamEntryRejected(consumer: string, reason: string): void {
    this.families.rejectedEntries.inc({ consumer, reason });
  }

  jobRetried(jobKind: 'start' | 'stop'): void {
    this.families.jobRetries.inc({ job_kind: jobKind });
  }

  httpRequestCompleted(r: HttpRequestObservation): void {
    this.families.httpDuration.observe({ method: r.method, route: r.route, status_code: String(r.statusCode) }, r.durationSeconds);
  }

  dockerCallCompleted(operation: string, durationSeconds: number, errorReason: string | null): void {
    this.families.dockerDuration.observe({ operation }, durationSeconds);
    if (errorReason !== null) this.families.dockerErrors.inc({ operation, reason: errorReason });
  }

  dockerEventsConnected(connected: boolean): void {
    this.families.eventsConnected.set(connected ? 1 : 0);
  }

  dockerEventsReconnecting(): void {
    this.families.eventsReconnects.inc();
  }

  reconcileActionTaken(kind: ReconcileActionKind): void {
    this.families.reconcileActions.inc({ kind });
  }

  leaseConflict(opKind: OpKind): void {
    this.families.leaseConflicts.inc({ op_kind: opKind });
  }

  workerStarted(worker: string, intervalSeconds: number, atSeconds: number): void {
    this.families.workerInterval.set({ worker }, intervalSeconds);
    this.families.workerLastSuccess.set({ worker }, atSeconds);
  }

  workerRoundCompleted(worker: string, ok: boolean, durationSeconds: number, atSeconds: number): void {
    this.families.workerRoundDuration.observe({ worker, outcome: ok ? 'success' : 'failure' }, durationSeconds);
    if (ok) this.families.workerLastSuccess.set({ worker }, atSeconds);
  }

  workerStopped(worker: string): void {
    // A stopped worker is not a stale one: its series go away (and with them any alert).
    this.families.workerLastSuccess.remove({ worker });
    this.families.workerInterval.remove({ worker });
  }

  /** Body and content type for the /metrics route. */
  async render(): Promise<RenderedMetrics> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private registerPoolGauges(registers: Registry[]): void {
    const pool = () => this.postgresPool;
    const gauge = (name: string, help: string, read: (p: { counts: PostgresPoolCounts; max: number }) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const p = pool();
          if (p !== null) this.set(read(p));
        },
      });
    gauge('rtmanager_postgres_pool_connections', 'PostgreSQL connections open in the pool (idle or in use), at scrape time.', (p) => p.counts.totalCount);
    gauge('rtmanager_postgres_pool_idle_connections', 'PostgreSQL connections open and idle in the pool, at scrape time.', (p) => p.counts.idleCount);
    gauge('rtmanager_postgres_pool_waiting_requests', 'Queries waiting for a PostgreSQL connection (the pool is at its max), at scrape time.', (p) => p.counts.waitingCount);
    gauge('rtmanager_postgres_pool_max_connections', 'Configured size of the PostgreSQL pool (RTMANAGER_POSTGRES_POOL_MAX).', (p) => p.max);
  }

  private scrapeReadiness(): Promise<ReadinessReport | null> {
    const readiness = this.readiness;
    if (readiness === null) return Promise.resolve(null);
    this.readinessInFlight ??= withDeadline(readiness.evaluate(), READINESS_SCRAPE_DEADLINE_MS, () => new Error('readiness deadline'))
      .catch(() => null)
      .finally(() => {
        this.readinessInFlight = null;
      });
    return this.readinessInFlight;
  }
}
