// Port contract suites for the PostgreSQL-backed ports. Each runs against the real store
// (stores.contract.test.ts, real PostgreSQL) and against its fake in test/fakes, so the
// fakes the service tests rely on behave like production.
import { beforeEach, describe, expect, it } from 'vitest';
import type { HealthSnapshot } from '../../../src/domain/health.js';
import type { OperationLogEntry } from '../../../src/domain/operation.js';
import type { RuntimeLimits } from '../../../src/domain/runtime-limits.js';
import type { RuntimeRecord, RuntimeStatus } from '../../../src/domain/runtime-record.js';
import type { HealthSnapshotStore } from '../../../src/ports/health-snapshot.store.js';
import type { OperationLogStore } from '../../../src/ports/operation-log.store.js';
import type { RuntimeRecordStore } from '../../../src/ports/runtime-record.store.js';

const T0 = new Date('2026-03-01T10:00:00.000Z');
const at = (offsetMs: number): Date => new Date(T0.getTime() + offsetMs);

export function aRecord(overrides: Partial<RuntimeRecord> & { gameId: string }): RuntimeRecord {
  return {
    status: 'running',
    currentContainerId: `c-${overrides.gameId}`,
    currentImageRef: 'galaxy/game:1.0.0',
    engineEndpoint: `http://galaxy-game-${overrides.gameId}:8080`,
    statePath: `/srv/galaxy-state/${overrides.gameId}`,
    createdAt: at(0),
    startedAt: at(0),
    stoppedAt: null,
    removedAt: null,
    lastOpAt: at(0),
    limits: null,
    ...overrides,
  };
}

export interface RuntimeRecordStoreHarness {
  store: RuntimeRecordStore;
  /**
   * Runs the contenders so that they truly overlap. The real harness holds the row locked
   * on a third connection until every contender is blocked on it, then lets them go.
   */
  race<T>(gameId: string, contenders: Array<() => Promise<T>>): Promise<T[]>;
}

