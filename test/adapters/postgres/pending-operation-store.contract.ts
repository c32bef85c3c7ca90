// The PendingOperationStore contract: run against real PostgreSQL and the fake alike.
import { beforeEach, describe, expect, it } from 'vitest';
import type { PendingOperation, PendingOperationStore } from '../../../src/ports/pending-operation.store.js';

export function aMarker(overrides: Partial<PendingOperation> & { gameId: string }): PendingOperation {
  return {
    opKind: 'restart',
    opSource: 'gm_rest',
    correlationId: `corr-${overrides.gameId}`,
    imageRef: 'galaxy/game:1.0.0',
    startedAt: new Date('2026-01-01T00:00:00.000Z'),
    ...overrides,
  };
}

export function describePendingOperationStoreContract(name: string, makeStore: () => Promise<PendingOperationStore>): void {
  describe(`PendingOperationStore contract: ${name}`, () => {
    let store: PendingOperationStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    it('begin then list returns the marker as written, oldest first', async () => {
      const older = aMarker({ gameId: 'g2', startedAt: new Date('2026-01-01T00:00:00.000Z') });
      const newer = aMarker({ gameId: 'g1', opKind: 'patch', opSource: 'admin_rest', imageRef: null, startedAt: new Date('2026-01-02T00:00:00.000Z') });
      await store.begin(newer);
      await store.begin(older);
      expect(await store.list(10)).toEqual([older, newer]);
      expect(await store.list(1)).toEqual([older]);
    });

    it('one marker per game: a later begin replaces the earlier one', async () => {
      await store.begin(aMarker({ gameId: 'g1', correlationId: 'a' }));
      await store.begin(aMarker({ gameId: 'g1', correlationId: 'b' }));
      expect((await store.list(10)).map((m) => m.correlationId)).toEqual(['b']);
    });

    it('end removes only the marker of that correlation id, and is idempotent', async () => {
      await store.begin(aMarker({ gameId: 'g1', correlationId: 'mine' }));
      await store.end('g1', 'someone-else');
      expect(await store.list(10)).toHaveLength(1);
      await store.end('g1', 'mine');
      await store.end('g1', 'mine');
      await store.end('never-there', 'x');
      expect(await store.list(10)).toEqual([]);
    });
  });
}
