// RuntimeReadStore contract: what the REST reads rely on, for the PostgreSQL query (which
// renders the wire's JSON itself) and the fake (which renders it with runtimeView()). The
// text must be the OpenAPI `Runtime` of the record and snapshot the write stores hold:
// equal to runtimeView() of them once parsed, and valid by the spec's validator.
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { validateRuntime } from '../../../generated/validators/rest-responses.js';
import { runtimeView } from '../../../src/api/runtime-view.js';
import type { HealthSnapshot } from '../../../src/domain/health.js';
import type { LimitSource, RuntimeLimits } from '../../../src/domain/runtime-limits.js';
import type { RuntimeRecord } from '../../../src/domain/runtime-record.js';
import type { HealthSnapshotStore } from '../../../src/ports/health-snapshot.store.js';
import type { RuntimeReadStore } from '../../../src/ports/runtime-read.store.js';
import type { RuntimeRecordStore } from '../../../src/ports/runtime-record.store.js';
import { propertyRuns } from '../../property/property-runs.js';
import { aRecord, aSnapshot } from './store-contracts.js';

export interface RuntimeReadHarness {
  reads: RuntimeReadStore;
  records: RuntimeRecordStore;
  snapshots: HealthSnapshotStore;
  /** Empties both tables (the property cases share one harness). */
  reset(): Promise<void>;
}

/** Text that stresses JSON escaping: quotes, backslashes, controls, line separators, astral characters. */
const hostileText = (maxLength: number) =>
  fc.oneof(
    fc.string({ unit: 'grapheme', maxLength }),
    fc.array(fc.constantFrom('"', '\\', '/', '\n', '\r', '\t', '\u0001', '\u001f', '\u007f', '\u2028', '\u2029', '\uFEFF', '😀', 'é', '</script>', 'a', ' '), { maxLength }).map((p) => p.join('')),
  );
/** Milliseconds from 1970 to 9999 (the years Date.toISOString writes with four digits). */
const instant = fc.integer({ min: 0, max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) }).map((ms) => new Date(ms));
const jsonDetails = fc.dictionary(hostileText(8), fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)), fc.boolean(), hostileText(12), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 })), { maxKeys: 4 });

const sourceArb = fc.constantFrom<LimitSource>('image_label', 'default', 'override');
const limitsArb: fc.Arbitrary<RuntimeLimits> = fc.record({
  cpus: fc.integer({ min: 1, max: 102_400 }).map((n) => n / 100),
  memoryBytes: fc.integer({ min: 6 * 1024 ** 2, max: Number.MAX_SAFE_INTEGER }),
  pidsLimit: fc.integer({ min: 1, max: 4_194_304 }),
  source: fc.record({ cpus: sourceArb, memoryBytes: sourceArb, pidsLimit: sourceArb }),
});
const recordArb: fc.Arbitrary<RuntimeRecord> = fc
  .record({
    gameId: fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/),
    status: fc.constantFrom('running', 'stopped', 'removed'),
    currentContainerId: fc.option(hostileText(64), { nil: null }),
    currentImageRef: fc.option(hostileText(80), { nil: null }),
    engineEndpoint: fc.option(hostileText(80), { nil: null }),
    statePath: hostileText(80),
    createdAt: instant,
    startedAt: fc.option(instant, { nil: null }),
    stoppedAt: fc.option(instant, { nil: null }),
    removedAt: fc.option(instant, { nil: null }),
    lastOpAt: instant,
    limits: fc.option(limitsArb, { nil: null }),
  })
  .map((r) => aRecord(r));
const snapshotArb = (gameId: string): fc.Arbitrary<HealthSnapshot> =>
  fc.record({
    containerId: hostileText(64),
    eventType: fc.constantFrom('container_started', 'container_exited', 'container_oom', 'container_disappeared', 'probe_failed', 'probe_recovered', 'inspect_unhealthy'),
    details: jsonDetails,
    observedAt: instant,
  }).map((s) => aSnapshot({ gameId, ...s }));

