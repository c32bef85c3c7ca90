// The Redis half of fencing (docs/leader-election.md): the leader's epoch stored at
// `<prefix>rtmanager:leader_epoch`, raised by each new leader before its triggers start, and
// checked by a Lua script in the same call as every Redis write a leader makes because it is
// leader (job results, health events, stream offsets). A stale leader's write is rejected.
import type { Redis } from 'ioredis';
import { LeadershipLost, type FenceToken, type LeaderFence } from '../../ports/leader-fence.js';
import { classifyingRedisFaults } from './redis-fault.js';
import { xaddTrimArgs } from './stream-trim.js';

// Never lowered: a leader that finds a higher epoch than its own is already stale (0).
const ADVANCE_SCRIPT = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local mine = tonumber(ARGV[1])
if current > mine then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1`;

// KEYS: epoch, stream. ARGV: epoch, then the XADD arguments after the stream name.
const FENCED_XADD_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
return redis.call('XADD', KEYS[2], unpack(ARGV, 2))`;

// A job result and its mark in the answers ledger, in one script (fenced when ARGV[1] is set).
// KEYS: epoch, stream, ledger. ARGV: epoch or '', member, score, drop-below score, XADD args.
const ANSWER_SCRIPT = `
if ARGV[1] ~= '' and redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
local id = redis.call('XADD', KEYS[2], unpack(ARGV, 5))
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[4])
return id`;

// KEYS: epoch, hash. ARGV: epoch, field, value.
const FENCED_HSET_SCRIPT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return false end
return redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])`;

export class RedisEpochFence {
  readonly key: string;

  constructor(
    private readonly redis: Redis,
    options: { keyPrefix: string },
    private readonly fence: LeaderFence,
  ) {
    this.key = `${options.keyPrefix}rtmanager:leader_epoch`;
  }

  /** Stores a new leader's epoch; false when Redis already holds a higher one (we are stale). */
  async advance(epoch: number): Promise<boolean> {
    return (await classifyingRedisFaults(() => this.redis.eval(ADVANCE_SCRIPT, 1, this.key, String(epoch)))) === 1;
  }

  /** The stored epoch (diagnostics, tests); null before any leader stored one. */
  async stored(): Promise<number | null> {
    const v = await classifyingRedisFaults(() => this.redis.get(this.key));
    return v === null ? null : Number(v);
  }

  /** XADD (trimmed to `maxLen` approximately, 0 = never), fenced inside a leader term. */
  async append(stream: string, maxLen: number, fields: string[]): Promise<string> {
    const token = this.fence.current();
    const args = [...xaddTrimArgs(maxLen), '*', ...fields];
    if (!token) {
      const id = await this.redis.xadd(stream, ...args);
      if (id === null) throw new Error(`XADD ${stream} returned no entry id`);
      return id;
    }
    const id = (await this.redis.eval(FENCED_XADD_SCRIPT, 2, this.key, stream, String(token.epoch), ...args)) as string | null;
    if (id === null) throw this.rejected(token, `XADD ${stream}`);
    return id;
  }

  /**
   * XADD of a job result together with `member` in the sorted set `ledger` (score: the job's
   * entry time; members older than `keepFromScore` dropped): a replayed job finds its answer
   * there. Fenced inside a leader term.
   */
  async appendAnswer(stream: string, maxLen: number, fields: string[], ledger: { key: string; member: string; score: number; keepFromScore: number }): Promise<string> {
    const token = this.fence.current();
    const args = [...xaddTrimArgs(maxLen), '*', ...fields];
    const keys = [this.key, stream, ledger.key];
    const id = (await this.redis.eval(ANSWER_SCRIPT, 3, ...keys, token ? String(token.epoch) : '', ledger.member, String(ledger.score), String(ledger.keepFromScore), ...args)) as string | null;
    if (id === null) throw this.rejected(token as FenceToken, `XADD ${stream}`);
    return id;
  }

  /** HSET of one field, fenced inside a leader term. */
  async hset(hash: string, field: string, value: string): Promise<void> {
    const token = this.fence.current();
    if (!token) {
      await this.redis.hset(hash, field, value);
      return;
    }
    const reply = await this.redis.eval(FENCED_HSET_SCRIPT, 2, this.key, hash, String(token.epoch), field, value);
    if (reply === null) throw this.rejected(token, `HSET ${hash} ${field}`);
  }

  private rejected(token: FenceToken, what: string): LeadershipLost {
    const error = new LeadershipLost('redis', token.epoch, what);
    this.fence.rejected(error);
    return error;
  }
}
