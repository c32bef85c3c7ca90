// The per-game lease around a whole operation (CONTRACT §4). restart and patch take it
// once and pass it to the inner stop/start (`runHeld`, the pipeline's `heldLease`), so no other operation can slip in
// between their steps.
import type { GameLease, GameLeases } from '../../ports/game-lease.js';
import { OperationFailure, classifyFault } from './operation-failure.js';

export class LeaseRunner {
  constructor(private readonly leases: GameLeases) {}

  /**
   * Runs `body` while holding the game's lease. When the lease cannot be taken (held by
   * someone else: `conflict`; Redis down: `service_unavailable`) `refused` answers instead.
   * The lease is released whatever happens.
   */
  async run<T>(
    gameId: string,
    body: (lease: GameLease) => Promise<T>,
    refused: (failure: OperationFailure) => Promise<T>,
  ): Promise<T> {
    let lease: GameLease | null;
    try {
      lease = await this.leases.tryAcquire(gameId);
    } catch (err) {
      return refused(classifyFault(err, 'acquiring the game lease'));
    }
    if (lease === null)
      return refused(new OperationFailure('conflict', `another operation on game ${gameId} is in progress`, { retryable: true }));
    try {
      return await body(lease);
    } finally {
      // Never rejects (GameLease.release): a failed release is the adapter's to log.
      await lease.release();
    }
  }
}

/**
 * Checked before every write of the runtime record: once the lease is lost another
 * operation may be acting on the game, so this one must not overwrite what it did.
 */
export function assertLeaseHeld(lease: GameLease): void {
  if (lease.isLost())
    throw new OperationFailure('conflict', 'the game lease was lost during the operation; the runtime record was not changed', {
      retryable: true,
    });
}
