// The two Lobby job consumers (CONTRACT §6): one generic StreamJobConsumer, two configs.
// Each entry goes through the same steps before its service is called (decodeJobEntry): a
// readable game_id first (without one there is nobody to answer), then its validity, then
// the generated AsyncAPI validator, each failure naming the problem for the result's
// error_message. A game_id that can be read but is invalid is answered (invalid_request,
// echoing it) so Lobby hears about every job it sent; only a missing, empty or absurdly long
// one is a counted rejection. Extra fields are ignored, as the schemas say.
import type { RuntimeStartJobPayload } from '../../../generated/models/runtime-jobs.js';
import { validateRuntimeStartJob, validateRuntimeStopJob, type Validator } from '../../../generated/validators/index.js';
import { checkGameId } from '../../domain/game-id.js';
import { checkImageRef } from '../../domain/image-ref.js';
import type { StopReason } from '../../domain/operation.js';
import type { OperationResult } from '../../domain/operation-result.js';
import { schemaRefusal } from '../../domain/schema-violation.js';
import type { StreamEntry } from '../../ports/stream-reader.js';
import type { OperationContext } from '../../services/operation-context.js';
import type { DecodedEntry, JobConsumerDefinition } from './stream-job-consumer.js';

/** Longer ids are not echoed into job_results: nobody produced them as a game id. */
const MAX_ECHOED_GAME_ID_LENGTH = 256;

/** A schema-valid payload may still fail a check the schema cannot express. */
export type BuiltJob<J> = { ok: true; job: J } | { ok: false; problem: string };

export function decodeJobEntry<P, J>(
  entry: StreamEntry,
  validate: Validator<P>,
  build: (payload: P) => BuiltJob<J>,
): DecodedEntry<J> {
  const raw: string | undefined = entry.fields.game_id;
  if (raw === undefined || raw === '') return { kind: 'rejected', reason: 'missing_game_id', message: 'the entry has no game_id' };
  if (raw.length > MAX_ECHOED_GAME_ID_LENGTH) {
    const shown = JSON.stringify(raw.slice(0, 80));
    return { kind: 'rejected', reason: 'invalid_game_id', message: `game_id ${shown}… (${raw.length} chars) is not a game id` };
  }
  const checked = checkGameId(raw);
  if (!checked.ok) return { kind: 'invalid', gameId: raw, message: `malformed job: ${checked.refusal.message}` };
  const gameId = checked.value;
  // A repeated field is ambiguous (which value did the producer mean?): refuse to guess.
  if (entry.duplicateFields.length > 0) {
    return { kind: 'invalid', gameId, message: `malformed job: fields given more than once: ${entry.duplicateFields.join(', ')}` };
  }
  const fields: unknown = entry.fields;
  if (!validate(fields)) {
    return { kind: 'invalid', gameId, message: `malformed job: ${schemaRefusal('entry', validate.errors).message}` };
  }
  const built = build(fields);
  if (!built.ok) return { kind: 'invalid', gameId, message: `malformed job: ${built.problem}` };
  return { kind: 'job', gameId, job: built.job };
}

// runtime:start_jobs (api/runtime-jobs-asyncapi.yaml): game_id, image_ref, requested_at_ms.
export interface StartJob {
  gameId: string;
  imageRef: string;
}

export function decodeStartJob(entry: StreamEntry): DecodedEntry<StartJob> {
  return decodeJobEntry<RuntimeStartJobPayload, StartJob>(entry, validateRuntimeStartJob, (payload) => {
    // The schema only bounds the length; the reference grammar is checked here so a bad
    // reference is answered before any lease or Docker call.
    const imageRef = checkImageRef(payload.image_ref);
    return imageRef.ok ? { ok: true, job: { gameId: payload.game_id, imageRef: payload.image_ref } } : { ok: false, problem: imageRef.refusal.message };
  });
}

// runtime:stop_jobs: game_id, reason, requested_at_ms.
export interface StopJob {
  gameId: string;
  reason: StopReason;
}

export function decodeStopJob(entry: StreamEntry): DecodedEntry<StopJob> {
  return decodeJobEntry(entry, validateRuntimeStopJob, (payload) => ({
    ok: true,
    job: { gameId: payload.game_id, reason: payload.reason },
  }));
}

export const START_JOBS_CONSUMER_LABEL = 'start_jobs';
export const STOP_JOBS_CONSUMER_LABEL = 'stop_jobs';

/** The part of StartRuntimeService the start consumer uses; the input carries the operation context. */
export interface StartRuntime {
  execute(input: OperationContext & { gameId: string; imageRef: string; opSource: 'lobby_stream' }): Promise<OperationResult>;
}

/** The part of StopRuntimeService the stop consumer uses. */
export interface StopRuntime {
  execute(input: OperationContext & { gameId: string; reason: StopReason; opSource: 'lobby_stream' }): Promise<OperationResult>;
}

/** runtime:start_jobs -> StartRuntimeService (the consumer: `new StreamJobConsumer(deps, startJobs(service), settings)`). */
export function startJobs(service: StartRuntime): JobConsumerDefinition<StartJob> {
  return {
    label: START_JOBS_CONSUMER_LABEL,
    jobKind: 'start',
    decode: decodeStartJob,
    execute: (job, attempt) => service.execute({ gameId: job.gameId, imageRef: job.imageRef, opSource: 'lobby_stream', ...attempt }),
    requestedImageRef: (job) => job.imageRef,
  };
}

/** runtime:stop_jobs -> StopRuntimeService. */
export function stopJobs(service: StopRuntime): JobConsumerDefinition<StopJob> {
  return {
    label: STOP_JOBS_CONSUMER_LABEL,
    jobKind: 'stop',
    decode: decodeStopJob,
    execute: (job, attempt) => service.execute({ gameId: job.gameId, reason: job.reason, opSource: 'lobby_stream', ...attempt }),
    // A stop job names no image: the result's image_ref comes from the record only.
    requestedImageRef: () => null,
  };
}