export function describeRuntimeRecordStoreContract(name: string, makeHarness: () => Promise<RuntimeRecordStoreHarness>): void {
  describe(`RuntimeRecordStore contract: ${name}`, () => {
    let h: RuntimeRecordStoreHarness;
    let store: RuntimeRecordStore;
    beforeEach(async () => {
      h = await makeHarness();
      store = h.store;
    });

    it('get answers null for an unknown game', async () => {
      expect(await store.get('nobody')).toBeNull();
    });

    it('upsert inserts and returns the stored row; get reads it back field for field', async () => {
      const record = aRecord({ gameId: 'g-1', createdAt: at(-5_000), startedAt: at(-4_000), lastOpAt: at(-4_000) });
      expect(await store.upsert(record)).toEqual(record);
      expect(await store.get('g-1')).toEqual(record);
    });

    it('upsert replaces every field but created_at, which survives any number of upserts', async () => {
      const first = aRecord({ gameId: 'g-1', createdAt: at(0) });
      await store.upsert(first);
      const second = aRecord({
        gameId: 'g-1',
        status: 'stopped',
        currentContainerId: 'c-other',
        currentImageRef: 'galaxy/game:1.0.1',
        engineEndpoint: null,
        statePath: '/elsewhere/g-1',
        createdAt: at(99_000),
        startedAt: null,
        stoppedAt: at(50_000),
        removedAt: at(60_000),
        lastOpAt: at(60_000),
      });
      const stored = await store.upsert(second);
      expect(stored).toEqual({ ...second, createdAt: at(0) });
      await store.upsert({ ...second, createdAt: at(200_000) });
      expect((await store.get('g-1'))?.createdAt).toEqual(at(0));
    });

    it('keeps millisecond precision of every timestamp', async () => {
      const record = aRecord({ gameId: 'g-ms', createdAt: new Date('2026-03-01T10:00:00.123Z'), lastOpAt: new Date('2026-03-01T10:00:00.999Z') });
      await store.upsert(record);
      const read = await store.get('g-ms');
      expect(read?.createdAt.getTime()).toBe(record.createdAt.getTime());
      expect(read?.lastOpAt.getTime()).toBe(record.lastOpAt.getTime());
    });

    describe('updateStatus (compare-and-swap on current_container_id)', () => {
      it('running -> stopped sets stopped_at and last_op_at, keeps everything else', async () => {
        const record = aRecord({ gameId: 'g-1' });
        await store.upsert(record);
        const updated = await store.updateStatus({ gameId: 'g-1', expectedContainerId: 'c-g-1', to: 'stopped', at: at(10_000) });
        const expected: RuntimeRecord = { ...record, status: 'stopped', stoppedAt: at(10_000), lastOpAt: at(10_000) };
        expect(updated).toEqual(expected);
        expect(await store.get('g-1')).toEqual(expected);
      });

      it('stopped -> removed sets removed_at; stopped -> running sets started_at', async () => {
        await store.upsert(aRecord({ gameId: 'g-r', status: 'stopped', stoppedAt: at(1_000), lastOpAt: at(1_000) }));
        const removed = await store.updateStatus({ gameId: 'g-r', expectedContainerId: 'c-g-r', to: 'removed', at: at(2_000) });
        expect(removed).toMatchObject({ status: 'removed', removedAt: at(2_000), stoppedAt: at(1_000), lastOpAt: at(2_000) });

        await store.upsert(aRecord({ gameId: 'g-s', status: 'stopped', stoppedAt: at(1_000), lastOpAt: at(1_000) }));
        const running = await store.updateStatus({ gameId: 'g-s', expectedContainerId: 'c-g-s', to: 'running', at: at(3_000) });
        expect(running).toMatchObject({ status: 'running', startedAt: at(3_000), stoppedAt: at(1_000), lastOpAt: at(3_000) });
      });

      it('a wrong expected container id answers null and changes nothing', async () => {
        const record = aRecord({ gameId: 'g-1' });
        await store.upsert(record);
        expect(await store.updateStatus({ gameId: 'g-1', expectedContainerId: 'c-stale', to: 'stopped', at: at(10_000) })).toBeNull();
        expect(await store.updateStatus({ gameId: 'g-1', expectedContainerId: null, to: 'stopped', at: at(10_000) })).toBeNull();
        expect(await store.get('g-1')).toEqual(record);
      });

      it('a null container id is matched by a null expectation only', async () => {
        await store.upsert(aRecord({ gameId: 'g-n', currentContainerId: null }));
        expect(await store.updateStatus({ gameId: 'g-n', expectedContainerId: 'c-g-n', to: 'stopped', at: at(1) })).toBeNull();
        expect(await store.updateStatus({ gameId: 'g-n', expectedContainerId: null, to: 'stopped', at: at(1) })).toMatchObject({
          status: 'stopped',
        });
      });

      it('an unknown game answers null', async () => {
        expect(await store.updateStatus({ gameId: 'nobody', expectedContainerId: null, to: 'stopped', at: at(1) })).toBeNull();
      });

      it('expectedStatus is a second guard', async () => {
        const record = aRecord({ gameId: 'g-1' });
        await store.upsert(record);
        expect(
          await store.updateStatus({ gameId: 'g-1', expectedContainerId: 'c-g-1', expectedStatus: 'stopped', to: 'removed', at: at(1) }),
        ).toBeNull();
        expect(await store.get('g-1')).toEqual(record);
        expect(
          await store.updateStatus({ gameId: 'g-1', expectedContainerId: 'c-g-1', expectedStatus: 'running', to: 'removed', at: at(1) }),
        ).toMatchObject({ status: 'removed', removedAt: at(1) });
      });

      it('refuses what CONTRACT §3 forbids (no self-transition, nothing out of removed but running)', async () => {
        const cases: Array<[RuntimeStatus, RuntimeStatus]> = [
          ['running', 'running'],
          ['stopped', 'stopped'],
          ['removed', 'removed'],
          ['removed', 'stopped'],
        ];
        for (const [from, to] of cases) {
          const record = aRecord({ gameId: `g-${from}-${to}`, status: from });
          await store.upsert(record);
          expect(await store.updateStatus({ gameId: record.gameId, expectedContainerId: record.currentContainerId, to, at: at(1) })).toBeNull();
          expect(await store.get(record.gameId)).toEqual(record);
        }
      });

      it('of two concurrent writers with the same expectation exactly one wins (repeated)', async () => {
        for (let round = 0; round < 5; round++) {
          const gameId = `g-race-${round}`;
          await store.upsert(aRecord({ gameId }));
          const results = await h.race(gameId, [
            () => store.updateStatus({ gameId, expectedContainerId: `c-${gameId}`, to: 'stopped', at: at(1_000) }),
            () => store.updateStatus({ gameId, expectedContainerId: `c-${gameId}`, to: 'stopped', at: at(2_000) }),
          ]);
          const winners = results.filter((r) => r !== null);
          expect(winners).toHaveLength(1);
          expect(await store.get(gameId)).toEqual(winners[0]);
        }
      });

      it('stop racing reconcile-dispose (both expecting running): exactly one transition happens', async () => {
        for (let round = 0; round < 5; round++) {
          const gameId = `g-mixed-${round}`;
          await store.upsert(aRecord({ gameId }));
          const results = await h.race(gameId, [
            () => store.updateStatus({ gameId, expectedContainerId: `c-${gameId}`, expectedStatus: 'running', to: 'stopped', at: at(1_000) }),
            () => store.updateStatus({ gameId, expectedContainerId: `c-${gameId}`, expectedStatus: 'running', to: 'removed', at: at(1_000) }),
          ]);
          const winners = results.filter((r) => r !== null);
          expect(winners).toHaveLength(1);
          const stored = await store.get(gameId);
          expect(stored).toEqual(winners[0]);
          // The loser's timestamp was not written either.
          expect(stored?.status === 'stopped' ? stored.removedAt : stored?.stoppedAt).toBeNull();
        }
      });
    });

    describe('limits (CONTRACT §11)', () => {
      const limits: RuntimeLimits = {
        cpus: 1.5,
        memoryBytes: 768 * 1024 ** 2,
        pidsLimit: 256,
        source: { cpus: 'image_label', memoryBytes: 'override', pidsLimit: 'default' },
      };

      it('upsert stores them and get reads them back; a status update keeps them', async () => {
        const record = aRecord({ gameId: 'g-l', limits });
        expect(await store.upsert(record)).toEqual(record);
        expect(await store.get('g-l')).toEqual(record);
        const stopped = await store.updateStatus({ gameId: 'g-l', expectedContainerId: 'c-g-l', to: 'stopped', at: at(1_000) });
        expect(stopped?.limits).toEqual(limits);
      });

      it('updateLimits writes limits and last_op_at only while container and status still match', async () => {
        await store.upsert(aRecord({ gameId: 'g-l' }));
        const change = { gameId: 'g-l', expectedContainerId: 'c-g-l', expectedStatus: 'running' as const, limits, at: at(2_000) };
        expect(await store.updateLimits({ ...change, expectedContainerId: 'c-other' })).toBeNull();
        expect(await store.updateLimits({ ...change, expectedStatus: 'stopped' })).toBeNull();
        expect(await store.updateLimits({ ...change, gameId: 'nobody' })).toBeNull();
        expect((await store.get('g-l'))?.limits).toBeNull();
        const updated = await store.updateLimits(change);
        expect(updated).toEqual({ ...aRecord({ gameId: 'g-l' }), limits, lastOpAt: at(2_000) });
        expect(await store.get('g-l')).toEqual(updated);
      });
    });

    describe('list', () => {
      beforeEach(async () => {
        const statuses: RuntimeStatus[] = ['running', 'stopped', 'running', 'removed', 'running', 'stopped', 'running'];
        // Inserted out of order: the store, not the insertion, decides the order.
        for (const i of [4, 0, 6, 2, 5, 1, 3]) {
          await store.upsert(aRecord({ gameId: `g-${i}`, status: statuses[i] as RuntimeStatus }));
        }
      });

      it('pages through all records in ascending game_id with an exclusive cursor', async () => {
        const seen: string[] = [];
        let cursor: string | undefined;
        for (;;) {
          const page = await store.list({ limit: 3, ...(cursor === undefined ? {} : { afterGameId: cursor }) });
          if (page.length === 0) break;
          expect(page.length).toBeLessThanOrEqual(3);
          seen.push(...page.map((r) => r.gameId));
          cursor = page[page.length - 1]?.gameId;
        }
        expect(seen).toEqual(['g-0', 'g-1', 'g-2', 'g-3', 'g-4', 'g-5', 'g-6']);
      });

      it('filters by status, combined with the cursor', async () => {
        expect((await store.list({ status: 'running', limit: 10 })).map((r) => r.gameId)).toEqual(['g-0', 'g-2', 'g-4', 'g-6']);
        expect((await store.list({ status: 'running', limit: 2, afterGameId: 'g-2' })).map((r) => r.gameId)).toEqual(['g-4', 'g-6']);
        expect((await store.list({ status: 'stopped', limit: 10, afterGameId: 'g-5' })).map((r) => r.gameId)).toEqual([]);
        expect((await store.list({ status: 'removed', limit: 10 })).map((r) => r.gameId)).toEqual(['g-3']);
      });

      it('a cursor need not be an existing game id', async () => {
        expect((await store.list({ limit: 10, afterGameId: 'g-3a' })).map((r) => r.gameId)).toEqual(['g-4', 'g-5', 'g-6']);
      });
    });

    it('listStoppedBefore: stopped only, last_op_at strictly before the bound, oldest first, limited', async () => {
      await store.upsert(aRecord({ gameId: 'old-1', status: 'stopped', lastOpAt: at(-3_000) }));
      await store.upsert(aRecord({ gameId: 'old-2', status: 'stopped', lastOpAt: at(-1) }));
      await store.upsert(aRecord({ gameId: 'old-0', status: 'stopped', lastOpAt: at(-3_000) }));
      await store.upsert(aRecord({ gameId: 'exact', status: 'stopped', lastOpAt: at(0) }));
      await store.upsert(aRecord({ gameId: 'newer', status: 'stopped', lastOpAt: at(1) }));
      await store.upsert(aRecord({ gameId: 'old-running', status: 'running', lastOpAt: at(-9_000) }));
      await store.upsert(aRecord({ gameId: 'old-removed', status: 'removed', lastOpAt: at(-9_000) }));

      expect((await store.listStoppedBefore(at(0), 10)).map((r) => r.gameId)).toEqual(['old-0', 'old-1', 'old-2']);
      expect((await store.listStoppedBefore(at(0), 2)).map((r) => r.gameId)).toEqual(['old-0', 'old-1']);
      expect((await store.listStoppedBefore(at(1), 10)).map((r) => r.gameId)).toEqual(['old-0', 'old-1', 'old-2', 'exact']);
      expect(await store.listStoppedBefore(at(-3_000), 10)).toEqual([]);
    });

    it('runningLimits sums the running engines\' limits and counts those without', async () => {
      expect(await store.runningLimits()).toEqual({ engines: 0, memoryBytes: 0, cpus: 0, withoutLimits: 0 });
      const limits = (cpus: number, memoryBytes: number) => ({ cpus, memoryBytes, pidsLimit: 64, source: { cpus: 'default', memoryBytes: 'default', pidsLimit: 'default' } as const });
      await store.upsert(aRecord({ gameId: 'a', limits: limits(1.5, 512 * 1024 ** 2) }));
      await store.upsert(aRecord({ gameId: 'b', limits: limits(0.25, 3 * 1024 ** 3) }));
      await store.upsert(aRecord({ gameId: 'c' }));
      await store.upsert(aRecord({ gameId: 'd', status: 'stopped', limits: limits(4, 1024 ** 3) }));
      expect(await store.runningLimits()).toEqual({ engines: 2, memoryBytes: 512 * 1024 ** 2 + 3 * 1024 ** 3, cpus: 1.75, withoutLimits: 1 });
    });

    it('countByStatus always has all three keys', async () => {
      expect(await store.countByStatus()).toEqual({ running: 0, stopped: 0, removed: 0 });
      await store.upsert(aRecord({ gameId: 'a', status: 'running' }));
      await store.upsert(aRecord({ gameId: 'b', status: 'running' }));
      await store.upsert(aRecord({ gameId: 'c', status: 'removed' }));
      expect(await store.countByStatus()).toEqual({ running: 2, stopped: 0, removed: 1 });
      await store.updateStatus({ gameId: 'a', expectedContainerId: 'c-a', to: 'stopped', at: at(1) });
      expect(await store.countByStatus()).toEqual({ running: 1, stopped: 1, removed: 1 });
    });
  });
}

