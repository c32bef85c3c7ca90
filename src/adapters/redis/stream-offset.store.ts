// Last processed stream entry id per consumer label (CONTRACT §6), in one Redis hash
// `${prefix}rtmanager:stream_offsets` (field = consumer label): one key to inspect or reset
// (`HGETALL`, `HDEL`) for every consumer of an RTM deployment.
import type { Redis } from 'ioredis';
import type { RedisEpochFence } from './leader-epoch.fence.js';
import type { StreamOffsetStore } from '../../ports/stream-offset.store.js';

export class RedisStreamOffsetStore implements StreamOffsetStore {
  readonly key: string;

  constructor(
    private readonly redis: Redis,
    options: { keyPrefix: string },
    /** Inside a leader term, a save checks the term's epoch (leader-epoch.fence.ts). */
    private readonly epochFence?: RedisEpochFence,
  ) {
    this.key = `${options.keyPrefix}rtmanager:stream_offsets`;
  }

  async load(consumerLabel: string): Promise<string | null> {
    return this.redis.hget(this.key, consumerLabel);
  }

  async save(consumerLabel: string, entryId: string): Promise<void> {
    if (this.epochFence) await this.epochFence.hset(this.key, consumerLabel, entryId);
    else await this.redis.hset(this.key, consumerLabel, entryId);
  }
}
