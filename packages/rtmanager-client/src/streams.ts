// `@galaxy/rtmanager-client/streams`: what Game Lobby and other stream producers/consumers need to
// talk to RTM over Redis Streams (CONTRACT §6): the stream names, the wire payload types
// (generated from api/*-asyncapi.yaml), their validators, and small encode/decode helpers
// between the flat string fields of a stream entry and typed values. No Redis client here:
// pass the fields to whatever client you use (`fieldsToArray` for XADD, `fieldsFromArray`
// for what XREAD/XRANGE return).
import type { ErrorObject } from 'ajv';
import type {
  HealthEventDetailsByType,
  HealthEventType,
  RuntimeAdminIntentPayload,
  RuntimeNotificationIntent,
} from '../../../generated/models/runtime-health.js';
import type {
  JobKind,
  JobOutcome,
  JobResultErrorCode,
  RuntimeStartJobPayload,
  RuntimeStopJobPayload,
  StopReason,
} from '../../../generated/models/runtime-jobs.js';
import {
  HEALTH_EVENT_DETAILS_VALIDATORS,
  NOTIFICATION_INTENT_VALIDATORS,
  validateRuntimeAdminIntentPayload,
  validateRuntimeHealthEvent,
  validateRuntimeJobResult,
  validateRuntimeStartJob,
  validateRuntimeStopJob,
} from '../../../generated/validators/index.js';

export type * from '../../../generated/models/runtime-jobs.js';
export type * from '../../../generated/models/runtime-health.js';
export {
  HEALTH_EVENT_DETAILS_VALIDATORS,
  NOTIFICATION_INTENT_VALIDATORS,
  validateHealthEventDetails,
  validateRuntimeAdminIntentPayload,
  validateRuntimeContainerStartFailedIntent,
  validateRuntimeHealthEvent,
  validateRuntimeImagePullFailedIntent,
  validateRuntimeJobResult,
  validateRuntimeStartConfigInvalidIntent,
  validateRuntimeStartJob,
  validateRuntimeStopJob,
  type ValidationError,
  type Validator,
} from '../../../generated/validators/index.js';

/** Stream names of CONTRACT §6, without a key prefix. */
export const RTM_STREAMS = {
  startJobs: 'runtime:start_jobs',
  stopJobs: 'runtime:stop_jobs',
  jobResults: 'runtime:job_results',
  healthEvents: 'runtime:health_events',
  notificationIntents: 'notification:intents',
} as const;

export type RtmStreamNames = { readonly [K in keyof typeof RTM_STREAMS]: string };

/** The names with the key prefix an RTM deployment uses (RTMANAGER_REDIS_KEY_PREFIX, default none). */
export function rtmStreams(keyPrefix = ''): RtmStreamNames {
  return {
    startJobs: `${keyPrefix}${RTM_STREAMS.startJobs}`,
    stopJobs: `${keyPrefix}${RTM_STREAMS.stopJobs}`,
    jobResults: `${keyPrefix}${RTM_STREAMS.jobResults}`,
    healthEvents: `${keyPrefix}${RTM_STREAMS.healthEvents}`,
    notificationIntents: `${keyPrefix}${RTM_STREAMS.notificationIntents}`,
  };
}

/** A stream entry's fields: flat strings, nested objects as one JSON string field. */
export type StreamFields = Record<string, string>;

/** `[k1, v1, k2, v2, ...]` (as ioredis returns an entry's fields) -> fields. */
export function fieldsFromArray(flat: readonly string[]): StreamFields {
  const fields: StreamFields = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}

/** Fields -> `[k1, v1, k2, v2, ...]`, e.g. `redis.xadd(stream, '*', ...fieldsToArray(fields))`. */
export function fieldsToArray<T extends { [K in keyof T]: string }>(fields: T): string[] {
  return Object.entries<string>(fields).flat();
}

/** A payload that does not match its AsyncAPI schema. */
export class StreamPayloadError extends Error {
  constructor(
    what: string,
    readonly errors: readonly ErrorObject[],
  ) {
    super(`${what}: ${describe(errors)}`);
    this.name = 'StreamPayloadError';
  }
}

