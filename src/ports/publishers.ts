import type { NOTIFICATION_INTENT_TYPES } from '../../generated/vocabularies.js';
import type { HealthEvent } from '../domain/health.js';
import type { ResultCode } from '../domain/error-codes.js';

/** The shape of the three publishers: one stream entry per message, each about one game. */
export interface StreamPublisher<M extends { gameId: string }> {
  /** Appends one entry and returns its id; rejects when the stream cannot be written (nothing appended). */
  publish(message: M): Promise<string>;
}

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

export type JobResultPublisher = StreamPublisher<JobResult>;

/**
 * The runtime:health_events stream alone. Producers do not call it: they record through the
 * health service, which also upserts the snapshot and counts the event.
 */
export type HealthEventPublisher = StreamPublisher<HealthEvent>;

/** One per message of notification:intents, generated from api/runtime-health-asyncapi.yaml. */
export type NotificationIntentType = (typeof NOTIFICATION_INTENT_TYPES)[number];

/**
 * Which jobs already have their result on runtime:job_results: a job replayed after its
 * consumer died between publishing the result and saving the offset (a SIGKILLed leader) is
 * not answered twice.
 */
export interface JobAnswerLedger {
  wasAnswered(jobKind: JobResult['jobKind'], jobId: string): Promise<boolean>;
}

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

export type NotificationIntentPublisher = StreamPublisher<NotificationIntent>;
