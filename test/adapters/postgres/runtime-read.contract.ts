// RuntimeReadStore contract: what the REST reads rely on, for the PostgreSQL join and the fake.
import { beforeEach, describe, expect, it } from 'vitest';
import type { HealthSnapshotStore } from '../../../src/ports/health-snapshot.store.js';
import type { RuntimeReadStore } from '../../../src/ports/runtime-read.store.js';
import type { RuntimeRecordStore } from '../../../src/ports/runtime-record.store.js';
import { aRecord, aSnapshot } from './store-contracts.js';

export interface RuntimeReadHarness {
  reads: RuntimeReadStore;
  records: RuntimeRecordStore;
  snapshots: HealthSnapshotStore;
}

export function describeRuntimeReadStoreContract(name: string, makeHarness: () => Promise<RuntimeReadHarness>): void {
  describe(`RuntimeReadStore contract: ${name}`, () => {
    let h: RuntimeReadHarness;
    beforeEach(async () => {
      h = await makeHarness();
    });

    it('get: the record with its latest snapshot, null health without one, null without a record', async () => {
      const withHealth = await h.records.upsert(aRecord({ gameId: 'g1' }));
      await h.records.upsert(aRecord({ gameId: 'g2', status: 'stopped' }));
      const snapshot = aSnapshot({ gameId: 'g1', details: { exit_code: 3 } });
      await h.snapshots.upsert(snapshot);
      expect(await h.reads.get('g1')).toEqual({ record: withHealth, health: snapshot });
      expect(await h.reads.get('g2')).toEqual({ record: await h.records.get('g2'), health: null });
      expect(await h.reads.get('g3')).toBeNull();
    });

    it('list: same rows, order, filters and limit as RuntimeRecordStore.list, each with its health', async () => {
      for (const [gameId, status] of [['b', 'stopped'], ['a', 'running'], ['d', 'stopped'], ['c', 'removed'], ['e', 'stopped']] as const) {
        await h.records.upsert(aRecord({ gameId, status }));
      }
      await h.snapshots.upsert(aSnapshot({ gameId: 'd', eventType: 'container_exited' }));
      for (const query of [{ limit: 10 }, { limit: 2, status: 'stopped' as const }, { limit: 10, status: 'stopped' as const, afterGameId: 'b' }]) {
        const rows = await h.reads.list(query);
        expect(rows.map((r) => r.record)).toEqual(await h.records.list(query));
        for (const r of rows) expect(r.health).toEqual(await h.snapshots.get(r.record.gameId));
      }
      expect((await h.reads.list({ limit: 10, status: 'stopped' })).map((r) => [r.record.gameId, r.health?.eventType ?? null])).toEqual([
        ['b', null],
        ['d', 'container_exited'],
        ['e', null],
      ]);
    });
  });
}
