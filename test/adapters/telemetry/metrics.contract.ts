// Contract of the Metrics port (CONTRACT §10), run against the Prometheus adapter
// (prometheus.metrics.test.ts) and FakeMetrics (test/fakes/fakes.contract.test.ts). The
// port is write-only; each world reads back what its implementation holds.
import { describe, expect, it } from 'vitest';
import type { HealthEventType } from '../../../src/domain/health.js';
import type { OpKind, Outcome } from '../../../src/domain/operation.js';
import type { Metrics } from '../../../src/ports/metrics.js';

export interface MetricsReadout {
  operations(opKind: OpKind, outcome: Outcome): Promise<number>;
  durations(opKind: OpKind): Promise<{ count: number; sum: number }>;
  healthEvents(type: HealthEventType): Promise<number>;
  droppedHealthEvents(type: HealthEventType): Promise<number>;
  /** Last value set, undefined when never set. */
  streamLag(consumer: string): Promise<number | undefined>;
  rejected(consumer: string, reason: string): Promise<number>;
  jobRetries(jobKind: 'start' | 'stop'): Promise<number>;
}

export interface MetricsWorld {
  metrics: Metrics;
  read: MetricsReadout;
}

export function describeMetricsContract(name: string, createWorld: () => MetricsWorld): void {
  describe(`Metrics contract: ${name}`, () => {
    it('counts operations by kind and outcome and observes their durations', async () => {
      const { metrics, read } = createWorld();
      metrics.operationCompleted('start', 'success', 0.5);
      metrics.operationCompleted('start', 'success', 1.5);
      metrics.operationCompleted('start', 'failure', 2);
      metrics.operationCompleted('stop', 'success', 0.25);
      expect(await read.operations('start', 'success')).toBe(2);
      expect(await read.operations('start', 'failure')).toBe(1);
      expect(await read.operations('stop', 'success')).toBe(1);
      expect(await read.operations('restart', 'success')).toBe(0);
      expect(await read.durations('start')).toEqual({ count: 3, sum: 4 });
    });

    it('counts published and dropped health events apart, by type', async () => {
      const { metrics, read } = createWorld();
      metrics.healthEventPublished('container_exited');
      metrics.healthEventPublished('container_exited');
      metrics.healthEventPublished('probe_failed');
      metrics.healthEventDropped('container_oom');
      expect(await read.healthEvents('container_exited')).toBe(2);
      expect(await read.healthEvents('probe_failed')).toBe(1);
      expect(await read.healthEvents('container_oom')).toBe(0);
      expect(await read.droppedHealthEvents('container_oom')).toBe(1);
      expect(await read.droppedHealthEvents('container_exited')).toBe(0);
    });

    it('keeps the last stream lag per consumer, never below zero', async () => {
      const { metrics, read } = createWorld();
      expect(await read.streamLag('start_jobs')).toBeUndefined();
      metrics.streamLag('start_jobs', 3);
      metrics.streamLag('start_jobs', 1.5);
      metrics.streamLag('stop_jobs', -2);
      expect(await read.streamLag('start_jobs')).toBe(1.5);
      expect(await read.streamLag('stop_jobs')).toBe(0);
    });

    it('counts rejected entries by consumer and reason', async () => {
      const { metrics, read } = createWorld();
      metrics.streamEntryRejected('start_jobs', 'missing_game_id');
      metrics.streamEntryRejected('start_jobs', 'missing_game_id');
      metrics.streamEntryRejected('stop_jobs', 'missing_game_id');
      expect(await read.rejected('start_jobs', 'missing_game_id')).toBe(2);
      expect(await read.rejected('stop_jobs', 'missing_game_id')).toBe(1);
      expect(await read.rejected('stop_jobs', 'other')).toBe(0);
    });

    it('counts job retries by job kind', async () => {
      const { metrics, read } = createWorld();
      metrics.jobRetried('start');
      metrics.jobRetried('start');
      metrics.jobRetried('stop');
      expect(await read.jobRetries('start')).toBe(2);
      expect(await read.jobRetries('stop')).toBe(1);
    });

    it('two instances share nothing', async () => {
      const a = createWorld();
      const b = createWorld();
      a.metrics.healthEventPublished('container_started');
      expect(await a.read.healthEvents('container_started')).toBe(1);
      expect(await b.read.healthEvents('container_started')).toBe(0);
    });
  });
}
