import type { HealthEventType } from '../domain/health.js';
import type { OpKind, OpSource, Outcome } from '../domain/operation.js';

/** One finished operation (one `operation_log` outer row). */
export interface CompletedOperation {
  opKind: OpKind;
  /** Who asked: `lobby_stream`, `gm_rest`, `admin_rest`, `auto_ttl`, `auto_reconcile`. */
  opSource: OpSource;
  outcome: Outcome;
  durationSeconds: number;
  /** The result's code; failures are counted by it. */
  errorCode?: string | null;
}

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
  /** Failures are counted by `errorCode`; reconcile_* successes are also reconcile actions. */
  operationCompleted(operation: CompletedOperation): void;
  healthEventPublished(eventType: HealthEventType): void;
  /** A queued health event given up because the outage buffer was full. */
  healthEventDropped(eventType: HealthEventType): void;
  /**
   * The consumer's lag, read at each scrape: `ageSeconds` answers how old the oldest entry
   * it has not answered yet is (0 when none waits). Registering a consumer again replaces it.
   */
  observeStreamLag(consumer: string, ageSeconds: () => number): void;
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
  /** The worker stopped (shutdown, or another instance took over): it no longer reports a last success. */
  workerStopped(worker: string): void;
}

/** What the leader election reports (docs/leader-election.md). */
export interface LeadershipMetrics {
  /** rtmanager_leader: 1 on the leader, 0 on a standby. */
  leaderRole(leader: boolean): void;
  /** rtmanager_leader_changes_total: one per change of role. */
  leaderChanged(): void;
  /** rtmanager_duplicate_instance_id: another live process has this instance id. */
  duplicateInstanceId(): void;
}

/** What a periodic worker reports about its rounds. */
export type WorkerRoundMetrics = Pick<Metrics, 'workerStarted' | 'workerRoundCompleted' | 'workerStopped'>;

/** Reports nothing. Test recorders extend it and override what they record. */
export class NoopMetrics implements Metrics {
  operationCompleted(_operation: CompletedOperation): void {}
  healthEventPublished(_eventType: HealthEventType): void {}
  healthEventDropped(_eventType: HealthEventType): void {}
  observeStreamLag(_consumer: string, _ageSeconds: () => number): void {}
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
  workerStopped(_worker: string): void {}
}

/** A plain object (spreadable: `{ ...noopMetrics, jobRetried }`), unlike a class instance. */
export const noopMetrics: Metrics = {
  operationCompleted() {},
  healthEventPublished() {},
  healthEventDropped() {},
  observeStreamLag() {},
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
  workerStopped() {},
};
