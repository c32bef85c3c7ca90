// In-memory RuntimeReadStore: the record fake's list/get joined with the snapshot fake's
// rows and rendered with runtimeView(), as the PostgreSQL query renders them. Passes
// test/adapters/postgres/runtime-read.contract.ts.
import { runtimeView } from '../../src/api/runtime-view.js';
import type { RuntimeRecord } from '../../src/domain/runtime-record.js';
import type { RuntimeListQuery } from '../../src/ports/runtime-record.store.js';
import type { RenderedRuntime, RuntimeReadStore } from '../../src/ports/runtime-read.store.js';
import type { FakeHealthSnapshotStore, FakeRuntimeRecordStore } from './stores.fake.js';

export class FakeRuntimeReadStore implements RuntimeReadStore {
  constructor(
    private readonly records: FakeRuntimeRecordStore,
    private readonly snapshots: FakeHealthSnapshotStore,
  ) {}

  async get(gameId: string): Promise<string | null> {
    const record = await this.records.get(gameId);
    return record ? this.rendered(record) : null;
  }

  async list(query: RuntimeListQuery): Promise<RenderedRuntime[]> {
    const records = await this.records.list(query);
    return Promise.all(records.map(async (record) => ({ gameId: record.gameId, json: await this.rendered(record) })));
  }

  private async rendered(record: RuntimeRecord): Promise<string> {
    return JSON.stringify(runtimeView(record, await this.snapshots.get(record.gameId)));
  }
}
