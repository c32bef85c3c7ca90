import type { OpSource } from '../domain/operation.js';

/**
 * A multi-step operation (restart, patch) that has begun and not finished. Written under
 * the game's lease before the first step and removed before its row is written, so a
 * marker whose game's lease is free names an operation its process did not live to finish
 * (a crash). The reconciler closes it with the outer operation_log row (docs/services.md
 * "Crash consistency").
 */
export interface PendingOperation {
  gameId: string;
  opKind: 'restart' | 'patch';
  opSource: OpSource;
  correlationId: string;
  imageRef: string | null;
  startedAt: Date;
}

export interface PendingOperationStore {
  /** Records the marker; replaces an older marker of the same game. */
  begin(marker: PendingOperation): Promise<void>;
  /** Removes the game's marker when it is this operation's (correlation id); idempotent. */
  end(gameId: string, correlationId: string): Promise<void>;
  /** Every marker, oldest first (the table holds at most one per game). */
  list(limit: number): Promise<PendingOperation[]>;
}
