// The Docker events listener against the real daemon and the test engine: exits, OOM,
// removal by someone else, RTM's own stop, and a dropped events connection.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerEventsWorker } from '../../../src/workers/docker-events/docker-events.worker.js';
import { ENGINE_IMAGE_SMALLMEM, eventually } from '../../support/test-env.js';
import { createHealthHarness, docker, type HealthHarness } from './health-harness.js';

describe('Docker events -> health events (real daemon)', () => {
  let h: HealthHarness;
  let worker: DockerEventsWorker;

  beforeAll(async () => {
    h = await createHealthHarness();
    worker = new DockerEventsWorker({ ...h, settings: { reconnectMaxMs: 4_000, reconnectInitialMs: 1_500 } });
    worker.start();
    await eventually(() => (h.docker.connections.length === 1 ? true : undefined));
  });

  afterAll(async () => {
    await worker?.stop();
    await h?.close();
  });

  it('`docker kill` -> container_exited with exit code 137, not requested by RTM', async () => {
    const gameId = h.newGameId('kill');
    const record = await h.startEngine(gameId);
    docker('kill', record.currentContainerId!);
    const e = await h.waitForEvent(gameId, 'container_exited');
    expect(e).toMatchObject({ container_id: record.currentContainerId, details: { exit_code: 137, requested_by_rtm: false } });
    // The snapshot upsert runs alongside the append: it may land a moment after the entry.
    const snapshot = await eventually(async () => {
      const s = await h.snapshots.get(gameId);
      return s?.eventType === 'container_exited' ? s : undefined;
    });
    expect(snapshot).toMatchObject({ eventType: 'container_exited', containerId: record.currentContainerId });
  });

  it('the engine exiting with code 3 -> container_exited with exit code 3', async () => {
    const gameId = h.newGameId('exit3');
    const record = await h.startEngine(gameId);
    await h.control(gameId, '/control/exit?code=3&delay_ms=50');
    const e = await h.waitForEvent(gameId, 'container_exited');
    expect(e).toMatchObject({ container_id: record.currentContainerId, details: { exit_code: 3, requested_by_rtm: false } });
    // An exit is not a disappearance: the record keeps its container. The sync the exit asks for
    // (issue 19) marks it stopped at once, racing this read, so wait for it with a deadline.
    const after = await eventually(async () => {
      const r = await h.records.get(gameId);
      return r?.status === 'stopped' ? r : undefined;
    }, { message: 'the sync after the exit never marked the record stopped' });
    expect(after).toMatchObject({ currentContainerId: record.currentContainerId });
    expect((await h.operationLog.listByGame(gameId, 10)).map((r) => r.opKind)).toContain('reconcile_mark_stopped');
  });

  it('the engine running out of memory -> container_oom (then container_exited 137)', async () => {
    const gameId = h.newGameId('oom');
    const record = await h.startEngine(gameId, ENGINE_IMAGE_SMALLMEM);
    await h.control(gameId, '/control/oom');
    const oom = await h.waitForEvent(gameId, 'container_oom', { timeoutMs: 30_000 });
    expect(oom.container_id).toBe(record.currentContainerId);
    const exited = await h.waitForEvent(gameId, 'container_exited');
    expect(exited.details).toEqual({ exit_code: 137, requested_by_rtm: false });
    expect(exited.occurred_at_ms).toBeGreaterThanOrEqual(oom.occurred_at_ms);
  });

  it('`docker rm -f` of a running engine -> container_disappeared and the record removed', async () => {
    const gameId = h.newGameId('rmf');
    const record = await h.startEngine(gameId);
    docker('rm', '-f', record.currentContainerId!);
    const e = await h.waitForEvent(gameId, 'container_disappeared');
    expect(e).toMatchObject({ container_id: record.currentContainerId, details: { source: 'docker_event' } });
    const after = await h.records.get(gameId);
    expect(after).toMatchObject({ status: 'removed', currentContainerId: record.currentContainerId });
    expect(after?.removedAt).not.toBeNull();
    const ops = await h.operationLog.listByGame(gameId, 10);
    expect(ops.map((o) => [o.opKind, o.opSource, o.outcome])).toEqual([
      ['reconcile_dispose', 'auto_reconcile', 'success'],
      ['start', 'admin_rest', 'success'],
    ]);
    // The kill that `rm -f` does first is reported as an exit, once.
    expect((await h.healthEvents(gameId)).filter((x) => x.event_type === 'container_exited')).toHaveLength(1);
  });

  it('RTM’s own stop is reported with requested_by_rtm=true and is never a disappearance', async () => {
    const gameId = h.newGameId('rtmstop');
    const record = await h.startEngine(gameId);
    const stopped = await h.services.stop.execute({ gameId, reason: 'admin_request', opSource: 'admin_rest' });
    expect(stopped.outcome).toBe('success');
    const e = await h.waitForEvent(gameId, 'container_exited');
    expect(e).toMatchObject({ container_id: record.currentContainerId, details: { requested_by_rtm: true } });
    const cleaned = await h.services.cleanup.execute({ gameId, opSource: 'admin_rest' });
    expect(cleaned.outcome).toBe('success');
    // The destroy event of the cleanup has arrived once the listener has seen a later event of the game.
    await eventually(() => (h.docker.connections.some((c) => c.delivered.some((d) => d.containerId === record.currentContainerId && d.action === 'destroy')) ? true : undefined));
    expect((await h.healthEvents(gameId)).map((x) => x.event_type)).toEqual(['container_started', 'container_exited']);
    expect((await h.records.get(gameId))?.status).toBe('removed');
  });

  it('an events connection dropped while an engine dies: the listener reconnects with since and still reports the exit once', async () => {
    const gameId = h.newGameId('cut');
    const record = await h.startEngine(gameId);
    const containerId = record.currentContainerId!;
    const before = h.docker.connections.length;
    // Wait until the live connection has seen this engine's start, so `since` is recent.
    await eventually(() => (h.docker.connections[before - 1]?.delivered.some((d) => d.containerId === containerId && d.action === 'start') ? true : undefined));
    h.docker.connections[before - 1]!.cut();
    // The listener now waits out its backoff (1.5 s); the engine dies in that gap.
    docker('kill', containerId);
    const e = await h.waitForEvent(gameId, 'container_exited');
    expect(e.details).toEqual({ exit_code: 137, requested_by_rtm: false });

    const reconnected = h.docker.connections[before];
    expect(reconnected).toBeDefined();
    // `since` = the second of the last event the listener saw before the cut.
    const seenBefore = h.docker.connections[before - 1]!.delivered;
    const startSecond = Number(seenBefore.find((d) => d.containerId === containerId && d.action === 'start')!.timeNano / 1_000_000_000n);
    expect(reconnected!.since).toBeGreaterThanOrEqual(startSecond);
    expect(reconnected!.since).toBeLessThanOrEqual(Number(seenBefore.at(-1)!.timeNano / 1_000_000_000n));
    // The daemon replayed the missed die on the new connection ...
    await eventually(() => (reconnected!.delivered.some((d) => d.containerId === containerId && d.action === 'die') ? true : undefined));
    // ... and the replay plus the post-reconnect inspection still made one event, not two.
    expect((await h.healthEvents(gameId)).filter((x) => x.event_type === 'container_exited')).toHaveLength(1);
    expect(worker.problem()).toBeNull();
  });
});
