import pg from 'pg';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PrometheusMetrics, READINESS_SCRAPE_DEADLINE_MS } from '../../../src/adapters/telemetry/prometheus.metrics.js';
import type { ReadinessReport } from '../../../src/ports/readiness-check.js';
import type { RuntimeStatus } from '../../../src/domain/runtime-record.js';
import { TEST_POSTGRES_URL } from '../../support/test-env.js';
import { describeMetricsContract, op } from './metrics.contract.js';

const silent = pino({ level: 'silent' });

function counts(running: number, stopped: number, removed: number): Record<RuntimeStatus, number> {
  return { running, stopped, removed };
}

describe('PrometheusMetrics', () => {
  it('renders every RTM metric family with the recorded values', async () => {
    const metrics = new PrometheusMetrics(async () => counts(3, 1, 0), silent);
    metrics.operationCompleted(op('start', 'success', 0.42));
    metrics.operationCompleted(op('start', 'failure', 1.5));
    metrics.operationCompleted(op('stop', 'success', 0.1));
    metrics.healthEventPublished('probe_failed');
    metrics.observeStreamLag('start_jobs', () => 2.5);
    metrics.streamEntryRejected('stop_jobs', 'missing_game_id');
    metrics.jobRetried('start');
    metrics.jobRetried('start');

    const { contentType, body } = await metrics.render();

    expect(contentType).toMatch(/^text\/plain/);
    expect(body).toContain('rtmanager_operations_total{op_kind="start",op_source="lobby_stream",outcome="success"} 1');
    expect(body).toContain('rtmanager_operations_total{op_kind="start",op_source="lobby_stream",outcome="failure"} 1');
    expect(body).toContain('rtmanager_operations_total{op_kind="stop",op_source="lobby_stream",outcome="success"} 1');
    expect(body).toContain('rtmanager_operation_duration_seconds_count{op_kind="start",op_source="lobby_stream"} 2');
    expect(body).toContain('rtmanager_operation_duration_seconds_bucket{le="0.5",op_kind="start",op_source="lobby_stream"} 1');
    expect(body).toContain('rtmanager_health_events_total{event_type="probe_failed"} 1');
    expect(body).toContain('rtmanager_stream_lag_seconds{consumer="start_jobs"} 2.5');
    expect(body).toContain('rtmanager_stream_entries_rejected_total{consumer="stop_jobs",reason="missing_game_id"} 1');
    expect(body).toContain('rtmanager_job_retries_total{job_kind="start"} 2');
    expect(body).toContain('rtmanager_runtimes{status="running"} 3');
    expect(body).toContain('rtmanager_runtimes{status="stopped"} 1');
    expect(body).toContain('rtmanager_runtimes{status="removed"} 0');
    // Default process metrics live on the same (own) registry.
    expect(body).toContain('process_cpu_user_seconds_total');
    expect(body).toContain('nodejs_heap_size_used_bytes');
  });

  it('reads the runtimes gauge from the injected counter at every scrape', async () => {
    let current = counts(1, 0, 0);
    let calls = 0;
    const metrics = new PrometheusMetrics(async () => {
      calls += 1;
      return current;
    }, silent, { defaultMetrics: false });

    expect((await metrics.render()).body).toContain('rtmanager_runtimes{status="running"} 1');
    current = counts(0, 2, 5);
    const body = (await metrics.render()).body;
    expect(body).toContain('rtmanager_runtimes{status="running"} 0');
    expect(body).toContain('rtmanager_runtimes{status="stopped"} 2');
    expect(body).toContain('rtmanager_runtimes{status="removed"} 5');
    expect(calls).toBe(2);
  });

  it('still renders when counting runtimes fails, keeping the last values', async () => {
    let fail = false;
    const metrics = new PrometheusMetrics(async () => {
      if (fail) throw new Error('database down');
      return counts(4, 0, 0);
    }, silent, { defaultMetrics: false });
    await metrics.render();
    fail = true;
    metrics.operationCompleted(op('patch', 'success', 0.3));

    const { body } = await metrics.render();

    expect(body).toContain('rtmanager_runtimes{status="running"} 4');
    expect(body).toContain('rtmanager_operations_total{op_kind="patch",op_source="lobby_stream",outcome="success"} 1');
  });

  it('reports a real PostgreSQL pool at scrape time: open, idle, waiting and its size', async () => {
    const pool = new pg.Pool({ connectionString: TEST_POSTGRES_URL, max: 2 });
    const metrics = new PrometheusMetrics(async () => counts(0, 0, 0), silent, { defaultMetrics: false });
    metrics.exportPostgresPool(pool, 2);
    try {
      const a = await pool.connect();
      const b = await pool.connect();
      const waiting = pool.query('SELECT 1'); // the pool is full: this one waits
      let body = (await metrics.render()).body;
      expect(body).toMatch(/^rtmanager_postgres_pool_connections 2$/m);
      expect(body).toMatch(/^rtmanager_postgres_pool_idle_connections 0$/m);
      expect(body).toMatch(/^rtmanager_postgres_pool_waiting_requests 1$/m);
      expect(body).toMatch(/^rtmanager_postgres_pool_max_connections 2$/m);
      a.release();
      await waiting;
      b.release();
      body = (await metrics.render()).body;
      expect(body).toMatch(/^rtmanager_postgres_pool_connections 2$/m);
      expect(body).toMatch(/^rtmanager_postgres_pool_idle_connections 2$/m);
      expect(body).toMatch(/^rtmanager_postgres_pool_waiting_requests 0$/m);
    } finally {
      await pool.end();
    }
  });

  it('fleet gauges: running limits against the Docker host, no per-game label; 0 until exported, last values kept when a read fails', async () => {
    const metrics = new PrometheusMetrics(async () => counts(0, 0, 0), silent, { defaultMetrics: false });
    expect((await metrics.render()).body).toMatch(/^rtmanager_fleet_memory_limit_bytes 0$/m);
    let fail = false;
    metrics.exportFleet(async () => {
      if (fail) throw new Error('PostgreSQL down');
      return { limits: { engines: 3, memoryBytes: 3 * 512 * 1024 ** 2, cpus: 2.5, withoutLimits: 1 }, host: { cpus: 4, memoryBytes: 16 * 1024 ** 3 } };
    });
    const read = async () => (await metrics.render()).body;
    let body = await read();
    expect(body).toMatch(/^rtmanager_fleet_memory_limit_bytes 1610612736$/m);
    expect(body).toMatch(/^rtmanager_fleet_cpu_limit_cpus 2\.5$/m);
    expect(body).toMatch(/^rtmanager_fleet_engines_unknown_limits 1$/m);
    expect(body).toMatch(/^rtmanager_docker_host_memory_bytes 17179869184$/m);
    expect(body).toMatch(/^rtmanager_docker_host_cpus 4$/m);
    expect(body).not.toMatch(/rtmanager_fleet_[a-z_]+\{/);
    fail = true;
    body = await read();
    expect(body).toMatch(/^rtmanager_fleet_memory_limit_bytes 1610612736$/m);
  });

  it('keeps instances independent (no shared global registry)', async () => {
    const a = new PrometheusMetrics(async () => counts(0, 0, 0), silent);
    const b = new PrometheusMetrics(async () => counts(0, 0, 0), silent);
    a.healthEventPublished('container_oom');

    expect((await a.render()).body).toContain('rtmanager_health_events_total{event_type="container_oom"} 1');
    expect((await b.render()).body).not.toContain('event_type="container_oom"');
  });

  it('exports build info and, at every scrape, readiness and each dependency from one evaluation', async () => {
    const metrics = new PrometheusMetrics(async () => counts(0, 0, 0), silent, { defaultMetrics: false, buildInfo: { version: '1.2.3', commit: 'abc123' } });
    expect((await metrics.render()).body).toContain('rtmanager_ready 0'); // nothing to evaluate yet: not ready
    let evaluations = 0;
    let report = { ready: true, checks: { postgres: { ok: true }, redis: { ok: true } } } as ReadinessReport;
    metrics.exportReadiness(async () => {
      evaluations += 1;
      return report;
    }, ['postgres', 'redis']);

    let body = (await metrics.render()).body;
    expect(body).toContain('rtmanager_build_info{version="1.2.3",commit="abc123"} 1');
    expect(body).toContain('rtmanager_ready 1');
    expect(body).toContain('rtmanager_dependency_up{dependency="postgres"} 1');
    expect(evaluations).toBe(1);

    report = { ready: false, checks: { postgres: { ok: true }, redis: { ok: false, error: 'ECONNREFUSED' } } };
    body = (await metrics.render()).body;
    expect(body).toContain('rtmanager_ready 0');
    expect(body).toContain('rtmanager_dependency_up{dependency="redis"} 0');
    expect(body).toContain('rtmanager_dependency_up{dependency="postgres"} 1');
    expect(evaluations).toBe(2);
  });

  it(`a readiness evaluation that hangs reads not ready after the scrape deadline (${READINESS_SCRAPE_DEADLINE_MS} ms)`, async () => {
    const metrics = new PrometheusMetrics(async () => counts(0, 0, 0), silent, { defaultMetrics: false });
    metrics.exportReadiness(() => new Promise(() => {}), ['docker']);
    // The scrape answers (the test's own timeout is far above READINESS_SCRAPE_DEADLINE_MS).
    const body = (await metrics.render()).body;
    expect(body).toContain('rtmanager_ready 0');
    expect(body).toContain('rtmanager_dependency_up{dependency="docker"} 0');
  });

  it('never reports a negative lag (producer clock ahead of ours)', async () => {
    const metrics = new PrometheusMetrics(async () => counts(0, 0, 0), silent, { defaultMetrics: false });
    metrics.observeStreamLag('stop_jobs', () => -0.3);
    expect((await metrics.render()).body).toContain('rtmanager_stream_lag_seconds{consumer="stop_jobs"} 0');
  });
});

/** Reads a value of the adapter's own registry, by metric name and (some of its) labels. */
async function valueOf(metrics: PrometheusMetrics, name: string, labels: Record<string, string>, metricName = name): Promise<number | undefined> {
  const metric = metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`metric ${name} is not registered`);
  const { values } = await metric.get();
  const wanted = values.filter(
    (v) => ((v as { metricName?: string }).metricName ?? name) === metricName && Object.entries(labels).every(([k, l]) => v.labels[k] === l),
  );
  // Label sets the caller does not name (op_source, ...) are summed over.
  return wanted.length === 0 ? undefined : wanted.reduce((sum, v) => sum + v.value, 0);
}