export function anEntry(overrides: Partial<OperationLogEntry> & { gameId: string }): OperationLogEntry {
  return {
    opKind: 'start',
    opSource: 'lobby_stream',
    outcome: 'success',
    errorCode: null,
    errorMessage: null,
    imageRef: 'galaxy/game:1.0.0',
    containerId: 'c-1',
    correlationId: null,
    details: {},
    startedAt: at(0),
    finishedAt: at(250),
    ...overrides,
  };
}

export function describeOperationLogStoreContract(name: string, makeStore: () => Promise<OperationLogStore>): void {
  describe(`OperationLogStore contract: ${name}`, () => {
    let store: OperationLogStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    it('append answers distinct, increasing string ids; listByGame reads the entry back', async () => {
      const entry = anEntry({
        gameId: 'g-1',
        opKind: 'restart',
        opSource: 'admin_rest',
        outcome: 'failure',
        errorCode: 'container_start_failed',
        errorMessage: 'engine exited with code 3',
        correlationId: 'corr-1',
        startedAt: new Date('2026-03-01T10:00:00.001Z'),
        finishedAt: new Date('2026-03-01T10:00:01.999Z'),
      });
      const id1 = await store.append(entry);
      const id2 = await store.append(anEntry({ gameId: 'g-1', errorCode: 'replay_no_op' }));
      expect(typeof id1).toBe('string');
      expect(typeof id2).toBe('string');
      expect(BigInt(id2) > BigInt(id1)).toBe(true);
      const [, first] = await store.listByGame('g-1', 10);
      expect(first).toEqual({ ...entry, id: id1 });
    });

    it('listByGame is newest first, limited, and only that game', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(await store.append(anEntry({ gameId: 'g-1', details: { i } })));
        await store.append(anEntry({ gameId: 'g-2', details: { i } }));
      }
      const all = await store.listByGame('g-1', 100);
      expect(all.map((e) => e.id)).toEqual([...ids].reverse());
      expect(all.every((e) => e.gameId === 'g-1')).toBe(true);
      expect((await store.listByGame('g-1', 2)).map((e) => e.details)).toEqual([{ i: 4 }, { i: 3 }]);
      expect(await store.listByGame('nobody', 10)).toEqual([]);
    });

    it('details round-trip: nested objects, arrays, numbers, booleans, nulls, unicode', async () => {
      const details = {
        exit_code: 137,
        ratio: 0.1,
        negative: -42.5,
        big: 9_007_199_254_740_991,
        oom: true,
        nothing: null,
        empty: {},
        list: [1, 'two', { three: [3] }, null, false],
        nested: { deeper: { deepest: { reason: 'probe timeout', attempts: [1, 2, 3] } } },
        unicode: 'Ünïcødé — 游戏 🎲 ∑ "quotes" \\ backslash \n newline \t tab',
        'key with spaces and ключ': 'ok',
      };
      await store.append(anEntry({ gameId: 'g-json', details }));
      const [read] = await store.listByGame('g-json', 1);
      expect(read?.details).toEqual(details);
    });
  });
}

