import type { HealthEvent } from '../domain/health.js';
import type { ResultCode } from '../domain/error-codes.js';

/** One entry of runtime:job_results (CONTRACT §6). */
export interface JobResult {
  gameId: string;
  jobKind: 'start' | 'stop';
  /** The source stream entry id. */
  jobId: string;
  outcome: 'success' | 'failure';
  errorCode: ResultCode | null;
  errorMessage: string | null;
  containerId: string | null;
  engineEndpoint: string | null;
  imageRef: string | null;
  completedAt: Date;
}

export interface JobResultPublisher {
  /** Returns the new stream entry id. */
  publish(result: JobResult): Promise<string>;
}

/**
 * The runtime:health_events stream alone. Producers do not call it: they record through the
 * health service, which also upserts the snapshot and counts the event.
 */
export interface HealthEventPublisher {
  /** Appends one entry; rejects when the stream cannot be written (nothing appended). */
  publish(event: HealthEvent): Promise<void>;
}

export const NOTIFICATION_INTENT_TYPES = [
  'runtime.image_pull_failed',
  'runtime.container_start_failed',
  'runtime.start_config_invalid',
] as const;
export type NotificationIntentType = (typeof NOTIFICATION_INTENT_TYPES)[number];

export interface NotificationIntent {
  intentType: NotificationIntentType;
  /** Dedupe key for the Notification Service. */
  idempotencyKey: string;
  gameId: string;
  imageRef: string;
  errorCode: string;
  errorMessage: string;
  attemptedAt: Date;
}

export interface NotificationIntentPublisher {
  publish(intent: NotificationIntent): Promise<void>;
}
