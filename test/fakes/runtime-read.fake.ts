// In-memory RuntimeReadStore: the record fake's list/get joined with the snapshot fake's
// rows, as the PostgreSQL join does. Passes test/adapters/postgres/runtime-read.contract.ts.
import type { RuntimeListQuery } from '../../src/ports/runtime-record.store.js';
import type { RuntimeReadStore, RuntimeWithHealth } from '../../src/ports/runtime-read.store.js';
import type { FakeHealthSnapshotStore, FakeRuntimeRecordStore } from './stores.fake.js';

export class FakeRuntimeReadStore implements RuntimeReadStore {
  constructor(
    private readonly records: FakeRuntimeRecordStore,
    private readonly snapshots: FakeHealthSnapshotStore,
  ) {}

  async get(gameId: string): Promise<RuntimeWithHealth | null> {
    const record = await this.records.get(gameId);
    return record ? { record, health: await this.snapshots.get(gameId) } : null;
  }

  async list(query: RuntimeListQuery): Promise<RuntimeWithHealth[]> {
    const records = await this.records.list(query);
    return Promise.all(records.map(async (record) => ({ record, health: await this.snapshots.get(record.gameId) })));
  }
}
