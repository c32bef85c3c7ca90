// runtime:stop_jobs entries (CONTRACT §6): game_id, reason, requested_at_ms.
import type { StopReason } from '../../domain/operation.js';
import { STOP_REASONS } from '../../domain/operation.js';
import type { StreamEntry } from '../../ports/stream-reader.js';
import type { DecodedEntry } from '../job-consumer/decoded-entry.js';
import { checkUnixMs, decodeJobEntry } from '../job-consumer/job-entry.decoder.js';
import type { JobFieldsCheck } from '../job-consumer/job-entry.decoder.js';
import { checkStopJobSchema } from './stop-job.schema.js';

export interface StopJob {
  gameId: string;
  reason: StopReason;
  requestedAt: Date;
}

function isStopReason(value: string | undefined): value is StopReason {
  return (STOP_REASONS as readonly (string | undefined)[]).includes(value);
}

const checkStopJob: JobFieldsCheck = (fields) => {
  const problems = checkStopJobSchema(fields);
  if (problems.length > 0) return problems;
  return [
    ...(isStopReason(fields.reason) ? [] : [`reason ${JSON.stringify((fields.reason ?? '').slice(0, 40))} is not one of ${STOP_REASONS.join(', ')}`]),
    ...checkUnixMs('requested_at_ms', fields.requested_at_ms),
  ];
};

export function decodeStopJob(entry: StreamEntry): DecodedEntry<StopJob> {
  return decodeJobEntry(entry, checkStopJob, (fields, gameId) => ({
    gameId,
    reason: fields.reason as StopReason,
    requestedAt: new Date(Number(fields.requested_at_ms)),
  }));
}
