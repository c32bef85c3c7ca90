// Consumes runtime:start_jobs from Game Lobby (CONTRACT §6) and answers on runtime:job_results.
import type { OperationResult } from '../../domain/operation-result.js';
import type { OperationContext } from '../../services/operation-context.js';
import type { JobConsumerDeps, JobConsumerSettings } from './stream-job-consumer.js';
import { StreamJobConsumer } from './stream-job-consumer.js';
import type { StartJob } from './start-job.decoder.js';
import { decodeStartJob } from './start-job.decoder.js';

export const START_JOBS_CONSUMER_LABEL = 'start_jobs';

/** The part of StartRuntimeService this consumer uses; the input carries the operation context. */
export interface StartRuntime {
  execute(input: OperationContext & { gameId: string; imageRef: string; opSource: 'lobby_stream' }): Promise<OperationResult>;
}

export class StartJobsConsumer extends StreamJobConsumer<StartJob> {
  constructor(deps: JobConsumerDeps, service: StartRuntime, settings: JobConsumerSettings) {
    super(
      deps,
      {
        label: START_JOBS_CONSUMER_LABEL,
        jobKind: 'start',
        decode: decodeStartJob,
        execute: (job, attempt) =>
          service.execute({ gameId: job.gameId, imageRef: job.imageRef, opSource: 'lobby_stream', ...attempt }),
        requestedImageRef: (job) => job.imageRef,
      },
      settings,
    );
  }
}
