// Crash-consistent restart and patch (issue 9 item 2), proved on real dockerd + PostgreSQL:
// each state a SIGKILL can leave behind is built directly, then one startup reconcile pass
// (grace far in the future: startup ignores it) must bring record and Docker together and
// close the interrupted operation in the op log. Only this file's game ids are asserted on.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GAME_ID_LABEL, IMAGE_REF_LABEL, OWNER_LABEL, OWNER_VALUE } from '../../../src/domain/container-spec.js';
import { containerNameFor } from '../../../src/domain/runtime-record.js';
import { ReconcilerWorker } from '../../../src/workers/reconciler/reconciler.worker.js';
import { ENGINE_IMAGE, TEST_DOCKER_NETWORK } from '../../support/test-env.js';
import { createHealthHarness, docker, type HealthHarness } from './health-harness.js';

const TEN_MINUTES = 10 * 60_000;

describe('reconcile repairs what a crash mid-restart/patch left (real parts)', () => {
  let h: HealthHarness;

  beforeAll(async () => {
    h = await createHealthHarness();
  });

  afterAll(async () => {
    await h?.close();
  });

  const startupPass = () =>
    new ReconcilerWorker({ ...h, reconcile: h.reconcileServices(TEN_MINUTES).game, settings: { intervalMs: 60_000 } }).reconcileOnce({ startup: true });

  /** A stopped game whose container was destroyed (the restart got that far). */
  async function stoppedWithDestroyedContainer(label: string) {
    const gameId = h.newGameId(label);
    const record = await h.startEngine(gameId);
    expect((await h.services.stop.execute({ gameId, reason: 'admin_request', opSource: 'admin_rest' })).outcome).toBe('success');
    docker('rm', '-f', record.currentContainerId!);
    return { gameId, oldContainerId: record.currentContainerId! };
  }

  /** `docker create` of an owned engine as start does it, never started. */
  function halfMadeContainer(gameId: string): string {
    const labels = [`${OWNER_LABEL}=${OWNER_VALUE}`, `${GAME_ID_LABEL}=${gameId}`, `${IMAGE_REF_LABEL}=${ENGINE_IMAGE}`];
    return docker('create', '--pull', 'never', '--name', containerNameFor(gameId), '--network', TEST_DOCKER_NETWORK, ...labels.flatMap((l) => ['--label', l]), ENGINE_IMAGE);
  }

  async function markPending(gameId: string, opKind: 'restart' | 'patch') {
    const marker = { gameId, opKind, opSource: 'admin_rest' as const, correlationId: randomUUID(), imageRef: ENGINE_IMAGE, startedAt: new Date(Date.now() - 2_000) };
    await h.pendingOperations.begin(marker);
    return marker;
  }

  it('killed at the new container’s create: the never-started container is removed, the record corrected, the restart closed', async () => {
    const { gameId, oldContainerId } = await stoppedWithDestroyedContainer('crash-create');
    const made = halfMadeContainer(gameId);
    const marker = await markPending(gameId, 'restart');

    const report = await startupPass();
    expect(report.removedHalfMade).toContain(gameId);
    expect(report.disposed).toContain(gameId);
    expect(report.closedInterrupted).toContain(gameId);
    expect(report.failed).not.toContain(gameId);

    expect(await h.docker.inspectContainer(made)).toBeNull();
    expect(await h.records.get(gameId)).toMatchObject({ status: 'removed', currentContainerId: oldContainerId });
    const rows = (await h.operationLog.listByGame(gameId, 10)).reverse().slice(-3);
    expect(rows.map((r) => [r.opKind, r.outcome, r.containerId])).toEqual([
      ['reconcile_dispose', 'success', made],
      ['reconcile_dispose', 'success', oldContainerId],
      ['restart', 'failure', oldContainerId],
    ]);
    expect(rows[2]).toMatchObject({ opSource: 'admin_rest', errorCode: 'internal_error', correlationId: marker.correlationId, details: { interrupted: true, final_status: 'removed' } });
    expect(await h.pendingOperations.list(100)).not.toContainEqual(expect.objectContaining({ gameId }));

    // Consistent now: the next pass does nothing for this game, and start works again.
    const again = await startupPass();
    for (const list of [again.removedHalfMade, again.disposed, again.adopted, again.closedInterrupted]) expect(list).not.toContain(gameId);
    expect((await h.services.start.execute({ gameId, imageRef: ENGINE_IMAGE, opSource: 'admin_rest' })).outcome).toBe('success');
  });

  it('killed at the old container’s destroy: the stopped record naming a vanished container becomes removed', async () => {
    const { gameId } = await stoppedWithDestroyedContainer('crash-destroy');
    const marker = await markPending(gameId, 'patch');
    const report = await startupPass();
    expect(report.disposed).toContain(gameId);
    expect(report.closedInterrupted).toContain(gameId);
    expect((await h.records.get(gameId))?.status).toBe('removed');
    expect((await h.operationLog.listByGame(gameId, 1))[0]).toMatchObject({ opKind: 'patch', outcome: 'failure', correlationId: marker.correlationId });
  });

  it('killed after the new container started: the running engine is adopted at startup though it is seconds old', async () => {
    const { gameId } = await stoppedWithDestroyedContainer('crash-started');
    const fresh = h.runByHand(gameId);
    const report = await startupPass();
    expect(report.adopted).toContain(gameId);
    expect(report.skippedGrace).not.toContain(gameId);
    expect(await h.records.get(gameId)).toMatchObject({ status: 'running', currentContainerId: fresh });
    expect((await h.docker.inspectContainer(fresh))?.running).toBe(true);
  });
});
