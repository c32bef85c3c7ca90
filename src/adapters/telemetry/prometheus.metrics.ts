// Prometheus implementation of the Metrics port (CONTRACT §10), on its own Registry so
// that two instances (tests, or an embedded RTM) never share or clash on global state.
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HealthEventType } from '../../domain/health.js';
import type { OpKind, Outcome } from '../../domain/operation.js';
import type { RuntimeStatus } from '../../domain/runtime-record.js';
import { RUNTIME_STATUSES } from '../../domain/runtime-record.js';
import type { Metrics } from '../../ports/metrics.js';

/** Read at scrape time (RuntimeRecordStore.countByStatus in production). */
export type RuntimeCounter = () => Promise<Record<RuntimeStatus, number>>;

export interface RenderedMetrics {
  contentType: string;
  body: string;
}

// Operations range from a replay no-op (ms) to an image pull (minutes).
const OPERATION_DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly operations: Counter<'op_kind' | 'outcome'>;
  private readonly operationDuration: Histogram<'op_kind'>;
  private readonly healthEvents: Counter<'event_type'>;
  private readonly droppedHealthEvents: Counter<'event_type'>;
  private readonly streamLagGauge: Gauge<'consumer'>;
  private readonly rejectedEntries: Counter<'consumer' | 'reason'>;
  private readonly jobRetries: Counter<'job_kind'>;

  constructor(countRuntimes: RuntimeCounter, logger: Logger, opts: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.operations = new Counter({
      name: 'rtmanager_operations_total',
      help: 'Lifecycle operations completed, by kind and outcome.',
      labelNames: ['op_kind', 'outcome'],
      registers,
    });
    this.operationDuration = new Histogram({
      name: 'rtmanager_operation_duration_seconds',
      help: 'Duration of lifecycle operations, by kind.',
      labelNames: ['op_kind'],
      buckets: OPERATION_DURATION_BUCKETS,
      registers,
    });
    this.healthEvents = new Counter({
      name: 'rtmanager_health_events_total',
      help: 'Health events published to runtime:health_events, by type.',
      labelNames: ['event_type'],
      registers,
    });
    this.droppedHealthEvents = new Counter({
      name: 'rtmanager_health_events_dropped_total',
      help: 'Health events given up during a store outage because the buffer was full, by type.',
      labelNames: ['event_type'],
      registers,
    });
    this.streamLagGauge = new Gauge({
      name: 'rtmanager_stream_lag_seconds',
      help: 'Age of the stream entry a consumer last started processing (now minus entry id time).',
      labelNames: ['consumer'],
      registers,
    });
    this.rejectedEntries = new Counter({
      name: 'rtmanager_stream_entries_rejected_total',
      help: 'Stream entries rejected without a job result (no readable game_id), by consumer and reason.',
      labelNames: ['consumer', 'reason'],
      registers,
    });
    this.jobRetries = new Counter({
      name: 'rtmanager_job_retries_total',
      help: 'Lobby jobs called again after a retryable outcome (dependency unreachable, lease busy) or a throw, by job kind.',
      labelNames: ['job_kind'],
      registers,
    });
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
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  operationCompleted(opKind: OpKind, outcome: Outcome, durationSeconds: number): void {
    this.operations.inc({ op_kind: opKind, outcome });
    this.operationDuration.observe({ op_kind: opKind }, durationSeconds);
  }

  healthEventPublished(eventType: HealthEventType): void {
    this.healthEvents.inc({ event_type: eventType });
  }

  healthEventDropped(eventType: HealthEventType): void {
    this.droppedHealthEvents.inc({ event_type: eventType });
  }

  streamLag(consumer: string, lagSeconds: number): void {
    this.streamLagGauge.set({ consumer }, Math.max(0, lagSeconds));
  }

  streamEntryRejected(consumer: string, reason: string): void {
    this.rejectedEntries.inc({ consumer, reason });
  }

  jobRetried(jobKind: 'start' | 'stop'): void {
    this.jobRetries.inc({ job_kind: jobKind });
  }

  /** Body and content type for the /metrics route. */
  async render(): Promise<RenderedMetrics> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
