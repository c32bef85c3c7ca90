// Contract of the Metrics port (CONTRACT §10), run against the Prometheus adapter
// (prometheus.metrics.test.ts) and FakeMetrics (test/fakes/fakes.contract.test.ts). The
// port is write-only; each world reads back what its implementation holds.
import { describe, expect, it } from 'vitest';
import type { HealthEventType } from '../../../src/domain/health.js';
import type { OpKind, OpSource, Outcome } from '../../../src/domain/operation.js';
import type { CompletedOperation, Metrics } from '../../../src/ports/metrics.js';

/** A finished operation, tersely (source `lobby_stream` unless named). */
export function op(opKind: OpKind, outcome: Outcome, durationSeconds: number, errorCode: string | null = null, opSource: OpSource = 'lobby_stream'): CompletedOperation {
  return { opKind, opSource, outcome, durationSeconds, errorCode };
}

export interface MetricsReadout {
  operations(opKind: OpKind, outcome: Outcome): Promise<number>;
  /** Operations of a kind and source (any outcome). */
  operationsFrom(opKind: OpKind, opSource: OpSource): Promise<number>;
  durations(opKind: OpKind): Promise<{ count: number; sum: number }>;
  healthEvents(type: HealthEventType): Promise<number>;
  droppedHealthEvents(type: HealthEventType): Promise<number>;
  /** The lag as a scrape reads it now; undefined when the consumer never registered. */
  streamLag(consumer: string): Promise<number | undefined>;
  rejected(consumer: string, reason: string): Promise<number>;
  jobRetries(jobKind: 'start' | 'stop'): Promise<number>;
  operationFailures(opKind: OpKind, errorCode: string): Promise<number>;
  httpRequests(method: string, route: string, statusCode: number): Promise<{ count: number; sum: number }>;
  dockerCalls(operation: string): Promise<number>;
  dockerErrors(operation: string, reason: string): Promise<number>;
  /** 1 connected, 0 not; 0 before any report. */
  eventsConnected(): Promise<number>;
  eventsReconnects(): Promise<number>;
  reconcileActions(kind: string): Promise<number>;
  leaseConflicts(opKind: OpKind): Promise<number>;
  /** Undefined until the worker started. */
  workerInterval(worker: string): Promise<number | undefined>;
  workerLastSuccess(worker: string): Promise<number | undefined>;
  workerRounds(worker: string, outcome: 'success' | 'failure'): Promise<number>;
}

export interface MetricsWorld {
  metrics: Metrics;
  read: MetricsReadout;
}

