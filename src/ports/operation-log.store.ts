import type { OperationLogEntry, StoredOperationLogEntry } from '../domain/operation.js';

export interface OperationLogStore {
  /** Append-only. Returns the new row's id. */
  append(entry: OperationLogEntry): Promise<string>;
  /** Newest first. */
  listByGame(gameId: string, limit: number): Promise<StoredOperationLogEntry[]>;
}
