// runtime:start_jobs entries (CONTRACT §6): game_id, image_ref, requested_at_ms.
import { parseImageRef } from '../../domain/image-ref.js';
import type { StreamEntry } from '../../ports/stream-reader.js';
import type { DecodedEntry } from '../job-consumer/decoded-entry.js';
import { checkUnixMs, decodeJobEntry } from '../job-consumer/job-entry.decoder.js';
import type { JobFieldsCheck } from '../job-consumer/job-entry.decoder.js';
import { checkStartJobSchema } from './start-job.schema.js';

export interface StartJob {
  gameId: string;
  imageRef: string;
  requestedAt: Date;
}

const checkStartJob: JobFieldsCheck = (fields) => {
  const problems = checkStartJobSchema(fields);
  if (problems.length > 0) return problems;
  const imageRef = fields.image_ref ?? '';
  return [
    ...(parseImageRef(imageRef) === null ? [`image_ref ${JSON.stringify(imageRef.slice(0, 200))} is not a valid Docker image reference`] : []),
    ...checkUnixMs('requested_at_ms', fields.requested_at_ms),
  ];
};

export function decodeStartJob(entry: StreamEntry): DecodedEntry<StartJob> {
  return decodeJobEntry(entry, checkStartJob, (fields, gameId) => ({
    gameId,
    imageRef: fields.image_ref ?? '',
    requestedAt: new Date(Number(fields.requested_at_ms)),
  }));
}
