// In-memory fakes of the Redis-backed coordination ports. Same semantics as the real
// adapters; the contract suites in test/adapters/redis run against both.
import type { GameLease, GameLeases } from '../../src/ports/game-lease.js';
import type { StreamOffsetStore } from '../../src/ports/stream-offset.store.js';

export interface FakeGameLeasesOptions {
  /** Lease lifetime; default: leases never expire (most service tests want that). */
  ttlMs?: number;
  /** Renewal cadence when ttlMs is set; default ttl/3; null = no renewal (a holder that died). */
  renewEveryMs?: number | null;
  /** Share the lease space of another fake: two "processes" competing for the same games. */
  shareWith?: FakeGameLeases;
}

interface LeaseSpace {
  held: Map<string, string>;
  expiresAt: Map<string, number>;
  foreign: Set<string>;
  counter: number;
}

export class FakeGameLeases implements GameLeases {
  /** gameId -> token of the current holder (expired entries are dropped lazily). */
  readonly held: Map<string, string>;
  /** Games whose lease is held by "someone else" (tests of `conflict`). */
  readonly foreign: Set<string>;
  private readonly space: LeaseSpace;
  private readonly ttlMs: number | null;
  private readonly renewEveryMs: number | null;

  constructor(opts: FakeGameLeasesOptions = {}) {
    this.space = opts.shareWith
      ? opts.shareWith.space
      : { held: new Map(), expiresAt: new Map(), foreign: new Set(), counter: 0 };
    this.held = this.space.held;
    this.foreign = this.space.foreign;
    this.ttlMs = opts.ttlMs ?? null;
    this.renewEveryMs =
      this.ttlMs === null ? null : opts.renewEveryMs === undefined ? Math.max(1, Math.floor(this.ttlMs / 3)) : opts.renewEveryMs;
  }

  /** Token of the live holder, after dropping an expired entry (Redis PX semantics). */
  private holder(gameId: string): string | undefined {
    const expiresAt = this.space.expiresAt.get(gameId);
    if (expiresAt !== undefined && Date.now() >= expiresAt) {
      this.space.held.delete(gameId);
      this.space.expiresAt.delete(gameId);
    }
    return this.space.held.get(gameId);
  }

  async tryAcquire(gameId: string): Promise<GameLease | null> {
    if (this.foreign.has(gameId) || this.holder(gameId) !== undefined) return null;
    const token = `t${++this.space.counter}`;
    const space = this.space;
    const ttlMs = this.ttlMs;
    space.held.set(gameId, token);
    let validUntil = Infinity;
    if (ttlMs !== null) {
      validUntil = Date.now() + ttlMs;
      space.expiresAt.set(gameId, validUntil);
    }
    let lost = false;
    let timer: NodeJS.Timeout | null = null;
    const stillOurs = (): boolean => this.holder(gameId) === token;
    if (ttlMs !== null && this.renewEveryMs !== null) {
      const every = this.renewEveryMs;
      const tick = (): void => {
        if (!stillOurs()) {
          lost = true;
          return;
        }
        validUntil = Date.now() + ttlMs;
        space.expiresAt.set(gameId, validUntil);
        timer = setTimeout(tick, every).unref();
      };
      timer = setTimeout(tick, every).unref();
    }
    return {
      gameId,
      token,
      isLost: () => lost || Date.now() >= validUntil || !stillOurs(),
      release: async () => {
        if (timer) clearTimeout(timer);
        if (stillOurs()) {
          space.held.delete(gameId);
          space.expiresAt.delete(gameId);
        }
        lost = true;
      },
    };
  }
}

export class FakeStreamOffsetStore implements StreamOffsetStore {
  readonly offsets = new Map<string, string>();
  async load(label: string): Promise<string | null> {
    return this.offsets.get(label) ?? null;
  }
  async save(label: string, entryId: string): Promise<void> {
    this.offsets.set(label, entryId);
  }
}