export function aSnapshot(overrides: Partial<HealthSnapshot> & { gameId: string }): HealthSnapshot {
  return {
    containerId: 'c-1',
    eventType: 'probe_failed',
    details: { consecutive_failures: 3 },
    observedAt: at(0),
    ...overrides,
  };
}

export function describeHealthSnapshotStoreContract(name: string, makeStore: () => Promise<HealthSnapshotStore>): void {
  describe(`HealthSnapshotStore contract: ${name}`, () => {
    let store: HealthSnapshotStore;
    beforeEach(async () => {
      store = await makeStore();
    });

    it('get answers null before any snapshot, then the snapshot', async () => {
      expect(await store.get('g-1')).toBeNull();
      const snapshot = aSnapshot({ gameId: 'g-1', details: { nested: { a: [1, { b: 'ü' }] } } });
      await store.upsert(snapshot);
      expect(await store.get('g-1')).toEqual(snapshot);
    });

    it('a newer snapshot replaces; an older one never overwrites a newer one', async () => {
      const middle = aSnapshot({ gameId: 'g-1', eventType: 'probe_failed', observedAt: at(1_000) });
      await store.upsert(middle);
      const older = aSnapshot({ gameId: 'g-1', containerId: 'c-old', eventType: 'container_started', details: {}, observedAt: at(999) });
      await store.upsert(older);
      expect(await store.get('g-1')).toEqual(middle);
      const newer = aSnapshot({ gameId: 'g-1', containerId: 'c-2', eventType: 'probe_recovered', details: { after: 4 }, observedAt: at(1_001) });
      await store.upsert(newer);
      expect(await store.get('g-1')).toEqual(newer);
    });

    it('at an equal observed_at the later write wins', async () => {
      await store.upsert(aSnapshot({ gameId: 'g-1', eventType: 'container_exited', observedAt: at(5) }));
      const later = aSnapshot({ gameId: 'g-1', eventType: 'container_oom', details: { oom: true }, observedAt: at(5) });
      await store.upsert(later);
      expect(await store.get('g-1')).toEqual(later);
    });

    it('games are independent', async () => {
      const a = aSnapshot({ gameId: 'g-a', observedAt: at(10) });
      const b = aSnapshot({ gameId: 'g-b', observedAt: at(1) });
      await store.upsert(a);
      await store.upsert(b);
      expect(await store.get('g-a')).toEqual(a);
      expect(await store.get('g-b')).toEqual(b);
    });
  });
}
