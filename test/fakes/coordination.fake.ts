// In-memory fakes of the Redis-backed coordination ports.
import type { GameLease, GameLeases } from '../../src/ports/game-lease.js';
import type { StreamOffsetStore } from '../../src/ports/stream-offset.store.js';

export class FakeGameLeases implements GameLeases {
  readonly held = new Map<string, string>();
  private counter = 0;
  /** Games whose lease is held by "someone else" (tests of `conflict`). */
  readonly foreign = new Set<string>();

  async tryAcquire(gameId: string): Promise<GameLease | null> {
    if (this.foreign.has(gameId) || this.held.has(gameId)) return null;
    const token = `t${++this.counter}`;
    this.held.set(gameId, token);
    const leases = this;
    let lost = false;
    return {
      gameId,
      token,
      isLost: () => lost || leases.held.get(gameId) !== token,
      release: async () => {
        if (leases.held.get(gameId) === token) leases.held.delete(gameId);
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