export function describeRuntimeReadStoreContract(name: string, makeHarness: () => Promise<RuntimeReadHarness>): void {
  describe(`RuntimeReadStore contract: ${name}`, () => {
    let h: RuntimeReadHarness;
    beforeEach(async () => {
      h = await makeHarness();
    });

    /** What the text must be: runtimeView() of what the write stores hold, through JSON. */
    const expectedView = async (gameId: string) => {
      const record = await h.records.get(gameId);
      if (!record) throw new Error(`no record ${gameId}`);
      return JSON.parse(JSON.stringify(runtimeView(record, await h.snapshots.get(gameId)))) as unknown;
    };
    const parsedValid = (json: string) => {
      const parsed: unknown = JSON.parse(json);
      const validator = validateRuntime as typeof validateRuntime & { errors?: unknown };
      expect(validator(parsed), JSON.stringify(validator.errors)).toBe(true);
      return parsed;
    };

    it('get: the record with its latest snapshot, null health without one, null without a record', async () => {
      await h.records.upsert(aRecord({ gameId: 'g1' }));
      await h.records.upsert(aRecord({ gameId: 'g2', status: 'stopped', currentContainerId: null, engineEndpoint: null, stoppedAt: new Date('2026-01-02T03:04:05.678Z') }));
      await h.snapshots.upsert(aSnapshot({ gameId: 'g1', details: { exit_code: 3 } }));
      const g1 = parsedValid((await h.reads.get('g1')) ?? 'null');
      expect(g1).toEqual(await expectedView('g1'));
      expect(g1).toMatchObject({ game_id: 'g1', health: { event_type: 'probe_failed', details: { exit_code: 3 } } });
      const g2 = parsedValid((await h.reads.get('g2')) ?? 'null');
      expect(g2).toEqual(await expectedView('g2'));
      expect(g2).toMatchObject({ health: null, current_container_id: null, stopped_at: '2026-01-02T03:04:05.678Z', removed_at: null });
      expect(await h.reads.get('g3')).toBeNull();
    });

    it('list: same rows, order, filters and limit as RuntimeRecordStore.list, each rendered with its health', async () => {
      for (const [gameId, status] of [['b', 'stopped'], ['a', 'running'], ['d', 'stopped'], ['c', 'removed'], ['e', 'stopped']] as const) {
        await h.records.upsert(aRecord({ gameId, status }));
      }
      await h.snapshots.upsert(aSnapshot({ gameId: 'd', eventType: 'container_exited' }));
      for (const query of [{ limit: 10 }, { limit: 2, status: 'stopped' as const }, { limit: 10, status: 'stopped' as const, afterGameId: 'b' }]) {
        const rows = await h.reads.list(query);
        expect(rows.map((r) => r.gameId)).toEqual((await h.records.list(query)).map((r) => r.gameId));
        for (const r of rows) expect(parsedValid(r.json)).toEqual(await expectedView(r.gameId));
      }
      expect((await h.reads.list({ limit: 10, status: 'stopped' })).map((r) => [r.gameId, (JSON.parse(r.json) as { health: { event_type: string } | null }).health?.event_type ?? null])).toEqual([
        ['b', null],
        ['d', 'container_exited'],
        ['e', null],
      ]);
    });

    it('any storable record and snapshot renders as runtimeView() would: escaping, nulls, timestamps, details', async () => {
      await fc.assert(
        fc.asyncProperty(
          recordArb.chain((record) => fc.tuple(fc.constant(record), fc.option(snapshotArb(record.gameId), { nil: null }))),
          async ([record, snapshot]) => {
            await h.reset();
            await h.records.upsert(record);
            if (snapshot) await h.snapshots.upsert(snapshot);
            const expected = await expectedView(record.gameId);
            expect(parsedValid((await h.reads.get(record.gameId)) ?? 'null')).toEqual(expected);
            const [listed] = await h.reads.list({ limit: 1 });
            expect(listed?.gameId).toBe(record.gameId);
            expect(parsedValid(listed?.json ?? 'null')).toEqual(expected);
          },
        ),
        propertyRuns(60, `RuntimeReadStore ${name}: rendered runtimes`),
      );
    });
  });
}
