// runtime:start_jobs entries (CONTRACT §6; api/runtime-jobs-asyncapi.yaml): game_id,
// image_ref, requested_at_ms. Extra fields are ignored, as the schema says.
import type { RuntimeStartJobPayload } from '../../../generated/models/runtime-jobs.js';
import { validateRuntimeStartJob } from '../../../generated/validators/index.js';
import { checkImageRef } from '../../domain/image-ref.js';
import type { StreamEntry } from '../../ports/stream-reader.js';
import type { DecodedEntry } from './decoded-entry.js';
import { decodeJobEntry } from './job-entry.decoder.js';

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
