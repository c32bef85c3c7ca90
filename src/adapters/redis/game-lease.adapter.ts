// Per-game lease in Redis (CONTRACT §4): one key per game holding the holder's random
// token, set with NX + PX and renewed in the background while held. Renew and release are
// compare-and-act Lua scripts, so a holder whose lease lapsed can never extend or delete
// the lease a newer holder took. An unreachable Redis is a DependencyUnavailable.
// With a holder identity, a token reads `<instance id>/<boot id>/<random>`, and a lease still
// held by another boot of our own instance id is taken over at once: that process is dead
// (instance ids are unique among live processes), so a restarted RTM repairs its games
// without waiting for the TTL (docs/leader-election.md).
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { GameLease, GameLeases } from '../../ports/game-lease.js';
import { classifyingRedisFaults } from './redis-fault.js';

const RENEW_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

// ARGV: token, ttl, '<instance id>/', '<instance id>/<boot id>/'. 1 = acquired, {2, old} = taken over.
const ACQUIRE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
if string.sub(current, 1, #ARGV[3]) == ARGV[3] and string.sub(current, 1, #ARGV[4]) ~= ARGV[4] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {2, current}
end
return 0`;

const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

export interface RedisGameLeasesOptions {
  /** `config.redis.keyPrefix`. */
  keyPrefix: string;
  /** `config.coordination.leaseTtlMs`. */
  ttlMs: number;
  /**
   * Renewal cadence; default ttl/3 (two more tries before the lease could lapse).
   * null disables renewal: only tests use it, to play a holder that died.
   */
  renewEveryMs?: number | null;
  /** This process (RTMANAGER_INSTANCE_ID and its boot id): tokens name it, and its dead incarnations' leases are taken over. */
  holder?: { instanceId: string; bootId: string };
}

export class RedisGameLeases implements GameLeases {
  private readonly renewEveryMs: number | null;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisGameLeasesOptions,
    private readonly logger: Logger,
  ) {
    if (!(options.ttlMs > 0)) throw new Error(`lease ttl must be positive, got ${options.ttlMs}`);
    this.renewEveryMs = options.renewEveryMs === undefined ? Math.max(1, Math.floor(options.ttlMs / 3)) : options.renewEveryMs;
  }

  keyFor(gameId: string): string {
    return `${this.options.keyPrefix}rtmanager:lease:${gameId}`;
  }

  async tryAcquire(gameId: string): Promise<GameLease | null> {
    const key = this.keyFor(gameId);
    const { holder } = this.options;
    const token = holder ? `${holder.instanceId}/${holder.bootId}/${randomUUID()}` : randomUUID();
    const sentAt = Date.now();
    if (holder) {
      if (!(await this.acquireAsIncarnation(gameId, key, token, holder))) return null;
    } else {
      const reply = await classifyingRedisFaults(() => this.redis.set(key, token, 'PX', this.options.ttlMs, 'NX'));
      if (reply !== 'OK') return null;
    }
    const lease = new RedisGameLease(
      this.redis,
      key,
      gameId,
      token,
      this.options.ttlMs,
      sentAt + this.options.ttlMs,
      this.logger.child({ game_id: gameId }),
    );
    if (this.renewEveryMs !== null) lease.startRenewal(this.renewEveryMs);
    return lease;
  }

  private async acquireAsIncarnation(gameId: string, key: string, token: string, holder: { instanceId: string; bootId: string }): Promise<boolean> {
    const ours = `${holder.instanceId}/`;
    const reply = await classifyingRedisFaults(() => this.redis.eval(ACQUIRE_SCRIPT, 1, key, token, String(this.options.ttlMs), ours, `${ours}${holder.bootId}/`));
    if (Array.isArray(reply)) {
      const previous = String(reply[1]);
      this.logger.warn({ game_id: gameId, previous_boot_id: previous.slice(ours.length).split('/')[0] }, 'took over a per-game lease of a previous incarnation of this instance');
    }
    return reply !== 0;
  }
}

class RedisGameLease implements GameLease {
  /** Latest moment we know Redis still holds our token (measured from when the command was sent). */
  private validUntil: number;
  private lost = false;
  private released = false;
  private timer: NodeJS.Timeout | null = null;
  private releasing: Promise<void> | null = null;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    readonly gameId: string,
    readonly token: string,
    private readonly ttlMs: number,
    validUntil: number,
    private readonly logger: Logger,
  ) {
    this.validUntil = validUntil;
  }

  isLost(): boolean {
    // The deadline check covers a renewal that could not run in time (blocked event loop,
    // Redis unreachable): past it, Redis may already have handed the lease to someone else.
    return this.lost || this.released || Date.now() >= this.validUntil;
  }

  startRenewal(everyMs: number): void {
    const tick = (): void => {
      this.timer = null;
      void this.renew().then(() => {
        if (!this.lost && !this.released) schedule();
      });
    };
    const schedule = (): void => {
      this.timer = setTimeout(tick, everyMs);
      // A held lease must never be the reason the process stays up at shutdown.
      this.timer.unref();
    };
    schedule();
  }

  private async renew(): Promise<void> {
    if (this.released || this.lost) return;
    if (Date.now() >= this.validUntil) {
      this.markLost('lease lapsed before it could be renewed');
      return;
    }
    const sentAt = Date.now();
    try {
      const extended = await this.redis.eval(RENEW_SCRIPT, 1, this.key, this.token, String(this.ttlMs));
      if (this.released) return;
      if (extended === 1) {
        this.validUntil = sentAt + this.ttlMs;
      } else {
        this.markLost('lease no longer holds our token');
      }
    } catch (err) {
      // A transient Redis error is retried at the next tick; the lease only counts as lost
      // once its last confirmed validity has passed (checked above and in isLost()).
      this.logger.warn({ err }, 'lease renewal failed; will retry until the lease lapses');
    }
  }

  private markLost(reason: string): void {
    if (this.lost) return;
    this.lost = true;
    this.stopRenewal();
    this.logger.warn({ reason }, 'game lease lost');
  }

  private stopRenewal(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  release(): Promise<void> {
    if (!this.releasing) {
      this.released = true;
      this.stopRenewal();
      this.releasing = this.redis.eval(RELEASE_SCRIPT, 1, this.key, this.token).then(
        () => undefined,
        (err: unknown) => {
          // Called from finally blocks: never mask the operation's own result. The key
          // carries a TTL, so an unreleased lease frees itself.
          this.logger.warn({ err }, 'lease release failed; it will expire on its own');
        },
      );
    }
    return this.releasing;
  }
}