describeMetricsContract('PrometheusMetrics', () => {
  const metrics = new PrometheusMetrics(async () => counts(0, 0, 0), silent, { defaultMetrics: false });
  return {
    metrics,
    read: {
      operations: async (op_kind, outcome) => (await valueOf(metrics, 'rtmanager_operations_total', { op_kind, outcome })) ?? 0,
      operationsFrom: async (op_kind, op_source) => (await valueOf(metrics, 'rtmanager_operations_total', { op_kind, op_source })) ?? 0,
      durations: async (op_kind) => ({
        count: (await valueOf(metrics, 'rtmanager_operation_duration_seconds', { op_kind }, 'rtmanager_operation_duration_seconds_count')) ?? 0,
        sum: (await valueOf(metrics, 'rtmanager_operation_duration_seconds', { op_kind }, 'rtmanager_operation_duration_seconds_sum')) ?? 0,
      }),
      healthEvents: async (event_type) => (await valueOf(metrics, 'rtmanager_health_events_total', { event_type })) ?? 0,
      droppedHealthEvents: async (event_type) => (await valueOf(metrics, 'rtmanager_health_events_dropped_total', { event_type })) ?? 0,
      streamLag: (consumer) => valueOf(metrics, 'rtmanager_stream_lag_seconds', { consumer }),
      rejected: async (consumer, reason) => (await valueOf(metrics, 'rtmanager_stream_entries_rejected_total', { consumer, reason })) ?? 0,
      jobRetries: async (job_kind) => (await valueOf(metrics, 'rtmanager_job_retries_total', { job_kind })) ?? 0,
      operationFailures: async (op_kind, error_code) => (await valueOf(metrics, 'rtmanager_operation_failures_total', { op_kind, error_code })) ?? 0,
      httpRequests: async (method, route, status) => {
        const labels = { method, route, status_code: String(status) };
        const family = 'rtmanager_http_request_duration_seconds';
        return { count: (await valueOf(metrics, family, labels, `${family}_count`)) ?? 0, sum: (await valueOf(metrics, family, labels, `${family}_sum`)) ?? 0 };
      },
      dockerCalls: async (operation) =>
        (await valueOf(metrics, 'rtmanager_docker_api_request_duration_seconds', { operation }, 'rtmanager_docker_api_request_duration_seconds_count')) ?? 0,
      dockerErrors: async (operation, reason) => (await valueOf(metrics, 'rtmanager_docker_api_errors_total', { operation, reason })) ?? 0,
      eventsConnected: async () => (await valueOf(metrics, 'rtmanager_docker_events_connected', {})) ?? 0,
      eventsReconnects: async () => (await valueOf(metrics, 'rtmanager_docker_events_reconnects_total', {})) ?? 0,
      reconcileActions: async (kind) => (await valueOf(metrics, 'rtmanager_reconcile_actions_total', { kind })) ?? 0,
      leaseConflicts: async (op_kind) => (await valueOf(metrics, 'rtmanager_lease_conflicts_total', { op_kind })) ?? 0,
      workerInterval: (worker) => valueOf(metrics, 'rtmanager_worker_interval_seconds', { worker }),
      workerLastSuccess: (worker) => valueOf(metrics, 'rtmanager_worker_last_success_timestamp_seconds', { worker }),
      workerRounds: async (worker, outcome) =>
        (await valueOf(metrics, 'rtmanager_worker_round_duration_seconds', { worker, outcome }, 'rtmanager_worker_round_duration_seconds_count')) ?? 0,
    },
  };
});
