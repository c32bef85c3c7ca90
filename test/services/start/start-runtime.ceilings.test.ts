// start and the image's own say over its container (issue 9 items 6, 9): ceilings and
// root refusal are start_config_invalid before any container or state directory exists.
import { afterEach, describe, expect, it } from 'vitest';
import { IMAGE, createHarness, type Harness, type HarnessOptions } from '../support/lifecycle-harness.js';

const GAME = 'g1';
const GiB = 1024 ** 3;
let h: Harness;

function harness(opts: HarnessOptions = {}): Harness {
  h = createHarness(opts);
  h.docker.host = { cpus: 2, memoryBytes: 23 * GiB };
  return h;
}
afterEach(() => h.assertNoLeaseHeld());

const start = () => h.start.execute({ gameId: GAME, imageRef: IMAGE, opSource: 'lobby_stream' });

function expectRefusedBeforeCreate(message: RegExp): void {
  expect(h.docker.callsOf('createContainer')).toHaveLength(0);
  expect(h.docker.containers.size).toBe(0);
  expect(h.stateDirectories.ensured.has(GAME)).toBe(false);
  const rows = h.rows(GAME);
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ outcome: 'failure', errorCode: 'start_config_invalid' });
  expect(rows[0]?.errorMessage).toMatch(message);
}

describe('start: operator ceilings', () => {
  it.each([
    ['com.galaxy.memory', '900g', /RTMANAGER_MAX_MEMORY=24696061952 bytes \(23.00 GiB\)/],
    ['com.galaxy.pids_limit', '4000000', /RTMANAGER_MAX_PIDS_LIMIT=32768 pids/],
    ['com.galaxy.cpu_quota', '64', /RTMANAGER_MAX_CPUS=2 CPUs/],
  ])('refuses %s=%s above the host-derived ceiling', async (label, value, ceiling) => {
    harness().docker.addImage(IMAGE, { [label]: value });
    const r = await start();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'start_config_invalid' });
    expect(r.errorMessage).toMatch(ceiling);
    expectRefusedBeforeCreate(ceiling);
    expect(h.notificationIntents.published.map((i) => i.intentType)).toEqual(['runtime.start_config_invalid']);
  });

  it('configured ceilings win over the host', async () => {
    harness({ ceilings: { memoryBytes: 1 * GiB } }).docker.addImage(IMAGE, { 'com.galaxy.memory': '2g' });
    expect((await start()).errorMessage).toMatch(/RTMANAGER_MAX_MEMORY=1073741824 bytes/);
    expectRefusedBeforeCreate(/com.galaxy.memory="2g"/);
  });

  it('starts with limits at the ceiling', async () => {
    harness().docker.addImage(IMAGE, { 'com.galaxy.cpu_quota': '2', 'com.galaxy.pids_limit': '32768' });
    const r = await start();
    expect(r.outcome).toBe('success');
    expect(h.docker.byName('galaxy-game-g1')?.spec?.limits).toMatchObject({ cpus: 2, pidsLimit: 32768 });
  });

  it('a daemon that cannot report its resources is docker_unavailable, nothing created', async () => {
    harness().docker.addImage(IMAGE);
    // An unreachable daemon is a DependencyUnavailable('docker'), as the adapter throws it.
    const { DependencyUnavailable } = await import('../../../src/ports/infrastructure-fault.js');
    h.docker.failOn.hostResources = new DependencyUnavailable('docker', 'daemon gone');
    const r = await start();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'docker_unavailable' });
    expect(h.docker.callsOf('createContainer')).toHaveLength(0);
  });
});

describe('start: root images', () => {
  it.each([[''], ['root'], ['0'], ['0:0']])('refuses an image with USER %j', async (user) => {
    harness().docker.addImage(IMAGE, {}, user);
    const r = await start();
    expect(r).toMatchObject({ outcome: 'failure', errorCode: 'start_config_invalid' });
    expectRefusedBeforeCreate(/would run as root.*RTMANAGER_ALLOW_ROOT_ENGINES=true/);
  });

  it('starts a root image when RTMANAGER_ALLOW_ROOT_ENGINES=true', async () => {
    harness({ hardening: { allowRoot: true } }).docker.addImage(IMAGE, {}, '');
    expect((await start()).outcome).toBe('success');
    expect(h.docker.byName('galaxy-game-g1')?.spec?.user).toBeNull();
  });

  it('starts a root image as the forced RTMANAGER_ENGINE_USER', async () => {
    harness({ hardening: { user: '10001:10001', readOnlyRootfs: true } }).docker.addImage(IMAGE, {}, '');
    expect((await start()).outcome).toBe('success');
    expect(h.docker.byName('galaxy-game-g1')?.spec).toMatchObject({ user: '10001:10001', readOnlyRootfs: true });
  });
});
