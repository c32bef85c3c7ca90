// Contract of the GameLeases port (CONTRACT §4), run against the Redis adapter and the fake.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GameLease, GameLeases } from '../../../src/ports/game-lease.js';
import { eventually, testGameId } from '../../support/test-env.js';

export interface LeaseHolderOptions {
  ttlMs?: number;
  /** null = no renewal: the holder "dies" while holding. */
  renewEveryMs?: number | null;
}

export interface LeaseWorld {
  /** A new holder (think: another RTM process) competing in the same lease space. */
  holder(opts?: LeaseHolderOptions): GameLeases;
  teardown(): Promise<void>;
}

const SHORT_TTL_MS = 300;
const LONG_TTL_MS = 10_000;

export function describeGameLeasesContract(name: string, createWorld: () => Promise<LeaseWorld>): void {
  describe(`GameLeases contract: ${name}`, () => {
    let world: LeaseWorld;
    const acquired: GameLease[] = [];

    /** A holder whose leases are released after the test, whatever happens. */
    function holder(opts: LeaseHolderOptions = {}): GameLeases {
      const leases = world.holder({ ttlMs: LONG_TTL_MS, ...opts });
      return {
        async tryAcquire(gameId) {
          const lease = await leases.tryAcquire(gameId);
          if (lease) acquired.push(lease);
          return lease;
        },
      };
    }

    beforeEach(async () => {
      world = await createWorld();
    });

    afterEach(async () => {
      await Promise.all(acquired.splice(0).map((l) => l.release()));
      await world.teardown();
    });

    it('is exclusive per game, and games are independent', async () => {
      const a = holder();
      const b = holder();
      const game = testGameId('lease');
      const lease = await a.tryAcquire(game);
      expect(lease).not.toBeNull();
      expect(lease?.gameId).toBe(game);
      expect(lease?.isLost()).toBe(false);
      expect(await b.tryAcquire(game)).toBeNull();
      expect(await a.tryAcquire(game)).toBeNull();
      expect(await b.tryAcquire(testGameId('other'))).not.toBeNull();
    });

    it('lets exactly one of many concurrent attempts win', async () => {
      const holders = [holder(), holder(), holder()];
      const game = testGameId('race');
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => holders[i % 3]!.tryAcquire(game)));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
    });

    it('gives every acquisition its own token', async () => {
      const a = holder();
      const game = testGameId('tok');
      const first = await a.tryAcquire(game);
      await first?.release();
      const second = await a.tryAcquire(game);
      expect(first?.token).toBeTruthy();
      expect(second?.token).toBeTruthy();
      expect(second?.token).not.toBe(first?.token);
    });

    it('release lets another holder acquire; release is idempotent', async () => {
      const a = holder();
      const b = holder();
      const game = testGameId('rel');
      const lease = await a.tryAcquire(game);
      expect(lease).not.toBeNull();
      await lease!.release();
      await lease!.release();
      expect(lease!.isLost()).toBe(true);
      const next = await b.tryAcquire(game);
      expect(next).not.toBeNull();
      await lease!.release();
      expect(next!.isLost()).toBe(false);
      expect(await a.tryAcquire(game)).toBeNull();
    });

    it('frees the lease when its holder dies (no renewal) and reports the old lease lost', async () => {
      const dying = holder({ ttlMs: SHORT_TTL_MS, renewEveryMs: null });
      const other = holder();
      const game = testGameId('exp');
      const old = await dying.tryAcquire(game);
      expect(old).not.toBeNull();
      expect(await other.tryAcquire(game)).toBeNull();
      const taken = await eventually(async () => (await other.tryAcquire(game)) ?? undefined, {
        timeoutMs: 5_000,
        intervalMs: 50,
        message: 'expired lease was never freed',
      });
      expect(taken.isLost()).toBe(false);
      expect(old!.isLost()).toBe(true);
    });

    it('a stale holder releasing does not free the newer holder\'s lease', async () => {
      const stale = holder({ ttlMs: SHORT_TTL_MS, renewEveryMs: null });
      const newer = holder();
      const third = holder();
      const game = testGameId('stale');
      const old = await stale.tryAcquire(game);
      expect(old).not.toBeNull();
      const current = await eventually(async () => (await newer.tryAcquire(game)) ?? undefined, {
        timeoutMs: 5_000,
        intervalMs: 50,
      });
      await old!.release();
      expect(await third.tryAcquire(game)).toBeNull();
      expect(current.isLost()).toBe(false);
    });

    it('renewal keeps a held lease alive well past its ttl', async () => {
      const ttlMs = 600;
      const a = holder({ ttlMs });
      const b = holder();
      const game = testGameId('renew');
      const lease = await a.tryAcquire(game);
      expect(lease).not.toBeNull();
      // Holding is a property over time: keep trying to take it for > 3 ttl.
      const until = Date.now() + ttlMs * 3.5;
      while (Date.now() < until) {
        expect(await b.tryAcquire(game)).toBeNull();
        expect(lease!.isLost()).toBe(false);
        await new Promise((r) => setTimeout(r, 50));
      }
      await lease!.release();
      expect(await b.tryAcquire(game)).not.toBeNull();
    });
  });
}
