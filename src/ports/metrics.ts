import type { HealthEventType } from '../domain/health.js';
import type { OpKind, Outcome } from '../domain/operation.js';

/** What the services and workers report; the Prometheus adapter implements it. */
export interface Metrics {
  operationCompleted(opKind: OpKind, outcome: Outcome, durationSeconds: number): void;
  healthEventPublished(eventType: HealthEventType): void;
  /** A queued health event given up because the outage buffer was full. */
  healthEventDropped(eventType: HealthEventType): void;
  streamLag(consumer: string, lagSeconds: number): void;
  streamEntryRejected(consumer: string, reason: string): void;
  /** A Lobby job was called again after a retryable outcome (an outage, a busy lease) or a throw. */
  jobRetried(jobKind: 'start' | 'stop'): void;
}

export const noopMetrics: Metrics = {
  operationCompleted() {},
  healthEventPublished() {},
  healthEventDropped() {},
  streamLag() {},
  streamEntryRejected() {},
  jobRetried() {},
};
