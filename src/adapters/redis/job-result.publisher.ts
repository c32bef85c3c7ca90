// runtime:job_results (CONTRACT §6). Trimmed approximately to RTMANAGER_STREAM_MAXLEN_JOB_RESULTS,
// sized so that Lobby, down or lagging for a day at a busy rate, still finds every result
// when it resumes from its offset (docs/observability.md "Stream retention").
import type { Redis } from 'ioredis';
import { entryTimeMs } from '../../domain/stream-entry-id.js';
import type { RedisEpochFence } from './leader-epoch.fence.js';
import { appendEntry } from './stream-append.js';
import type { JobAnswerLedger, JobResult, JobResultPublisher } from '../../ports/publishers.js';

/** How long a job's answer is remembered for a replay (a replay comes from the last saved offset: seconds behind). */
const ANSWER_MEMORY_MS = 86_400_000;

export class RedisJobResultPublisher implements JobResultPublisher, JobAnswerLedger {
  constructor(
    private readonly redis: Redis,
    /** `config.streams.jobResults` (already prefixed). */
    readonly stream: string,
    /** Approximate cap on the stream's length (XADD MAXLEN ~); 0 = never trimmed. */
    private readonly maxLen = 0,
    /**
     * Inside a leader term, the XADD checks the term's epoch (leader-epoch.fence.ts); with
     * `answersKey`, each result is also marked there, in the same script, for wasAnswered.
     */
    private readonly fencing?: { epochFence: RedisEpochFence; answersKey: string },
  ) {}

  async publish(result: JobResult): Promise<string> {
    const fields = jobResultFields(result);
    if (!this.fencing) return appendEntry(this.redis, this.stream, this.maxLen, fields);
    const score = entryTimeMs(result.jobId) ?? result.completedAt.getTime();
    const ledger = { key: this.fencing.answersKey, member: answerMember(result.jobKind, result.jobId), score, keepFromScore: score - ANSWER_MEMORY_MS };
    return this.fencing.epochFence.appendAnswer(this.stream, this.maxLen, fields, ledger);
  }

  async wasAnswered(jobKind: JobResult['jobKind'], jobId: string): Promise<boolean> {
    if (!this.fencing) return false;
    return (await this.redis.zscore(this.fencing.answersKey, answerMember(jobKind, jobId))) !== null;
  }
}

function answerMember(jobKind: string, jobId: string): string {
  return `${jobKind}:${jobId}`;
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