export function describeMetricsContract(name: string, createWorld: () => MetricsWorld): void {
  describe(`Metrics contract: ${name}`, () => {
    it('counts operations by kind and outcome and observes their durations', async () => {
      const { metrics, read } = createWorld();
      metrics.operationCompleted(op('start', 'success', 0.5));
      metrics.operationCompleted(op('start', 'success', 1.5));
      metrics.operationCompleted(op('start', 'failure', 2));
      metrics.operationCompleted(op('stop', 'success', 0.25));
      expect(await read.operations('start', 'success')).toBe(2);
      expect(await read.operations('start', 'failure')).toBe(1);
      expect(await read.operations('stop', 'success')).toBe(1);
      expect(await read.operations('restart', 'success')).toBe(0);
      expect(await read.durations('start')).toEqual({ count: 3, sum: 4 });
    });

    it('tells operations apart by source', async () => {
      const { metrics, read } = createWorld();
      metrics.operationCompleted(op('stop', 'success', 0.1, null, 'gm_rest'));
      metrics.operationCompleted(op('stop', 'failure', 0.1, 'conflict', 'admin_rest'));
      metrics.operationCompleted(op('stop', 'success', 0.1, null, 'admin_rest'));
      expect(await read.operationsFrom('stop', 'gm_rest')).toBe(1);
      expect(await read.operationsFrom('stop', 'admin_rest')).toBe(2);
      expect(await read.operationsFrom('stop', 'lobby_stream')).toBe(0);
      expect(await read.operationFailures('stop', 'conflict')).toBe(1);
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

    it('reads each consumer\'s lag from its source at every read, never below zero; a new source replaces the old', async () => {
      const { metrics, read } = createWorld();
      expect(await read.streamLag('start_jobs')).toBeUndefined();
      let age = 3;
      metrics.observeStreamLag('start_jobs', () => age);
      metrics.observeStreamLag('stop_jobs', () => -2);
      expect(await read.streamLag('start_jobs')).toBe(3);
      age = 7.5;
      expect(await read.streamLag('start_jobs')).toBe(7.5);
      expect(await read.streamLag('stop_jobs')).toBe(0);
      metrics.observeStreamLag('start_jobs', () => 1);
      expect(await read.streamLag('start_jobs')).toBe(1);
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

    it('counts failures by kind and error code; successes and replays are not failures', async () => {
      const { metrics, read } = createWorld();
      metrics.operationCompleted(op('start', 'failure', 1, 'image_pull_failed'));
      metrics.operationCompleted(op('start', 'failure', 1, 'image_pull_failed'));
      metrics.operationCompleted(op('stop', 'failure', 1, 'docker_unavailable'));
      metrics.operationCompleted(op('start', 'success', 1, 'replay_no_op'));
      metrics.operationCompleted(op('start', 'success', 1));
      expect(await read.operationFailures('start', 'image_pull_failed')).toBe(2);
      expect(await read.operationFailures('stop', 'docker_unavailable')).toBe(1);
      expect(await read.operationFailures('start', 'replay_no_op')).toBe(0);
      expect(await read.operations('start', 'success')).toBe(2);
    });

    it('observes HTTP requests by method, route template and status', async () => {
      const { metrics, read } = createWorld();
      const route = '/api/v1/internal/runtimes/:game_id';
      metrics.httpRequestCompleted({ method: 'GET', route, statusCode: 200, durationSeconds: 0.25 });
      metrics.httpRequestCompleted({ method: 'GET', route, statusCode: 200, durationSeconds: 0.5 });
      metrics.httpRequestCompleted({ method: 'GET', route, statusCode: 404, durationSeconds: 0.125 });
      expect(await read.httpRequests('GET', route, 200)).toEqual({ count: 2, sum: 0.75 });
      expect(await read.httpRequests('GET', route, 404)).toEqual({ count: 1, sum: 0.125 });
      expect(await read.httpRequests('POST', route, 200)).toEqual({ count: 0, sum: 0 });
    });

    it('counts every Docker call and the failed ones by reason', async () => {
      const { metrics, read } = createWorld();
      metrics.dockerCallCompleted('container_create', 0.2, null);
      metrics.dockerCallCompleted('container_create', 0.1, 'conflict');
      metrics.dockerCallCompleted('ping', 2, 'unavailable');
      expect(await read.dockerCalls('container_create')).toBe(2);
      expect(await read.dockerCalls('ping')).toBe(1);
      expect(await read.dockerErrors('container_create', 'conflict')).toBe(1);
      expect(await read.dockerErrors('ping', 'unavailable')).toBe(1);
      expect(await read.dockerErrors('ping', 'conflict')).toBe(0);
    });

    it('reports the events stream state (0 until connected) and counts reconnects', async () => {
      const { metrics, read } = createWorld();
      expect(await read.eventsConnected()).toBe(0);
      metrics.dockerEventsConnected(true);
      expect(await read.eventsConnected()).toBe(1);
      metrics.dockerEventsConnected(false);
      metrics.dockerEventsReconnecting();
      metrics.dockerEventsReconnecting();
      expect(await read.eventsConnected()).toBe(0);
      expect(await read.eventsReconnects()).toBe(2);
    });

    it('counts reconcile actions by kind and lease conflicts by op kind', async () => {
      const { metrics, read } = createWorld();
      metrics.reconcileActionTaken('adopt');
      metrics.reconcileActionTaken('adopt');
      metrics.reconcileActionTaken('dispose');
      metrics.leaseConflict('start');
      expect(await read.reconcileActions('adopt')).toBe(2);
      expect(await read.reconcileActions('dispose')).toBe(1);
      expect(await read.reconcileActions('mark_stopped')).toBe(0);
      expect(await read.leaseConflicts('start')).toBe(1);
      expect(await read.leaseConflicts('stop')).toBe(0);
    });

    it('a successful reconcile operation is a reconcile action of its kind; a failed one is not', async () => {
      const { metrics, read } = createWorld();
      metrics.operationCompleted(op('reconcile_adopt', 'success', 0.1));
      metrics.operationCompleted(op('reconcile_mark_stopped', 'success', 0.1));
      metrics.operationCompleted(op('reconcile_dispose', 'failure', 0.1, 'internal_error'));
      metrics.operationCompleted(op('start', 'success', 0.1));
      expect(await read.reconcileActions('adopt')).toBe(1);
      expect(await read.reconcileActions('mark_stopped')).toBe(1);
      expect(await read.reconcileActions('dispose')).toBe(0);
      expect(await read.reconcileActions('start')).toBe(0);
    });

    it('keeps each periodic worker\'s interval and last success (its start until a round succeeds); failed rounds leave it', async () => {
      const { metrics, read } = createWorld();
      expect(await read.workerLastSuccess('reconciler')).toBeUndefined();
      metrics.workerStarted('reconciler', 60, 1_000);
      expect(await read.workerInterval('reconciler')).toBe(60);
      expect(await read.workerLastSuccess('reconciler')).toBe(1_000);
      metrics.workerRoundCompleted('reconciler', false, 0.5, 1_060);
      metrics.workerRoundCompleted('reconciler', false, 0.25, 1_120);
      expect(await read.workerLastSuccess('reconciler')).toBe(1_000);
      metrics.workerRoundCompleted('reconciler', true, 0.125, 1_180);
      expect(await read.workerLastSuccess('reconciler')).toBe(1_180);
      expect(await read.workerRounds('reconciler', 'failure')).toBe(2);
      expect(await read.workerRounds('reconciler', 'success')).toBe(1);
      expect(await read.workerLastSuccess('health-probe')).toBeUndefined();
      expect(await read.workerRounds('health-probe', 'success')).toBe(0);
    });

    it('forgets a stopped worker\'s last success and interval (a stopped worker is not stale)', async () => {
      const { metrics, read } = createWorld();
      metrics.workerStarted('reconciler', 60, 1_000);
      metrics.workerStarted('health-probe', 10, 1_000);
      metrics.workerStopped('reconciler');
      expect(await read.workerLastSuccess('reconciler')).toBeUndefined();
      expect(await read.workerInterval('reconciler')).toBeUndefined();
      expect(await read.workerLastSuccess('health-probe')).toBe(1_000);
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
