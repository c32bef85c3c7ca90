import type { HealthEventType } from '../domain/health.js';
import type { OpKind, Outcome } from '../domain/operation.js';

/** One answered REST request; `route` is the route template (`/api/v1/internal/runtimes/:game_id`). */
export interface HttpRequestObservation {
  method: string;
  /** The matched route template, or `unmatched` (never the raw URL: it would explode cardinality). */
  route: string;
  statusCode: number;
  durationSeconds: number;
}

/** What a reconcile pass did to one game (the `kind` label of rtmanager_reconcile_actions_total). */
export type ReconcileActionKind = string;

/**
 * A successful reconcile operation (op_kind reconcile_adopt / _dispose / _mark_stopped) is a
 * reconcile action of kind adopt / dispose / mark_stopped: operationCompleted counts it, so
 * every recorder of reconcile operations feeds the metric. reconcileActionTaken is for repairs
 * that are not operations of their own.
 */
export function reconcileActionOf(opKind: OpKind, outcome: Outcome): ReconcileActionKind | null {
  return outcome === 'success' && opKind.startsWith('reconcile_') ? opKind.slice('reconcile_'.length) : null;
}

/**
 * What the services and workers report; the Prometheus adapter implements it. Names and
 * labels of the exported families: docs/observability.md.
 */
export interface Metrics {
  /** `errorCode` is the result's code (failures only are counted by code); reconcile_* successes are also reconcile actions. */
  operationCompleted(opKind: OpKind, outcome: Outcome, durationSeconds: number, errorCode?: string | null): void;
  healthEventPublished(eventType: HealthEventType): void;
  /** A queued health event given up because the outage buffer was full. */
  healthEventDropped(eventType: HealthEventType): void;
  streamLag(consumer: string, lagSeconds: number): void;
  streamEntryRejected(consumer: string, reason: string): void;
  /** A Lobby job was called again after a retryable outcome (an outage, a busy lease) or a throw. */
  jobRetried(jobKind: 'start' | 'stop'): void;
  httpRequestCompleted(request: HttpRequestObservation): void;
  /** One Docker API call; `errorReason` is null on success, else the DockerError kind (or `other`). */
  dockerCallCompleted(operation: string, durationSeconds: number, errorReason: string | null): void;
  /** The Docker events stream connected (true) or broke / ended (false). */
  dockerEventsConnected(connected: boolean): void;
  /** The events worker is connecting again after the stream broke. */
  dockerEventsReconnecting(): void;
  reconcileActionTaken(kind: ReconcileActionKind): void;
  /** An operation found the game's lease held by someone else. */
  leaseConflict(opKind: OpKind): void;
  /**
   * A periodic worker started: a round every `intervalSeconds`. Its last success counts from
   * `atSeconds` (Unix time), so a worker that never succeeds still goes stale.
   */
  workerStarted(worker: string, intervalSeconds: number, atSeconds: number): void;
  /** One round of a periodic worker ended (`ok` false: it threw), at `atSeconds` (Unix time). */
  workerRoundCompleted(worker: string, ok: boolean, durationSeconds: number, atSeconds: number): void;
}

/** What a periodic worker reports about its rounds. */
export type WorkerRoundMetrics = Pick<Metrics, 'workerStarted' | 'workerRoundCompleted'>;

/** Reports nothing. Test recorders extend it and override what they record. */
export class NoopMetrics implements Metrics {
  operationCompleted(_opKind: OpKind, _outcome: Outcome, _durationSeconds: number, _errorCode?: string | null): void {}
  healthEventPublished(_eventType: HealthEventType): void {}
  healthEventDropped(_eventType: HealthEventType): void {}
  streamLag(_consumer: string, _lagSeconds: number): void {}
  streamEntryRejected(_consumer: string, _reason: string): void {}
  jobRetried(_jobKind: 'start' | 'stop'): void {}
  httpRequestCompleted(_request: HttpRequestObservation): void {}
  dockerCallCompleted(_operation: string, _durationSeconds: number, _errorReason: string | null): void {}
  dockerEventsConnected(_connected: boolean): void {}
  dockerEventsReconnecting(): void {}
  reconcileActionTaken(_kind: ReconcileActionKind): void {}
  leaseConflict(_opKind: OpKind): void {}
  workerStarted(_worker: string, _intervalSeconds: number, _atSeconds: number): void {}
  workerRoundCompleted(_worker: string, _ok: boolean, _durationSeconds: number, _atSeconds: number): void {}
}

/** A plain object (spreadable: `{ ...noopMetrics, jobRetried }`), unlike a class instance. */
export const noopMetrics: Metrics = {
  operationCompleted() {},
  healthEventPublished() {},
  healthEventDropped() {},
  streamLag() {},
  streamEntryRejected() {},
  jobRetried() {},
  httpRequestCompleted() {},
  dockerCallCompleted() {},
  dockerEventsConnected() {},
  dockerEventsReconnecting() {},
  reconcileActionTaken() {},
  leaseConflict() {},
  workerStarted() {},
  workerRoundCompleted() {},
};
