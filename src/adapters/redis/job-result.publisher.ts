// runtime:job_results (CONTRACT §6). Trimmed approximately to RTMANAGER_STREAM_MAXLEN_JOB_RESULTS,
// sized so that Lobby, down or lagging for a day at a busy rate, still finds every result
// when it resumes from its offset (docs/observability.md "Stream retention").
import type { Redis } from 'ioredis';
import type { RedisEpochFence } from './leader-epoch.fence.js';
import { appendEntry } from './stream-append.js';
import type { JobResult, JobResultPublisher } from '../../ports/publishers.js';

export class RedisJobResultPublisher implements JobResultPublisher {
  constructor(
    private readonly redis: Redis,
    /** `config.streams.jobResults` (already prefixed). */
    readonly stream: string,
    /** Approximate cap on the stream's length (XADD MAXLEN ~); 0 = never trimmed. */
    private readonly maxLen = 0,
    /** Inside a leader term, the XADD checks the term's epoch (leader-epoch.fence.ts). */
    private readonly epochFence?: RedisEpochFence,
  ) {}

  async publish(result: JobResult): Promise<string> {
    const fields = jobResultFields(result);
    return this.epochFence ? this.epochFence.append(this.stream, this.maxLen, fields) : appendEntry(this.redis, this.stream, this.maxLen, fields);
  }
}

/** Flat wire fields, in the contract's order; absent values are empty strings. */
export function jobResultFields(r: JobResult): string[] {
  return [
    'game_id', r.gameId,
    'job_kind', r.jobKind,
    'job_id', r.jobId,
    'outcome', r.outcome,
    'error_code', r.errorCode ?? '',
    'error_message', r.errorMessage ?? '',
    'container_id', r.containerId ?? '',
    'engine_endpoint', r.engineEndpoint ?? '',
    'image_ref', r.imageRef ?? '',
    'completed_at_ms', String(r.completedAt.getTime()),
  ];
}
