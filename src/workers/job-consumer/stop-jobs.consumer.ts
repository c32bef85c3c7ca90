// Consumes runtime:stop_jobs from Game Lobby (CONTRACT §6) and answers on runtime:job_results.
import type { StopReason } from '../../domain/operation.js';
import type { OperationResult } from '../../domain/operation-result.js';
import type { OperationContext } from '../../services/operation-context.js';
import type { JobConsumerDeps, JobConsumerSettings } from './stream-job-consumer.js';
import { StreamJobConsumer } from './stream-job-consumer.js';
import type { StopJob } from './stop-job.decoder.js';
import { decodeStopJob } from './stop-job.decoder.js';

export const STOP_JOBS_CONSUMER_LABEL = 'stop_jobs';

/** The part of StopRuntimeService this consumer uses; the input carries the operation context. */
export interface StopRuntime {
  execute(input: OperationContext & { gameId: string; reason: StopReason; opSource: 'lobby_stream' }): Promise<OperationResult>;
}

export class StopJobsConsumer extends StreamJobConsumer<StopJob> {
  constructor(deps: JobConsumerDeps, service: StopRuntime, settings: JobConsumerSettings) {
    super(
      deps,
      {
        label: STOP_JOBS_CONSUMER_LABEL,
        jobKind: 'stop',
        decode: decodeStopJob,
        execute: (job, attempt) =>
          service.execute({ gameId: job.gameId, reason: job.reason, opSource: 'lobby_stream', ...attempt }),
        // A stop job names no image: the result's image_ref comes from the record only.
        requestedImageRef: () => null,
      },
      settings,
    );
  }
}
