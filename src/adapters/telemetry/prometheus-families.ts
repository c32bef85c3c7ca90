// The metric families RTM records into (the scrape-time gauges live with the adapter).
// Prometheus naming: base units (seconds), counters end in _total, a histogram's _count is
// its event count (HTTP requests and Docker calls are counted that way, not twice).
import { Counter, Gauge, Histogram, type Registry } from '@prometheus-io/client';

// Operations range from a replay no-op (ms) to an image pull (minutes).
const OPERATION_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
// REST answers are milliseconds (reads) to seconds (a start waits for Docker).
const HTTP_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// Docker calls: a ping (ms) to a stop with its grace period or a pull (minutes).
const DOCKER_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
// Worker rounds: an idle probe round (ms) to a reconcile of hundreds of games (minutes).
const WORKER_ROUND_BUCKETS = [0.005, 0.025, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export type MetricFamilies = ReturnType<typeof createMetricFamilies>;

/** The three family shapes, all registered on `registers`. */
function familyMakers(registers: Registry[]) {
  return {
    counter: <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Counter<L>({ name, help, labelNames, registers }),
    gauge: <L extends string>(name: string, help: string, labelNames: readonly L[] = []) => new Gauge<L>({ name, help, labelNames, registers }),
    histogram: <L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[]) =>
      new Histogram<L>({ name, help, labelNames, buckets, registers }),
  };
}

type Makers = ReturnType<typeof familyMakers>;

export function createMetricFamilies(registers: Registry[]) {
  const make = familyMakers(registers);
  return { ...operationFamilies(make), ...streamFamilies(make), ...dockerFamilies(make), ...workerFamilies(make), ...leadershipFamilies(make) };
}

function operationFamilies({ counter, histogram }: Makers) {
  return {
    operations: counter('rtmanager_operations_total', 'Lifecycle operations completed, by kind, source and outcome.', ['op_kind', 'op_source', 'outcome']),
    operationDuration: histogram(
      'rtmanager_operation_duration_seconds',
      'Duration of lifecycle operations, by kind and source.',
      ['op_kind', 'op_source'],
      OPERATION_DURATION_BUCKETS,
    ),
    operationFailures: counter(
      'rtmanager_operation_failures_total',
      'Operations that ended in failure, by kind, source and contract error code.',
      ['op_kind', 'op_source', 'error_code'],
    ),
    leaseConflicts: counter('rtmanager_lease_conflicts_total', 'Operations that found the per-game lease held by another operation, by op kind.', ['op_kind']),
    httpDuration: histogram(
      'rtmanager_http_request_duration_seconds',
      'Internal REST requests by method, route template and status code (its _count is the request count).',
      ['method', 'route', 'status_code'],
      HTTP_DURATION_BUCKETS,
    ),
  };
}

function streamFamilies({ counter, gauge }: Makers) {
  return {
    healthEvents: counter('rtmanager_health_events_total', 'Health events published to runtime:health_events, by type.', ['event_type']),
    droppedHealthEvents: counter(
      'rtmanager_health_events_dropped_total',
      'Health events given up during a store outage because the buffer was full, by type.',
      ['event_type'],
    ),
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
  };
}

function dockerFamilies({ counter, gauge, histogram }: Makers) {
  return {
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
    eventsConnected: gauge('rtmanager_docker_events_connected', '1 while the Docker events stream is connected, else 0.'),
    eventsReconnects: counter('rtmanager_docker_events_reconnects_total', 'Reconnect attempts of the Docker events stream after it broke or ended.'),
  };
}

function workerFamilies({ counter, gauge, histogram }: Makers) {
  return {
    reconcileActions: counter('rtmanager_reconcile_actions_total', 'Drift repairs made by reconcile, by kind (adopt, dispose, mark_stopped, ...).', ['kind']),
    workerInterval: gauge('rtmanager_worker_interval_seconds', 'Configured interval between the rounds of each periodic worker.', ['worker']),
    workerLastSuccess: gauge(
      'rtmanager_worker_last_success_timestamp_seconds',
      'Unix time of the last round of each periodic worker that completed without an error (its start time until then).',
      ['worker'],
    ),
    workerRoundDuration: histogram(
      'rtmanager_worker_round_duration_seconds',
      'Duration of the rounds of each periodic worker, by outcome (success, failure: the round threw).',
      ['worker', 'outcome'],
      WORKER_ROUND_BUCKETS,
    ),
  };
}

function leadershipFamilies({ counter, gauge }: Makers) {
  return {
    leader: gauge('rtmanager_leader', '1 while this instance is the leader (runs the job consumers and the singleton workers), 0 on a standby.'),
    leaderChanges: counter('rtmanager_leader_changes_total', 'Changes of role of this instance (standby to leader, leader to standby).'),
    duplicateInstanceId: gauge('rtmanager_duplicate_instance_id', '1 once this process found another live process with its RTMANAGER_INSTANCE_ID (instance ids must be unique).'),
  };
}
