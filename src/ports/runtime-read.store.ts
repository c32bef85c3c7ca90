import type { HealthSnapshot } from '../domain/health.js';
import type { RuntimeRecord } from '../domain/runtime-record.js';
import type { RuntimeListQuery } from './runtime-record.store.js';

/** A record with the game's latest health snapshot, as the REST reads show it. */
export interface RuntimeWithHealth {
  record: RuntimeRecord;
  health: HealthSnapshot | null;
}

/**
 * The read side of the REST API: a record and its health in one round trip (the list
 * page too), so a page of 100 is not 101 queries. Same order and filters as
 * RuntimeRecordStore.list; writes go through RuntimeRecordStore / HealthSnapshotStore.
 */
export interface RuntimeReadStore {
  get(gameId: string): Promise<RuntimeWithHealth | null>;
  list(query: RuntimeListQuery): Promise<RuntimeWithHealth[]>;
}
