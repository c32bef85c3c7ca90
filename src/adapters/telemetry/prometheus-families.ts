// The metric families RTM records into (the scrape-time gauges live with the adapter).
// Prometheus naming: base units (seconds), counters end in _total, a histogram's _count is
// its event count (HTTP requests and Docker calls are counted that way, not twice).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

// Operations range from a replay no-op (ms) to an image pull (minutes).
const OPERATION_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
// REST answers are milliseconds (reads) to seconds (a start waits for Docker).
const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// Docker calls: a ping (ms) to a stop with its grace period or a pull (minutes).
// Worker rounds: an idle probe round (ms) to a reconcile of hundreds of games (minutes).
const WORKER_ROUND_BUCKETS = [0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
const DOCKER_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export type MetricFamilies = ReturnType<typeof createMetricFamilies>;

export function createMetricFamilies(registers: Registry[]) {
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Counter<L>({ name, help, labelNames, registers });
  const histogram = <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) =>
    new Histogram<L>({ name, help, labelNames, buckets, registers });
  return {
    operations: counter('rtmanager_operations_total', 'Lifecycle operations completed, by kind and outcome.', ['op_kind', 'outcome']),
    operationDuration: histogram('rtmanager_operation_duration_seconds', 'Duration of lifecycle operations, by kind.', ['op_kind'], OPERATION_DURATION_BUCKETS),
    operationFailures: counter('rtmanager_operation_failures_total', 'Operations that ended in failure, by kind and contract error code.', ['op_kind', 'error_code']),
    healthEvents: counter('rtmanager_health_events_total', 'Health events published to runtime:health_events, by type.', ['event_type']),
    droppedHealthEvents: counter(
      'rtmanager_health_events_dropped_total',
      'Health events given up during a store outage because the buffer was full, by type.',
      ['event_type'],
    ),
    streamLag: new Gauge<'consumer'>({
      name: 'rtmanager_stream_lag_seconds',
      help: 'Age of the stream entry a consumer last started processing (now minus entry id time).',
      labelNames: ['consumer'],
      registers,
    }),
    rejectedEntries: counter(
      'rtmanager_stream_entries_rejected_total',
      'Stream entries rejected without a job result (no readable game_id), by consumer and reason.',
      ['consumer', 'reason'],
    ),
    jobRetries: counter(
      'rtmanager_job_retries_total',
      'Lobby jobs called again after a retryable outcome (dependency unreachable, lease busy) or a throw, by job kind.',
      ['job_kind'],
    ),
    httpDuration: histogram(
      'rtmanager_http_request_duration_seconds',
      'Internal REST requests by method, route template and status code (its _count is the request count).',
      ['method', 'route', 'status_code'],
      HTTP_DURATION_BUCKETS,
    ),
    dockerDuration: histogram(
      'rtmanager_docker_api_request_duration_seconds',
      'Docker API calls by operation, successful or not (its _count is the call count).',
      ['operation'],
      DOCKER_DURATION_BUCKETS,
    ),
    dockerErrors: counter('rtmanager_docker_api_errors_total', 'Docker API calls that failed, by operation and reason (unavailable, not_found, conflict, failed).', [
      'operation',
      'reason',
    ]),
    eventsConnected: new Gauge({ name: 'rtmanager_docker_events_connected', help: '1 while the Docker events stream is connected, else 0.', registers }),
    eventsReconnects: new Counter({ name: 'rtmanager_docker_events_reconnects_total', help: 'Reconnect attempts of the Docker events stream after it broke or ended.', registers }),
    reconcileActions: counter('rtmanager_reconcile_actions_total', 'Drift repairs made by reconcile, by kind (adopt, dispose, mark_stopped, ...).', ['kind']),
    workerInterval: new Gauge<'worker'>({
      name: 'rtmanager_worker_interval_seconds',
      help: 'Configured interval between the rounds of each periodic worker.',
      labelNames: ['worker'],
      registers,
    }),
    workerLastSuccess: new Gauge<'worker'>({
      name: 'rtmanager_worker_last_success_timestamp_seconds',
      help: 'Unix time of the last round of each periodic worker that completed without an error (its start time until then).',
      labelNames: ['worker'],
      registers,
    }),
    workerRoundDuration: histogram(
      'rtmanager_worker_round_duration_seconds',
      'Duration of the rounds of each periodic worker, by outcome (success, failure: the round threw).',
      ['worker', 'outcome'],
      WORKER_ROUND_BUCKETS,
    ),
    leaseConflicts: counter('rtmanager_lease_conflicts_total', 'Operations that found the per-game lease held by another operation, by op kind.', ['op_kind']),
  };
}
