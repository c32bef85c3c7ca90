// Drift that happened while RTM was down (no worker running), found by reconcileOnce on
// real parts; and TTL cleanup through the real cleanup operation.
import { readdir, stat } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerNameFor } from '../../../src/domain/runtime-record.js';
import { ContainerCleanupWorker } from '../../../src/workers/container-cleanup/container-cleanup.worker.js';
import { ReconcilerWorker } from '../../../src/workers/reconciler/reconciler.worker.js';
import { ENGINE_IMAGE, ENGINE_IMAGE_PATCH, eventually } from '../../support/test-env.js';
import { createHealthHarness, docker, type HealthHarness } from './health-harness.js';

describe('reconcile and TTL cleanup (real parts)', () => {
  let h: HealthHarness;

  beforeAll(async () => {
    h = await createHealthHarness();
  });

  afterAll(async () => {
    await h?.close();
  });

  function reconciler(graceMs: number): ReconcilerWorker {
    return new ReconcilerWorker({ ...h, reconcile: h.reconcileServices(graceMs).game, settings: { intervalMs: 60_000 } });
  }

  it('after RTM was down: a hand-started owned engine is adopted, a removed one disposed, an exited one marked stopped; unowned ones are left alone', async () => {
    // (a) an owned engine started by hand, with no record
    const adoptId = h.newGameId('adopt');
    const handRun = h.runByHand(adoptId, { image: ENGINE_IMAGE_PATCH });
    // Within the grace period the fresh hand-run container is not drift yet.
    const early = await reconciler(10 * 60_000).reconcileOnce();
    expect(early.skippedGrace).toEqual([adoptId]);
    expect(await h.records.get(adoptId)).toBeNull();
    // (b) a running engine removed behind RTM's back
    const goneId = h.newGameId('gone');
    const gone = await h.startEngine(goneId);
    docker('rm', '-f', gone.currentContainerId!);
    // (c) a running engine that exited
    const exitedId = h.newGameId('exited');
    const exited = await h.startEngine(exitedId);
    await h.control(exitedId, '/control/exit?code=2&delay_ms=20');
    await eventually(async () => ((await h.docker.inspectContainer(exited.currentContainerId!))?.state === 'exited' ? true : undefined));
    // (d) an engine with the game label and name pattern but not owned: never RTM's
    const foreignId = h.newGameId('foreign');
    const foreign = h.runByHand(foreignId, { owned: false });

    const report = await reconciler(0).reconcileOnce();
    expect(report.adopted).toEqual([adoptId]);
    expect(report.disposed).toEqual([goneId]);
    expect(report.markedStopped).toEqual([exitedId]);
    expect(report.failed).toEqual([]);

    expect(await h.records.get(adoptId)).toMatchObject({
      status: 'running',
      currentContainerId: handRun,
      currentImageRef: ENGINE_IMAGE_PATCH,
      engineEndpoint: `http://${containerNameFor(adoptId)}:8080`,
      statePath: h.stateDirectories.pathFor(adoptId),
    });
    expect((await h.docker.inspectContainer(handRun))?.running).toBe(true);
    expect((await h.operationLog.listByGame(adoptId, 5)).map((o) => [o.opKind, o.opSource, o.outcome, o.containerId])).toEqual([
      ['reconcile_adopt', 'auto_reconcile', 'success', handRun],
    ]);

    expect((await h.records.get(goneId))?.status).toBe('removed');
    const disappeared = await h.waitForEvent(goneId, 'container_disappeared');
    expect(disappeared).toMatchObject({ container_id: gone.currentContainerId, details: { source: 'reconcile' } });
    expect((await h.operationLog.listByGame(goneId, 5))[0]).toMatchObject({ opKind: 'reconcile_dispose', opSource: 'auto_reconcile', outcome: 'success' });

    expect(await h.records.get(exitedId)).toMatchObject({ status: 'stopped', currentContainerId: exited.currentContainerId });
    expect((await h.operationLog.listByGame(exitedId, 5))[0]).toMatchObject({
      opKind: 'reconcile_mark_stopped',
      opSource: 'auto_reconcile',
      details: { docker_status: 'exited', exit_code: 2, oom_killed: false },
    });
    // The exited container is kept (logs, TTL cleanup).
    expect((await h.docker.inspectContainer(exited.currentContainerId!))?.state).toBe('exited');

    expect(await h.records.get(foreignId)).toBeNull();
    expect(docker('inspect', '-f', '{{.State.Running}}', foreign)).toBe('true');

    // Nothing left to do on the next pass.
    const again = await reconciler(0).reconcileOnce();
    expect(again).toMatchObject({ adopted: [], disposed: [], markedStopped: [], failed: [] });
  });

  it('a game whose lease is held (an operation in flight) is skipped', async () => {
    const gameId = h.newGameId('busy');
    const record = await h.startEngine(gameId);
    docker('rm', '-f', record.currentContainerId!);
    const lease = await h.leases.tryAcquire(gameId);
    expect(lease).not.toBeNull();
    try {
      const report = await reconciler(0).reconcileOnce();
      expect(report.skippedBusy).toContain(gameId);
      expect((await h.records.get(gameId))?.status).toBe('running');
    } finally {
      await lease!.release();
    }
    expect((await reconciler(0).reconcileOnce()).disposed).toEqual([gameId]);
  });

  it('TTL cleanup with a tiny retention removes the stopped container and keeps the state directory', async () => {
    const gameId = h.newGameId('ttl');
    const record = await h.startEngine(gameId);
    const stopped = await h.services.stop.execute({ gameId, reason: 'finished', opSource: 'lobby_stream' });
    expect(stopped.outcome).toBe('success');
    const stateFiles = await readdir(record.statePath);
    expect(stateFiles).toContain('engine-state.json');

    const worker = new ContainerCleanupWorker({ ...h, cleanup: h.services.cleanup, settings: { intervalMs: 60_000, retentionMs: 1 } });
    // last_op_at must be strictly older than now - 1 ms.
    await eventually(() => (Date.now() > stopped.record!.lastOpAt.getTime() + 1 ? true : undefined), { intervalMs: 5 });
    const report = await worker.cleanupRound();
    expect(report.cleaned).toContain(gameId);
    expect(report.failed.filter((id) => id === gameId)).toEqual([]);

    expect(await h.docker.inspectContainer(record.currentContainerId!)).toBeNull();
    expect(await h.records.get(gameId)).toMatchObject({ status: 'removed', currentContainerId: record.currentContainerId });
    expect((await h.operationLog.listByGame(gameId, 1))[0]).toMatchObject({ opKind: 'cleanup_container', opSource: 'auto_ttl', outcome: 'success' });
    expect((await stat(record.statePath)).isDirectory()).toBe(true);
    expect(await readdir(record.statePath)).toEqual(stateFiles);
  });
});
