import { DependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DockerError } from '../../../src/ports/docker-runtime.js';
import {
  DEFAULT_LIMITS,
  IMAGE,
  STATE_ROOT,
  createHarness,
  type Harness,
} from '../support/lifecycle-harness.js';

const GAME = 'g1';
const NAME = 'galaxy-game-g1';

let h: Harness;
beforeEach(() => {
  h = createHarness();
});
afterEach(() => {
  h.assertNoLeaseHeld();
  h.assertIntentsDeclaredBeforeStopAndRemove();
});

const start = (over: Partial<{ gameId: string; imageRef: string }> = {}) =>
  h.start.execute({ gameId: GAME, imageRef: IMAGE, opSource: 'lobby_stream', ...over });

describe('start: happy path', () => {
  it('creates and starts the container, records it running, logs one row and publishes container_started', async () => {
    h.docker.addImage(IMAGE);
    const r = await start();

    expect(r.outcome).toBe('success');
    expect(r.errorCode).toBeNull();
    const c = h.docker.byName(NAME);
    expect(c?.state).toBe('running');
    expect(r.record).toMatchObject({
      gameId: GAME,
      status: 'running',
      currentContainerId: c?.id,
      currentImageRef: IMAGE,
      engineEndpoint: 'http://galaxy-game-g1:8080',
      statePath: `${STATE_ROOT}/${GAME}`,
      startedAt: h.clock.now(),
      lastOpAt: h.clock.now(),
      stoppedAt: null,
      removedAt: null,
    });
    expect(await h.records.get(GAME)).toEqual(r.record);
    expect(h.stateDirectories.ensured.has(GAME)).toBe(true);

    expect(c?.spec).toMatchObject({
      name: NAME,
      hostname: NAME,
      image: IMAGE,
      network: 'galaxy-net',
      labels: { 'com.galaxy.owner': 'rtmanager', 'com.galaxy.game_id': GAME, 'com.galaxy.image_ref': IMAGE },
      stateBind: { hostPath: `${STATE_ROOT}/${GAME}`, containerPath: '/var/lib/galaxy-game' },
      limits: DEFAULT_LIMITS,
    });

    const rows = h.rows(GAME);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      opKind: 'start',
      opSource: 'lobby_stream',
      outcome: 'success',
      errorCode: null,
      errorMessage: null,
      imageRef: IMAGE,
      containerId: c?.id,
      correlationId: null,
    });
    expect(rows[0]?.details).toMatchObject({ pull_policy: 'if_not_present', limits: { cpus: 1, pids_limit: 512 } });

    expect(h.healthEvents.published).toEqual([
      { gameId: GAME, containerId: c?.id, eventType: 'container_started', occurredAt: h.clock.now(), details: { image_ref: IMAGE } },
    ]);
    // The health publisher counts the event; the service must not count it a second time.
    expect(h.metrics.healthEvents).toEqual([]);
    expect(h.metrics.operations).toEqual([{ opKind: 'start', outcome: 'success', seconds: 0 }]);
    expect(h.notificationIntents.published).toHaveLength(0);
  });

  it('takes resource limits from the image labels, defaults where absent', async () => {
    h.docker.addImage(IMAGE, { 'com.galaxy.memory': '48m', 'com.galaxy.cpu_quota': '0.5' });
    const r = await start();
    expect(r.outcome).toBe('success');
    expect(h.docker.byName(NAME)?.spec?.limits).toEqual({ cpus: 0.5, memoryBytes: 48 * 1024 ** 2, pidsLimit: 512 });
    // The record says where each value came from (CONTRACT §11).
    expect(r.record?.limits).toEqual({
      cpus: 0.5,
      memoryBytes: 48 * 1024 ** 2,
      pidsLimit: 512,
      source: { cpus: 'image_label', memoryBytes: 'image_label', pidsLimit: 'default' },
    });
  });

  it('starts a game whose record is removed, keeping created_at', async () => {
    await h.seedStopped(GAME);
    await h.cleanup.execute({ gameId: GAME, opSource: 'admin_rest' });
    const before = await h.records.get(GAME);
    expect(before?.status).toBe('removed');
    h.clock.advance(5000);
    const r = await start();
    expect(r.outcome).toBe('success');
    expect(r.record?.status).toBe('running');
    expect(r.record?.createdAt).toEqual(before?.createdAt);
    expect(r.record?.startedAt).toEqual(h.clock.now());
  });

  it('starts a stopped game: the old owned container is removed and a new one created', async () => {
    const stopped = await h.seedStopped(GAME);
    const oldId = stopped.currentContainerId as string;
    const r = await start();
    expect(r.outcome).toBe('success');
    expect(h.docker.containers.has(oldId)).toBe(false);
    expect(r.record?.currentContainerId).not.toBe(oldId);
    expect(h.docker.byName(NAME)?.state).toBe('running');
    expect(r.record?.createdAt).toEqual(stopped.createdAt);
    expect(h.rows(GAME)[0]?.details).toMatchObject({ replaced_container_id: oldId });
    expect(h.containerIntents.declared).toContainEqual(expect.objectContaining({ containerId: oldId, action: 'remove' }));
  });

  it('removes and recreates an owned leftover container that has no record', async () => {
    h.docker.addImage(IMAGE);
    const leftover = h.docker.addContainer({ name: NAME, image: IMAGE, labels: { 'com.galaxy.owner': 'rtmanager', 'com.galaxy.game_id': GAME } });
    const r = await start();
    expect(r.outcome).toBe('success');
    expect(h.docker.containers.has(leftover.id)).toBe(false);
    expect(h.docker.byName(NAME)?.id).toBe(r.record?.currentContainerId);
  });

  it('works without a Lobby client, and when Lobby is down', async () => {
    const noLobby = createHarness({ withLobby: false });
    noLobby.docker.addImage(IMAGE);
    expect((await noLobby.start.execute({ gameId: GAME, imageRef: IMAGE, opSource: 'gm_rest' })).outcome).toBe('success');

    h.lobby.down = true;
    h.docker.addImage(IMAGE);
    expect((await start()).outcome).toBe('success');
  });

  it('carries the caller correlation id when run inside a held lease', async () => {
    h.docker.addImage(IMAGE);
    const lease = await h.leases.tryAcquire(GAME);
    if (!lease) throw new Error('lease');
    const r = await h.start.runHeld({ gameId: GAME, imageRef: IMAGE, opSource: 'admin_rest', correlationId: 'corr-1' }, lease);
    await lease.release();
    expect(r.outcome).toBe('success');
    expect(h.rows(GAME)[0]?.correlationId).toBe('corr-1');
  });
});

