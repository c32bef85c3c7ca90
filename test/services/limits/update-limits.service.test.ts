// update_limits (CONTRACT §11) over the fakes: the container changed in place, the record's
// limits with their sources, one row and one metric; every refusal leaves the container and
// the record as they were. The real daemon's side: test/integration/services/runtime-limits.test.ts.
import { beforeEach, describe, expect, it } from 'vitest';
import { IMAGE, IMAGE_PATCH, createHarness, type Harness } from '../support/lifecycle-harness.js';

const GAME = 'g1';
const MiB = 1024 ** 2;

describe('update_limits', () => {
  let h: Harness;
  beforeEach(() => {
    h = createHarness({ ceilings: { memoryBytes: 2048 * MiB, cpus: 2 } });
  });
  const update = (request: Record<string, unknown>) => h.limits.execute({ gameId: GAME, request, opSource: 'admin_rest' });
  const containerOf = async () => h.docker.containers.get((await h.records.get(GAME))!.currentContainerId!)!;

  it('changes memory and pids of the running container in place: same container, one row, one metric', async () => {
    const seeded = await h.seedRunning(GAME);
    const r = await update({ memory: '768m', pids_limit: 300 });
    expect(r).toMatchObject({ outcome: 'success', errorCode: null });
    expect(r.record?.currentContainerId).toBe(seeded.currentContainerId);
    expect(r.record?.limits).toEqual({ cpus: 1, memoryBytes: 768 * MiB, pidsLimit: 300, source: { cpus: 'default', memoryBytes: 'override', pidsLimit: 'override' } });
    expect(await h.records.get(GAME)).toEqual(r.record);
    expect(h.docker.callsOf('updateContainer')).toEqual([[seeded.currentContainerId, { memoryBytes: 768 * MiB, pidsLimit: 300 }]]);
    expect((await containerOf()).spec?.limits).toEqual({ cpus: 1, memoryBytes: 768 * MiB, pidsLimit: 300 });
    expect(h.docker.callsOf('stopContainer')).toEqual([]);
    const rows = h.rows(GAME);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ opKind: 'update_limits', opSource: 'admin_rest', outcome: 'success', containerId: seeded.currentContainerId });
    expect(rows[0]!.details).toMatchObject({ requested: { memory: '768m', pids_limit: 300 }, limits: { memory_bytes: 768 * MiB, pids_limit: 300 } });
    expect(h.metrics.operations.map((m) => [m.opKind, m.outcome])).toEqual([['update_limits', 'success']]);
  });

  it('works on a stopped game too', async () => {
    await h.seedStopped(GAME);
    const r = await update({ cpus: 1.5 });
    expect(r.outcome).toBe('success');
    expect(r.record).toMatchObject({ status: 'stopped', limits: { cpus: 1.5, source: { cpus: 'override' } } });
  });

  it.each([
    [{ memory: '4g' }, /memory: .* above the ceiling RTMANAGER_MAX_MEMORY/],
    [{ cpus: 3 }, /cpus: .* above the ceiling RTMANAGER_MAX_CPUS/],
    [{ memory: '12 parsecs' }, /memory: expected a size/],
    [{ memory: '1m' }, /memory: expected a size such as 512m \(at least 6m\)/],
    [{ cpus: 0.001 }, /cpus: expected/],
    [{ pids_limit: 1_000_000 }, /pids_limit: .* above the ceiling RTMANAGER_MAX_PIDS_LIMIT/],
  ])('%o is invalid_request naming the field; nothing changes', async (request, message) => {
    const seeded = await h.seedRunning(GAME);
    const r = await update(request);
    expect(r.outcome).toBe('failure');
    expect(r.errorCode).toBe('invalid_request');
    expect(r.errorMessage).toMatch(message);
    expect(h.docker.callsOf('updateContainer')).toEqual([]);
    expect(await h.records.get(GAME)).toEqual(seeded);
    expect(h.rows(GAME).map((row) => [row.opKind, row.outcome, row.errorCode])).toEqual([['update_limits', 'failure', 'invalid_request']]);
  });

  it('Docker refusing the value (memory below what the engine uses) is conflict; the record is unchanged', async () => {
    const seeded = await h.seedRunning(GAME);
    (await containerOf()).usage.memoryBytes = 300 * MiB;
    const r = await update({ memory: '200m' });
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'conflict' });
    expect(r.errorMessage).toMatch(/unable to set memory limit/);
    expect(await h.records.get(GAME)).toEqual(seeded);
    expect((await containerOf()).spec?.limits.memoryBytes).toBe(512 * MiB);
  });

  it('Docker unreachable is docker_unavailable; the record is unchanged', async () => {
    const seeded = await h.seedRunning(GAME);
    h.docker.down = true;
    const r = await update({ memory: '600m' });
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'docker_unavailable' });
    h.docker.down = false;
    expect(await h.records.get(GAME)).toEqual(seeded);
  });

  it('no record, or removed: not_found', async () => {
    expect(await update({ memory: '600m' })).toMatchObject({ outcome: 'failure', errorCode: 'not_found' });
    await h.seedStopped(GAME);
    await h.cleanup.execute({ gameId: GAME, opSource: 'admin_rest' });
    expect(await update({ memory: '600m' })).toMatchObject({ outcome: 'failure', errorCode: 'not_found' });
    expect(h.docker.callsOf('updateContainer')).toEqual([]);
  });

  it('the lease held by another operation: conflict, nothing touched', async () => {
    await h.seedRunning(GAME);
    h.leases.foreign.add(GAME);
    expect(await update({ memory: '600m' })).toMatchObject({ outcome: 'failure', errorCode: 'conflict' });
    expect(h.docker.callsOf('updateContainer')).toEqual([]);
  });

  it('a record without limits (before 1.2) starts from what its image chose', async () => {
    const seeded = await h.seedRunning(GAME);
    await h.records.upsert({ ...seeded, limits: null });
    const r = await update({ pids_limit: 100 });
    expect(r.record?.limits).toEqual({ cpus: 1, memoryBytes: 512 * MiB, pidsLimit: 100, source: { cpus: 'default', memoryBytes: 'default', pidsLimit: 'override' } });
  });

  describe('the override outlives the container', () => {
    const overridden = { cpus: 1, memoryBytes: 768 * MiB, pidsLimit: 512, source: { cpus: 'default', memoryBytes: 'override', pidsLimit: 'default' } };

    it('restart keeps it: the new container is created with it', async () => {
      await h.seedRunning(GAME);
      await update({ memory: '768m' });
      const r = await h.restart.execute({ gameId: GAME, opSource: 'gm_rest' });
      expect(r.outcome).toBe('success');
      expect(r.record?.limits).toEqual(overridden);
      expect((await containerOf()).spec?.limits.memoryBytes).toBe(768 * MiB);
    });

    it('patch keeps it', async () => {
      await h.seedRunning(GAME);
      h.docker.addImage(IMAGE_PATCH);
      await update({ memory: '768m' });
      const r = await h.patch.execute({ gameId: GAME, imageRef: IMAGE_PATCH, opSource: 'gm_rest' });
      expect(r.outcome).toBe('success');
      expect(r.record?.limits).toEqual(overridden);
      expect((await containerOf()).spec?.limits.memoryBytes).toBe(768 * MiB);
    });

    it('a stop and a start of the same image keep it; a start of another image starts from its labels', async () => {
      await h.seedRunning(GAME);
      await update({ memory: '768m' });
      await h.stop.execute({ gameId: GAME, reason: 'admin_request', opSource: 'admin_rest' });
      const same = await h.start.execute({ gameId: GAME, imageRef: IMAGE, opSource: 'lobby_stream' });
      expect(same.record?.limits).toEqual(overridden);
      await h.stop.execute({ gameId: GAME, reason: 'admin_request', opSource: 'admin_rest' });
      h.docker.addImage('galaxy/game:2.0.0', { 'com.galaxy.memory': '256m' });
      const other = await h.start.execute({ gameId: GAME, imageRef: 'galaxy/game:2.0.0', opSource: 'lobby_stream' });
      expect(other.record?.limits).toEqual({ cpus: 1, memoryBytes: 256 * MiB, pidsLimit: 512, source: { cpus: 'default', memoryBytes: 'image_label', pidsLimit: 'default' } });
      expect((await containerOf()).spec?.limits.memoryBytes).toBe(256 * MiB);
    });
  });
});
