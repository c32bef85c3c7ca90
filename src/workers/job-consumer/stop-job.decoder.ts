// runtime:stop_jobs entries (CONTRACT §6; api/runtime-jobs-asyncapi.yaml): game_id, reason,
// requested_at_ms. Extra fields are ignored, as the schema says.
import { validateRuntimeStopJob } from '../../../generated/validators/index.js';
import type { StopReason } from '../../domain/operation.js';
import type { StreamEntry } from '../../ports/stream-reader.js';
import type { DecodedEntry } from './decoded-entry.js';
import { decodeJobEntry } from './job-entry.decoder.js';

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