describe('start: idempotency and conflicts', () => {
  it('running with the same image_ref: replay_no_op, nothing touched in Docker', async () => {
    const seeded = await h.seedRunning(GAME);
    const r = await start();
    expect(r).toEqual({ outcome: 'success', errorCode: 'replay_no_op', errorMessage: null, record: seeded });
    expect(h.docker.calls).toHaveLength(0);
    expect(h.rows(GAME)).toHaveLength(1);
    expect(h.rows(GAME)[0]).toMatchObject({ outcome: 'success', errorCode: 'replay_no_op', containerId: seeded.currentContainerId });
    expect(h.healthEvents.published).toHaveLength(0);
  });

  it('running with a different image_ref: conflict, nothing touched', async () => {
    const seeded = await h.seedRunning(GAME);
    const r = await start({ imageRef: 'galaxy/game:2.0.0' });
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'conflict', record: seeded });
    expect(r.retryable).toBeFalsy(); // a conflict of state: retrying cannot help
    expect(h.docker.calls).toHaveLength(0);
    expect(await h.records.get(GAME)).toEqual(seeded);
    expect(h.rows(GAME)).toMatchObject([{ outcome: 'failure', errorCode: 'conflict', imageRef: 'galaxy/game:2.0.0' }]);
  });

  it('lease held elsewhere: conflict with a row, nothing touched', async () => {
    h.docker.addImage(IMAGE);
    h.leases.foreign.add(GAME);
    const r = await start();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'conflict', record: null, retryable: true });
    expect(h.docker.calls).toHaveLength(0);
    expect(h.rows(GAME)).toMatchObject([{ opKind: 'start', outcome: 'failure', errorCode: 'conflict' }]);
  });

  it('an unowned container with the game name: conflict, the foreign container untouched', async () => {
    h.docker.addImage(IMAGE);
    const foreign = h.docker.addContainer({ name: NAME, image: 'nginx:latest', labels: { 'com.example': 'x' } });
    const r = await start();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'conflict' });
    expect(r.errorMessage).toMatch(/not owned/);
    expect(h.docker.containers.get(foreign.id)).toMatchObject({ state: 'running', image: 'nginx:latest' });
    expect(h.docker.callsOf('removeContainer')).toHaveLength(0);
    expect(h.docker.callsOf('stopContainer')).toHaveLength(0);
    expect(h.docker.callsOf('createContainer')).toHaveLength(0);
    expect(await h.records.get(GAME)).toBeNull();
    expect(h.notificationIntents.published).toHaveLength(0);
  });

  it('the name taken between inspect and create: conflict, no intent', async () => {
    h.docker.addImage(IMAGE);
    h.docker.failOn.createContainer = new DockerError('conflict', 'Conflict. The container name is already in use', 409);
    const r = await start();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'conflict' });
    expect(h.notificationIntents.published).toHaveLength(0);
  });
});

