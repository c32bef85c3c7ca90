// What a job consumer is made of: what distinguishes the start and stop consumers
// (definition), the ports it uses (deps) and its knobs (settings).
import type { Logger } from 'pino';
import type { OperationResult } from '../../domain/operation-result.js';
import type { Clock } from '../../ports/clock.js';
import type { Metrics } from '../../ports/metrics.js';
import type { JobResult, JobAnswerLedger, JobResultPublisher } from '../../ports/publishers.js';
import type { StreamOffsetStore } from '../../ports/stream-offset.store.js';
import type { StreamEntry, StreamReader } from '../../ports/stream-reader.js';
import type { BackoffSettings } from '../../timing/backoff.policy.js';
import type { DecodedEntry } from './decoded-entry.js';
import type { JobAttempt } from './job-retry.policy.js';

export interface JobConsumerDefinition<J> {
  /** Consumer label: the offset key and the `consumer` metric label (e.g. `start_jobs`). */
  label: string;
  jobKind: JobResult['jobKind'];
  decode(entry: StreamEntry): DecodedEntry<J>;
  /** Calls the service with the attempt's operation context; a throw is a bug (job-retry.policy.ts). */
  execute(job: J, attempt: JobAttempt): Promise<OperationResult>;
  /** image_ref for the result when the operation returned no record. */
  requestedImageRef(job: J): string | null;
}

/** The part of a span the consumer annotates. */
export interface JobSpan {
  setAttribute(key: string, value: string): unknown;
}

/** The job a span is about: its stream entry id and game. */
export interface TracedJob {
  messageId: string;
  gameId: string;
  jobKind: JobResult['jobKind'];
}

/** Runs `fn` inside the job's CONSUMER span (the composition root passes the telemetry adapter's). */
export type TraceJob = <T>(job: TracedJob, fn: (span: JobSpan) => Promise<T>) => Promise<T>;

export interface JobConsumerDeps {
  reader: StreamReader;
  offsets: StreamOffsetStore;
  results: JobResultPublisher;
  /** Jobs already answered (a replay after a crash between publish and offset save); none when absent. */
  answers?: JobAnswerLedger;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  /** No tracing unless given. */
  traceJob?: TraceJob;
}

export interface JobConsumerSettings {
  stream: string;
  blockMs: number;
  batchSize: number;
  /** Jobs for different games in flight at once. */
  concurrency: number;
  /** How long stop() waits for in-flight jobs before abandoning them (they replay later). */
  shutdownTimeoutMs: number;
  /** Pacing of every retry: infrastructure faults (read, publish, offset) and retryable results. */
  backoff?: BackoffSettings;
  /** RTMANAGER_JOB_MAX_AGE: a job older than this is answered with its next outcome; null/absent = never. */
  maxAgeMs?: number | null;
  /** Service throws tolerated per job before it is answered internal_error. */
  maxThrows?: number;
}

export const DEFAULT_RETRY_BACKOFF: BackoffSettings = { initialMs: 250, maxMs: 5_000 };
export const DEFAULT_MAX_THROWS = 5;
