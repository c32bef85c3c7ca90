/**
 * Per-game lease (CONTRACT §4). Held for an operation's whole duration; renewed in the
 * background while held. Another holder's lease means the caller answers `conflict`.
 */
export interface GameLease {
  readonly gameId: string;
  readonly token: string;
  /** True once renewal failed or the lease expired under us; the holder should stop mutating. */
  isLost(): boolean;
  /**
   * Compare-and-delete: releases only if we still hold it. Idempotent. Never rejects: it is
   * called from `finally` blocks, so a release that fails is logged by the adapter and the
   * lease frees itself when its TTL runs out.
   */
  release(): Promise<void>;
}

export interface GameLeases {
  /** Returns null when someone else holds the lease. Never waits. */
  tryAcquire(gameId: string): Promise<GameLease | null>;
}