describe('start: validation', () => {
  it.each([['../etc'], ['Game'], ['x'.repeat(52)], ['-g'], ['']])(
    'invalid game_id %j: invalid_request, no row, no lease, no Docker call',
    async (gameId) => {
      const acquire = vi.spyOn(h.leases, 'tryAcquire');
      const r = await start({ gameId });
      expect(r).toMatchObject({ outcome: 'failure', errorCode: 'invalid_request', record: null });
      expect(h.operationLog.entries).toHaveLength(0);
      expect(acquire).not.toHaveBeenCalled();
      expect(h.docker.calls).toHaveLength(0);
      expect(h.metrics.operations).toHaveLength(0);
    },
  );

  it.each([['galaxy/Game:1.0.0'], [''], ['galaxy/game:'], ['http://x/y:1']])(
    'invalid image_ref %j: invalid_request with a row, before any Docker call',
    async (imageRef) => {
      const r = await start({ imageRef });
      expect(r).toMatchObject({ outcome: 'failure', errorCode: 'invalid_request' });
      expect(h.docker.calls).toHaveLength(0);
      expect(h.rows(GAME)).toMatchObject([{ outcome: 'failure', errorCode: 'invalid_request', imageRef }]);
    },
  );

  it('image outside the allowlist: image_ref_not_allowed before any Docker call, no intent', async () => {
    const hh = createHarness({ allowlist: ['registry.example.com/galaxy/'] });
    hh.docker.addImage(IMAGE);
    const r = await hh.start.execute({ gameId: GAME, imageRef: IMAGE, opSource: 'gm_rest' });
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'image_ref_not_allowed' });
    expect(hh.docker.calls).toHaveLength(0);
    expect(hh.rows(GAME)).toHaveLength(1);
    expect(hh.notificationIntents.published).toHaveLength(0);
    hh.assertNoLeaseHeld();
  });

  it('image inside the allowlist starts', async () => {
    const hh = createHarness({ allowlist: ['galaxy/'] });
    hh.docker.addImage(IMAGE);
    expect((await hh.start.execute({ gameId: GAME, imageRef: IMAGE, opSource: 'gm_rest' })).outcome).toBe('success');
  });
});

describe('start: pull policy', () => {
  it('if_not_present: a present image is not pulled', async () => {
    h.docker.addImage(IMAGE);
    await start();
    expect(h.docker.callsOf('pullImage')).toHaveLength(0);
  });

  it('if_not_present: an absent image is pulled', async () => {
    h.docker.pullable.set(IMAGE, {});
    const r = await start();
    expect(r.outcome).toBe('success');
    expect(h.docker.callsOf('pullImage')).toEqual([[IMAGE]]);
    expect(h.rows(GAME)[0]?.details).toMatchObject({ pulled: true });
  });

  it('always: pulls even a present image', async () => {
    const hh = createHarness({ pullPolicy: 'always' });
    hh.docker.pullable.set(IMAGE, {});
    hh.docker.addImage(IMAGE);
    expect((await hh.start.execute({ gameId: GAME, imageRef: IMAGE, opSource: 'gm_rest' })).outcome).toBe('success');
    expect(hh.docker.callsOf('pullImage')).toEqual([[IMAGE]]);
  });

  it('always: a failed pull fails the start even when the image is present locally', async () => {
    const hh = createHarness({ pullPolicy: 'always' });
    hh.docker.addImage(IMAGE);
    const r = await hh.start.execute({ gameId: GAME, imageRef: IMAGE, opSource: 'gm_rest' });
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'image_pull_failed' });
    expect(hh.notificationIntents.published.map((i) => i.intentType)).toEqual(['runtime.image_pull_failed']);
  });

  it('never: a present image is used without pulling', async () => {
    const hh = createHarness({ pullPolicy: 'never' });
    hh.docker.addImage(IMAGE);
    expect((await hh.start.execute({ gameId: GAME, imageRef: IMAGE, opSource: 'gm_rest' })).outcome).toBe('success');
    expect(hh.docker.callsOf('pullImage')).toHaveLength(0);
  });

  it('never: an absent image is image_pull_failed without a pull attempt', async () => {
    const hh = createHarness({ pullPolicy: 'never' });
    hh.docker.pullable.set(IMAGE, {});
    const r = await hh.start.execute({ gameId: GAME, imageRef: IMAGE, opSource: 'gm_rest' });
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'image_pull_failed' });
    expect(r.errorMessage).toMatch(/pull policy is never/);
    expect(hh.docker.callsOf('pullImage')).toHaveLength(0);
    expect(hh.notificationIntents.published).toHaveLength(1);
  });
});

