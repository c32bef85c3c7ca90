import type { HealthSnapshot } from '../domain/health.js';

export interface HealthSnapshotStore {
  /** Keeps the newest by observedAt: an older snapshot never overwrites a newer one. */
  upsert(snapshot: HealthSnapshot): Promise<void>;
  get(gameId: string): Promise<HealthSnapshot | null>;
}