function describe(errors: readonly ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return 'invalid';
  return errors
    .slice(0, 5)
    .map((e) => {
      const field = e.instancePath === '' ? 'entry' : e.instancePath.slice(1).replace(/\//g, '.');
      const extra = e.keyword === 'additionalProperties' ? ` (${String((e.params as { additionalProperty?: unknown }).additionalProperty)})` : '';
      return `${field} ${e.message ?? 'is invalid'}${extra}`;
    })
    .join('; ');
}

const toMs = (at: number | Date | undefined): string => String(at === undefined ? Date.now() : at instanceof Date ? at.getTime() : at);

/** A start job for `runtime:start_jobs`. Throws StreamPayloadError for a malformed job (bad game_id, empty image_ref). */
export function encodeStartJob(job: { game_id: string; image_ref: string; requested_at_ms?: number | Date }): RuntimeStartJobPayload {
  const fields = { game_id: job.game_id, image_ref: job.image_ref, requested_at_ms: toMs(job.requested_at_ms) };
  if (!validateRuntimeStartJob(fields)) throw new StreamPayloadError('start job', validateRuntimeStartJob.errors ?? []);
  return fields;
}

/** A stop job for `runtime:stop_jobs`. Throws StreamPayloadError for a malformed job (bad game_id or reason). */
export function encodeStopJob(job: { game_id: string; reason: StopReason; requested_at_ms?: number | Date }): RuntimeStopJobPayload {
  const fields = { game_id: job.game_id, reason: job.reason, requested_at_ms: toMs(job.requested_at_ms) };
  if (!validateRuntimeStopJob(fields)) throw new StreamPayloadError('stop job', validateRuntimeStopJob.errors ?? []);
  return fields;
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

const asFields = (entry: StreamFields | readonly string[]): StreamFields =>
  Array.isArray(entry) ? fieldsFromArray(entry as readonly string[]) : { ...(entry as StreamFields) };
const orNull = (s: string): string | null => (s === '' ? null : s);

/** A `runtime:job_results` entry, typed: empty wire strings are null, `_ms` fields numbers. */
export interface JobResult {
  game_id: string;
  job_kind: JobKind;
  /** Entry id of the job this answers, in runtime:start_jobs or runtime:stop_jobs. */
  job_id: string;
  outcome: JobOutcome;
  /** null on plain success; `replay_no_op` on an idempotent replay; the error code on failure. */
  error_code: Exclude<JobResultErrorCode, ''> | null;
  error_message: string | null;
  container_id: string | null;
  engine_endpoint: string | null;
  image_ref: string | null;
  completed_at_ms: number;
}

export function decodeJobResult(entry: StreamFields | readonly string[]): Decoded<JobResult> {
  const f = asFields(entry);
  if (!validateRuntimeJobResult(f)) return { ok: false, error: `job result: ${describe(validateRuntimeJobResult.errors)}` };
  return {
    ok: true,
    value: {
      game_id: f.game_id,
      job_kind: f.job_kind,
      job_id: f.job_id,
      outcome: f.outcome,
      error_code: f.error_code === '' ? null : f.error_code,
      error_message: orNull(f.error_message),
      container_id: orNull(f.container_id),
      engine_endpoint: orNull(f.engine_endpoint),
      image_ref: orNull(f.image_ref),
      completed_at_ms: Number(f.completed_at_ms),
    },
  };
}

/** A `runtime:health_events` entry with its `details` decoded and checked against the schema of its event_type. */
export type HealthEvent = {
  [K in HealthEventType]: {
    game_id: string;
    container_id: string;
    event_type: K;
    occurred_at_ms: number;
    details: HealthEventDetailsByType[K];
  };
}[HealthEventType];

export function decodeHealthEvent(entry: StreamFields | readonly string[]): Decoded<HealthEvent> {
  const f = asFields(entry);
  if (!validateRuntimeHealthEvent(f)) return { ok: false, error: `health event: ${describe(validateRuntimeHealthEvent.errors)}` };
  let details: unknown;
  try {
    details = JSON.parse(f.details);
  } catch {
    return { ok: false, error: 'health event: details is not valid JSON' };
  }
  const validator = HEALTH_EVENT_DETAILS_VALIDATORS[f.event_type];
  if (!validator(details)) return { ok: false, error: `health event ${f.event_type} details: ${describe(validator.errors)}` };
  return {
    ok: true,
    value: {
      game_id: f.game_id,
      container_id: f.container_id,
      event_type: f.event_type,
      occurred_at_ms: Number(f.occurred_at_ms),
      details,
    } as HealthEvent,
  };
}

/** A `notification:intents` entry RTM published, with its `payload` decoded. */
export type NotificationIntent = Omit<RuntimeNotificationIntent, 'payload'> & { payload: RuntimeAdminIntentPayload };

/** Decodes RTM's intents; entries of other producers (other intent_type) are `ok: false`. */
export function decodeNotificationIntent(entry: StreamFields | readonly string[]): Decoded<NotificationIntent> {
  const f = asFields(entry);
  const type = f.intent_type;
  const validator = type !== undefined && Object.hasOwn(NOTIFICATION_INTENT_VALIDATORS, type)
    ? NOTIFICATION_INTENT_VALIDATORS[type as keyof typeof NOTIFICATION_INTENT_VALIDATORS]
    : undefined;
  if (!validator) return { ok: false, error: `notification intent: intent_type ${JSON.stringify(type ?? null)} is not an RTM intent` };
  if (!validator(f)) return { ok: false, error: `notification intent: ${describe(validator.errors)}` };
  let payload: unknown;
  try {
    payload = JSON.parse(f.payload);
  } catch {
    return { ok: false, error: 'notification intent: payload is not valid JSON' };
  }
  if (!validateRuntimeAdminIntentPayload(payload))
    return { ok: false, error: `notification intent payload: ${describe(validateRuntimeAdminIntentPayload.errors)}` };
  return { ok: true, value: { ...f, payload } as NotificationIntent };
}
