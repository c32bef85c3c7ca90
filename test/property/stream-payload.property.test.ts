// Every runtime:start_jobs / runtime:stop_jobs payload, decoded and run through the real
// services over the fakes (issue 9 item 10): the decoder never throws, a run never ends in
// internal_error, and whatever gets created is a galaxy-game-* container on a state
// folder directly under the root.
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HTTP_STATUS_BY_ERROR_CODE, REPLAY_NO_OP } from '../../src/domain/error-codes.js';
import type { ContainerSpec } from '../../src/domain/container-spec.js';
import type { StreamEntry } from '../../src/ports/stream-reader.js';
import { decodeStartJob } from '../../src/workers/job-consumer/lobby-jobs.js';
import { decodeStopJob } from '../../src/workers/job-consumer/lobby-jobs.js';
import { createHarness, STATE_ROOT } from '../services/support/lifecycle-harness.js';
import { edgyString, propertyRuns } from './property-runs.js';

const CONTAINER_NAME = /^galaxy-game-[a-z0-9]([a-z0-9-]{0,49}[a-z0-9])?$/;

const gameId = fc.oneof(fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?$/), edgyString(60), fc.constantFrom('..', '.', 'a/../../etc', 'A', '-a', 'a'.repeat(52)));
const imageRef = fc.oneof(
  fc.constantFrom('galaxy/game:1.0.0', 'registry.example.com:5000/galaxy/game:2.1.3', 'localhost/x', 'UPPER/x', 'x@sha256:' + 'a'.repeat(64)),
  edgyString(40),
  fc.string({ maxLength: 600 }),
);
const reason = fc.oneof(fc.constantFrom('finished', 'cancelled', 'admin_request', 'orphan_cleanup', 'timeout'), edgyString(20));
const requestedAt = fc.oneof(fc.nat().map(String), edgyString(20), fc.constant('-1'), fc.constant('1e400'));
const optional = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

const fieldsArb = fc
  .record({
    game_id: optional(gameId),
    image_ref: optional(imageRef),
    reason: optional(reason),
    requested_at_ms: optional(requestedAt),
    extra: fc.dictionary(edgyString(8), edgyString(8), { maxKeys: 3 }),
  })
  .map(({ extra, ...known }) => {
    const fields: Record<string, string> = { ...extra };
    for (const [k, v] of Object.entries(known)) if (v !== undefined) fields[k] = v;
    return fields;
  });
const hostileEntry = fc.record({ fields: fieldsArb, duplicateFields: fc.subarray(['game_id', 'image_ref', 'reason']) });
/** Well-formed entries (the schema's own shapes), so most cases reach a service run. */
const wellFormedEntry = fc
  .record({
    game_id: fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,12}[a-z0-9])?$/),
    image_ref: fc.constantFrom('galaxy/game:1.0.0', 'registry.example.com:5000/galaxy/game:2.1.3', 'localhost/x', 'x@sha256:' + 'a'.repeat(64)),
    reason: fc.constantFrom('finished', 'cancelled', 'admin_request', 'orphan_cleanup', 'timeout'),
    requested_at_ms: fc.integer({ min: 1, max: 2 ** 45 }).map(String),
  })
  .map((fields) => ({ fields: fields as Record<string, string>, duplicateFields: [] as string[] }));
const entryArb = fc.oneof({ arbitrary: wellFormedEntry, weight: 2 }, { arbitrary: hostileEntry, weight: 1 });
const imageArb = fc.record({
  labels: fc.dictionary(fc.constantFrom('com.galaxy.cpu_quota', 'com.galaxy.memory', 'com.galaxy.pids_limit'), fc.oneof(edgyString(10), fc.stringMatching(/^[0-9]{1,12}[mg]?$/), fc.constantFrom('1', '0.5', '256m', '128'))),
  user: fc.oneof({ arbitrary: fc.constant('10001:10001'), weight: 3 }, { arbitrary: edgyString(10), weight: 1 }),
});

function expectContractShaped(spec: ContainerSpec): void {
  expect(spec.name).toMatch(CONTAINER_NAME);
  expect(spec.hostname).toBe(spec.name);
  expect(path.dirname(spec.stateBind.hostPath)).toBe(STATE_ROOT);
  expect(spec.labels['com.galaxy.owner']).toBe('rtmanager');
}

describe('stream payloads', () => {
  /** How many cases reached a service run (a property that never runs one proves nothing). */
  const ran = { start: 0, startCreated: 0, stop: 0 };

  it('start jobs: decoded or refused; a run never fails internally and creates only galaxy-game-* under the state root', async () => {
    await fc.assert(
      fc.asyncProperty(entryArb, imageArb, async ({ fields, duplicateFields }, image) => {
        const entry: StreamEntry = { id: '1-0', fields, duplicateFields };
        const decoded = decodeStartJob(entry);
        expect(['job', 'invalid', 'rejected']).toContain(decoded.kind);
        if (decoded.kind !== 'job') return;
        const h = createHarness();
        h.docker.addImage(decoded.job.imageRef, image.labels, image.user);
        ran.start += 1;
        const r = await h.start.execute({ ...decoded.job, opSource: 'lobby_stream' });
        if (r.outcome === 'success') ran.startCreated += 1;
        if (r.errorCode !== null && r.errorCode !== REPLAY_NO_OP) {
          expect(HTTP_STATUS_BY_ERROR_CODE[r.errorCode]).toBeDefined();
          expect(r.errorCode).not.toBe('internal_error');
        }
        for (const [spec] of h.docker.callsOf('createContainer') as Array<[ContainerSpec]>) expectContractShaped(spec);
        for (const id of h.stateDirectories.ensured) expect(path.dirname(h.stateDirectories.pathFor(id))).toBe(STATE_ROOT);
        h.assertNoLeaseHeld();
      }),
      propertyRuns(500, 'start job payloads'),
    );
    process.stdout.write(`[property] start job payloads: ${ran.start} ran the service, ${ran.startCreated} started\n`);
    expect(ran.start).toBeGreaterThan(50);
    expect(ran.startCreated).toBeGreaterThan(10);
  });

  it('stop jobs: decoded or refused; a run never fails internally', async () => {
    await fc.assert(
      fc.asyncProperty(entryArb, fc.boolean(), async ({ fields, duplicateFields }, seeded) => {
        const decoded = decodeStopJob({ id: '1-0', fields, duplicateFields });
        expect(['job', 'invalid', 'rejected']).toContain(decoded.kind);
        if (decoded.kind !== 'job') return;
        const h = createHarness();
        if (seeded) await h.seedRunning(decoded.job.gameId);
        ran.stop += 1;
        const r = await h.stop.execute({ ...decoded.job, opSource: 'lobby_stream' });
        if (r.errorCode !== null) expect(r.errorCode).not.toBe('internal_error');
        h.assertNoLeaseHeld();
      }),
      propertyRuns(300, 'stop job payloads'),
    );
    expect(ran.stop).toBeGreaterThan(30);
  });
});