describe('start: failures roll back, record, and notify', () => {
  it('image_pull_failed: nothing created, no record, one failure row, the intent with its payload', async () => {
    const r = await start();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'image_pull_failed', record: null });
    expect(h.docker.callsOf('createContainer')).toHaveLength(0);
    expect(h.docker.byName(NAME)).toBeUndefined();
    expect(await h.records.get(GAME)).toBeNull();
    expect(h.rows(GAME)).toMatchObject([{ outcome: 'failure', errorCode: 'image_pull_failed', imageRef: IMAGE, containerId: null }]);
    expect(h.notificationIntents.published).toEqual([
      {
        intentType: 'runtime.image_pull_failed',
        idempotencyKey: expect.stringMatching(/^runtime\.image_pull_failed:g1:[0-9a-f-]{36}$/),
        gameId: GAME,
        imageRef: IMAGE,
        errorCode: 'image_pull_failed',
        errorMessage: r.errorMessage,
        attemptedAt: h.clock.now(),
      },
    ]);
    expect(h.healthEvents.published).toHaveLength(0);
    expect(h.metrics.operations).toEqual([{ opKind: 'start', outcome: 'failure', seconds: 0 }]);
  });

  it('start_config_invalid: an unparsable resource label, nothing created', async () => {
    h.docker.addImage(IMAGE, { 'com.galaxy.cpu_quota': 'lots' });
    const r = await start();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'start_config_invalid' });
    expect(r.errorMessage).toContain('com.galaxy.cpu_quota');
    expect(h.docker.callsOf('createContainer')).toHaveLength(0);
    expect(await h.records.get(GAME)).toBeNull();
    expect(h.notificationIntents.published.map((i) => i.intentType)).toEqual(['runtime.start_config_invalid']);
  });

  it('state directory failure: container_start_failed with its intent, nothing created', async () => {
    h.docker.addImage(IMAGE);
    h.stateDirectories.failNext = new Error('EACCES: permission denied');
    const r = await start();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'container_start_failed' });
    expect(r.errorMessage).toMatch(/state directory.*EACCES/);
    expect(h.docker.callsOf('createContainer')).toHaveLength(0);
    expect(h.notificationIntents.published.map((i) => i.intentType)).toEqual(['runtime.container_start_failed']);
  });

  it('create refused: container_start_failed, nothing left', async () => {
    h.docker.addImage(IMAGE);
    h.docker.failOn.createContainer = new DockerError('failed', 'invalid mount config', 400);
    const r = await start();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'container_start_failed' });
    expect(h.docker.byName(NAME)).toBeUndefined();
    expect(h.notificationIntents.published.map((i) => i.intentType)).toEqual(['runtime.container_start_failed']);
  });

  it('start refused: the created container is removed, the record unchanged', async () => {
    const stopped = await h.seedStopped(GAME);
    h.docker.failOn.startContainer = new DockerError('failed', 'OCI runtime create failed', 500);
    const r = await start();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'container_start_failed', record: stopped });
    expect(h.docker.byName(NAME)).toBeUndefined();
    expect(await h.records.get(GAME)).toEqual(stopped);
    const createdId = h.rows(GAME)[0]?.containerId as string;
    expect(createdId).toBeTruthy();
    expect(h.containerIntents.declared).toContainEqual(expect.objectContaining({ containerId: createdId, action: 'remove' }));
    expect(h.rows(GAME)[0]?.details).toMatchObject({ rolled_back: true });
    expect(h.notificationIntents.published).toHaveLength(1);
  });

  it('a failed rollback is logged in the row; the result is still the start failure', async () => {
    h.docker.addImage(IMAGE);
    h.docker.failOn.startContainer = new DockerError('failed', 'boom', 500);
    const remove = vi.spyOn(h.docker, 'removeContainer').mockRejectedValueOnce(new DependencyUnavailable('docker', 'timeout'));
    const r = await start();
    expect(r.errorCode).toBe('container_start_failed');
    expect(remove).toHaveBeenCalledTimes(1);
    expect(h.rows(GAME)[0]?.details).toMatchObject({ rolled_back: false });
  });

  it.each([
    ['inspectImage' as const],
    ['createContainer' as const],
    ['startContainer' as const],
    ['inspectContainer' as const],
  ])('daemon unavailable during %s: docker_unavailable, no intent, nothing left', async (method) => {
    h.docker.addImage(IMAGE);
    h.docker.failOn[method] = new DependencyUnavailable('docker', 'connect ECONNREFUSED /var/run/docker.sock');
    const r = await start();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'docker_unavailable' });
    expect(h.notificationIntents.published).toHaveLength(0);
    expect(h.docker.byName(NAME)).toBeUndefined();
    expect(await h.records.get(GAME)).toBeNull();
    expect(h.rows(GAME)).toHaveLength(1);
  });

  it('daemon down entirely: docker_unavailable', async () => {
    h.docker.down = true;
    const r = await start();
    expect(r.errorCode).toBe('docker_unavailable');
    expect(h.notificationIntents.published).toHaveLength(0);
  });

  it('record write fails: the started container is removed, service_unavailable', async () => {
    h.docker.addImage(IMAGE);
    vi.spyOn(h.records, 'upsert').mockRejectedValueOnce(new DependencyUnavailable('postgres', 'connection terminated'));
    const r = await start();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'service_unavailable' });
    expect(h.docker.byName(NAME)).toBeUndefined();
    expect(await h.records.get(GAME)).toBeNull();
    expect(h.rows(GAME)).toMatchObject([{ outcome: 'failure', errorCode: 'service_unavailable' }]);
    expect(h.notificationIntents.published).toHaveLength(0);
    expect(h.healthEvents.published).toHaveLength(0);
  });

  it('record read fails: service_unavailable before any Docker call', async () => {
    vi.spyOn(h.records, 'get').mockRejectedValueOnce(new DependencyUnavailable('postgres', 'ECONNREFUSED 5432'));
    const r = await start();
    expect(r.errorCode).toBe('service_unavailable');
    expect(h.docker.calls).toHaveLength(0);
  });

  it('lease lost before the record write: conflict, container removed, record untouched', async () => {
    h.docker.addImage(IMAGE);
    const realStart = h.docker.startContainer.bind(h.docker);
    vi.spyOn(h.docker, 'startContainer').mockImplementationOnce(async (id) => {
      const started = await realStart(id);
      h.leases.held.delete(GAME); // expired under us
      return started;
    });
    const r = await start();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'conflict' });
    expect(r.errorMessage).toMatch(/lease was lost/);
    expect(h.docker.byName(NAME)).toBeUndefined();
    expect(await h.records.get(GAME)).toBeNull();
    expect(h.rows(GAME)).toHaveLength(1);
  });

  it('lease acquisition fails (Redis down): service_unavailable with a row', async () => {
    vi.spyOn(h.leases, 'tryAcquire').mockRejectedValueOnce(new DependencyUnavailable('redis', 'ECONNREFUSED 6379'));
    const r = await start();
    expect(r.errorCode).toBe('service_unavailable');
    expect(h.rows(GAME)).toMatchObject([{ errorCode: 'service_unavailable' }]);
    expect(h.docker.calls).toHaveLength(0);
  });

  it('lease release failure does not change the result', async () => {
    h.docker.addImage(IMAGE);
    const acquire = h.leases.tryAcquire.bind(h.leases);
    // A release that failed (Redis gone) resolves and leaves the lease to its TTL (GameLease.release).
    vi.spyOn(h.leases, 'tryAcquire').mockImplementationOnce(async (id) => {
      const lease = await acquire(id);
      if (!lease) return null;
      return { ...lease, isLost: () => lease.isLost(), release: async () => undefined };
    });
    expect((await start()).outcome).toBe('success');
    expect(h.leases.held.has(GAME)).toBe(true);
    h.leases.held.delete(GAME); // its TTL runs out
  });

  it('an unexpected exception is internal_error and still rolls back', async () => {
    h.docker.addImage(IMAGE);
    h.docker.failOn.startContainer = new TypeError('cannot read properties of undefined');
    const r = await start();
    expect(r.errorCode).toBe('internal_error');
    expect(h.docker.byName(NAME)).toBeUndefined();
    expect(h.notificationIntents.published).toHaveLength(0);
  });
});

describe('start: side channels never change the outcome', () => {
  it('container_started publish failure: still a successful start', async () => {
    h.docker.addImage(IMAGE);
    vi.spyOn(h.healthEvents, 'publish').mockRejectedValueOnce(new Error('redis down'));
    const r = await start();
    expect(r.outcome).toBe('success');
    expect(h.metrics.healthEvents).toHaveLength(0);
  });

  it('intent publish failure: the result is still the start failure', async () => {
    vi.spyOn(h.notificationIntents, 'publish').mockRejectedValueOnce(new Error('redis down'));
    const r = await start();
    expect(r.errorCode).toBe('image_pull_failed');
    expect(h.rows(GAME)).toHaveLength(1);
  });

  it('operation_log append failure: service_unavailable (not durably recorded), the game is up', async () => {
    h.docker.addImage(IMAGE);
    vi.spyOn(h.operationLog, 'append').mockRejectedValueOnce(new Error('pg down'));
    const r = await start();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'service_unavailable' });
    expect(r.errorMessage).toMatch(/ended with success but could not be recorded/);
    expect(r.record?.status).toBe('running');
    expect(h.metrics.operations).toEqual([{ opKind: 'start', outcome: 'failure', seconds: 0 }]);
    // A retry is the idempotent replay.
    expect((await start()).errorCode).toBe('replay_no_op');
  });
});

describe('start: notification intents exactly for the three codes', () => {
  type Setup = (hh: Harness) => void;
  const cases: Array<[string, Setup, string]> = [
    ['image_pull_failed', () => {}, 'runtime.image_pull_failed'],
    ['start_config_invalid', (hh) => hh.docker.addImage(IMAGE, { 'com.galaxy.pids_limit': '0' }), 'runtime.start_config_invalid'],
    ['container_start_failed', (hh) => { hh.docker.addImage(IMAGE); hh.docker.failOn.startContainer = new DockerError('failed', 'x'); }, 'runtime.container_start_failed'],
    ['docker_unavailable', (hh) => { hh.docker.down = true; }, ''],
    ['conflict', (hh) => { hh.leases.foreign.add(GAME); }, ''],
    ['service_unavailable', (hh) => { hh.docker.addImage(IMAGE); vi.spyOn(hh.records, 'upsert').mockRejectedValueOnce(new DependencyUnavailable('postgres', 'pg')); }, ''],
    ['internal_error', (hh) => { hh.docker.addImage(IMAGE); hh.docker.failOn.createContainer = new Error('bug'); }, ''],
  ];
  it.each(cases)('%s', async (code, setup, intent) => {
    const hh = createHarness();
    setup(hh);
    const r = await hh.start.execute({ gameId: GAME, imageRef: IMAGE, opSource: 'lobby_stream' });
    expect(r.errorCode).toBe(code);
    expect(hh.notificationIntents.published.map((i) => i.intentType)).toEqual(intent ? [intent] : []);
    expect(hh.rows(GAME)).toHaveLength(1);
    expect(hh.docker.byName(NAME)).toBeUndefined();
  });
});

describe('start: concurrency', () => {
  it('two concurrent starts of one game: one starts, the other gets conflict (lease)', async () => {
    h.docker.addImage(IMAGE);
    const [a, b] = await Promise.all([start(), start()]);
    expect([a.errorCode, b.errorCode]).toEqual(expect.arrayContaining([null, 'conflict']));
    expect([a.outcome, b.outcome]).toEqual(expect.arrayContaining(['success', 'failure']));
    expect([...h.docker.containers.values()].filter((c) => c.name === NAME)).toHaveLength(1);
    expect(h.rows(GAME)).toHaveLength(2);
  });
});
