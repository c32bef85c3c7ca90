import { describe, expect, it } from 'vitest';
import {
  CONTAINER_STATE_PATH,
  CPU_QUOTA_LABEL,
  MEMORY_LABEL,
  PIDS_LIMIT_LABEL,
  buildContainerSpec,
  parseCpus,
  parseMemory,
  parsePidsLimit,
  resolveEngineLaunch,
  resourceLimitsFromLabels,
  rootRefusal,
  runsAsRoot,
  effectiveCeilings,
  type ContainerDefaults,
} from '../../src/domain/container-spec.js';
import { containerNameFor, engineEndpointFor } from '../../src/domain/runtime-record.js';

const DEFAULT_LIMITS = { cpus: 1, memoryBytes: 512 * 1024 ** 2, pidsLimit: 512 };
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
/** Wide enough for every label below except the ceiling tests' own. */
const CEILINGS = { cpus: 8, memoryBytes: 16 * GiB, pidsLimit: 32768 };

describe('resource label parsers', () => {
  it.each([
    ['1', 1],
    ['1.0', 1],
    ['0.5', 0.5],
    ['2.25', 2.25],
    [' 1.5 ', 1.5],
    ['1024', 1024],
  ])('parseCpus(%j) = %d', (v, n) => expect(parseCpus(v)).toBe(n));

  it.each([['0'], ['0.0'], ['-1'], ['1e3'], ['.5'], ['1.'], ['abc'], ['lots'], [''], ['1025'], ['1,5'], ['NaN'], ['Infinity'], ['0.001'], ['0.009']])(
    'parseCpus rejects %j',
    (v) => expect(parseCpus(v)).toBeNull(),
  );

  it.each([
    ['512m', 512 * MiB],
    ['512M', 512 * MiB],
    ['1g', 1024 * MiB],
    ['6m', 6 * MiB],
    ['8192k', 8 * MiB],
    [String(64 * MiB), 64 * MiB],
    [`${64 * MiB}b`, 64 * MiB],
  ])('parseMemory(%j) = %d', (v, n) => expect(parseMemory(v)).toBe(n));

  it.each([['5m'], ['1k'], ['0'], ['-512m'], ['512mb'], ['512 m'], ['1.5g'], ['512x'], ['m'], [''], ['lots'], ['99999999999999999999g']])(
    'parseMemory rejects %j',
    (v) => expect(parseMemory(v)).toBeNull(),
  );

  it.each([
    ['1', 1],
    ['512', 512],
    [' 64 ', 64],
  ])('parsePidsLimit(%j) = %d', (v, n) => expect(parsePidsLimit(v)).toBe(n));

  it.each([['0'], ['-1'], ['1.5'], ['abc'], [''], ['1e3'], ['99999999999999999999']])('parsePidsLimit rejects %j', (v) =>
    expect(parsePidsLimit(v)).toBeNull(),
  );
});

describe('resourceLimitsFromLabels', () => {
  it('uses the defaults when no label is present (or labels are null)', () => {
    expect(resourceLimitsFromLabels({}, DEFAULT_LIMITS, CEILINGS)).toEqual({ ok: true, limits: DEFAULT_LIMITS });
    expect(resourceLimitsFromLabels(null, DEFAULT_LIMITS, CEILINGS)).toEqual({ ok: true, limits: DEFAULT_LIMITS });
    expect(resourceLimitsFromLabels(undefined, DEFAULT_LIMITS, CEILINGS)).toEqual({ ok: true, limits: DEFAULT_LIMITS });
  });

  it('takes each present label over its default, independently', () => {
    expect(resourceLimitsFromLabels({ [MEMORY_LABEL]: '48m', other: 'x' }, DEFAULT_LIMITS, CEILINGS)).toEqual({
      ok: true,
      limits: { ...DEFAULT_LIMITS, memoryBytes: 48 * MiB },
    });
    expect(
      resourceLimitsFromLabels({ [CPU_QUOTA_LABEL]: '0.5', [MEMORY_LABEL]: '1g', [PIDS_LIMIT_LABEL]: '64' }, DEFAULT_LIMITS, CEILINGS),
    ).toEqual({ ok: true, limits: { cpus: 0.5, memoryBytes: 1024 * MiB, pidsLimit: 64 } });
  });

  it('does not mutate the defaults', () => {
    const defaults = { ...DEFAULT_LIMITS };
    resourceLimitsFromLabels({ [CPU_QUOTA_LABEL]: '2' }, defaults, CEILINGS);
    expect(defaults).toEqual(DEFAULT_LIMITS);
  });

  it.each([
    [CPU_QUOTA_LABEL, 'lots'],
    [CPU_QUOTA_LABEL, '0'],
    [CPU_QUOTA_LABEL, '-2'],
    [CPU_QUOTA_LABEL, ''],
    [MEMORY_LABEL, '512mb'],
    [MEMORY_LABEL, '1k'],
    [MEMORY_LABEL, 'big'],
    [MEMORY_LABEL, ''],
    [PIDS_LIMIT_LABEL, '0'],
    [PIDS_LIMIT_LABEL, '1.5'],
    [PIDS_LIMIT_LABEL, 'many'],
    [PIDS_LIMIT_LABEL, ''],
  ])('reports %s=%j as the bad label', (label, value) => {
    const r = resourceLimitsFromLabels({ [label]: value }, DEFAULT_LIMITS, CEILINGS);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.label).toBe(label);
      expect(r.value).toBe(value);
      expect(r.reason.length).toBeGreaterThan(0);
    }
  });

  it('reports a bad label even when the others are fine', () => {
    const r = resourceLimitsFromLabels({ [CPU_QUOTA_LABEL]: '1.0', [PIDS_LIMIT_LABEL]: 'x' }, DEFAULT_LIMITS, CEILINGS);
    expect(r).toMatchObject({ ok: false, label: PIDS_LIMIT_LABEL });
  });
});

/** RTM's config defaults (ceilings from the host, no forced user, root refused). */
const DEFAULTS: ContainerDefaults = {
  network: 'galaxy-net',
  enginePort: 8080,
  limits: DEFAULT_LIMITS,
  ceilings: { cpus: null, memoryBytes: null, pidsLimit: 32768 },
  hardening: { user: null, allowRoot: false, readOnlyRootfs: false },
  logDriver: 'json-file',
  logOptions: { 'max-size': '10m', 'max-file': '3' },
};

describe('buildContainerSpec (CONTRACT §2)', () => {
  const defaults = DEFAULTS;

  it('builds the contract container model', () => {
    const limits = { cpus: 0.5, memoryBytes: 256 * MiB, pidsLimit: 100 };
    const spec = buildContainerSpec({
      gameId: 'g-1',
      imageRef: 'galaxy/game:1.0.0',
      hostStatePath: '/srv/state/g-1',
      limits,
      defaults,
    });
    expect(spec).toEqual({
      name: 'galaxy-game-g-1',
      hostname: 'galaxy-game-g-1',
      image: 'galaxy/game:1.0.0',
      labels: {
        'com.galaxy.owner': 'rtmanager',
        'com.galaxy.game_id': 'g-1',
        'com.galaxy.image_ref': 'galaxy/game:1.0.0',
      },
      env: { GAME_STATE_PATH: '/var/lib/galaxy-game', STORAGE_PATH: '/var/lib/galaxy-game' },
      network: 'galaxy-net',
      stateBind: { hostPath: '/srv/state/g-1', containerPath: CONTAINER_STATE_PATH },
      exposedPort: 8080,
      limits,
      user: null,
      readOnlyRootfs: false,
      logDriver: 'json-file',
      logOptions: { 'max-size': '10m', 'max-file': '3' },
    });
  });

  it('carries the forced engine user and the read-only rootfs switch', () => {
    const hardening = { user: '10001:10001', allowRoot: false, readOnlyRootfs: true };
    const spec = buildContainerSpec({ gameId: 'g-1', imageRef: 'g:1', hostStatePath: '/s/g-1', limits: DEFAULT_LIMITS, defaults: { ...defaults, hardening } });
    expect(spec).toMatchObject({ user: '10001:10001', readOnlyRootfs: true });
  });

  it('names, endpoints and hostnames stay a DNS label for the longest game_id', () => {
    const id = 'x'.repeat(51);
    expect(containerNameFor(id)).toHaveLength(63);
    expect(engineEndpointFor(id, 8080)).toBe(`http://galaxy-game-${id}:8080`);
    expect(buildContainerSpec({ gameId: id, imageRef: 'g:1', hostStatePath: '/s', limits: DEFAULT_LIMITS, defaults }).hostname).toHaveLength(63);
  });
});

describe('operator ceilings (issue 9 item 6)', () => {
  const host = { cpus: 2, memoryBytes: 23 * GiB };

  it('defaults CPU and memory ceilings to the Docker host, pids to the configured value', () => {
    expect(effectiveCeilings({ cpus: null, memoryBytes: null, pidsLimit: 32768 }, host)).toEqual({ cpus: 2, memoryBytes: 23 * GiB, pidsLimit: 32768 });
    expect(effectiveCeilings({ cpus: 1.5, memoryBytes: 4 * GiB, pidsLimit: 100 }, host)).toEqual({ cpus: 1.5, memoryBytes: 4 * GiB, pidsLimit: 100 });
  });

  it.each([
    [MEMORY_LABEL, '900g', 'RTMANAGER_MAX_MEMORY'],
    [PIDS_LIMIT_LABEL, '4000000', 'RTMANAGER_MAX_PIDS_LIMIT'],
    [CPU_QUOTA_LABEL, '64', 'RTMANAGER_MAX_CPUS'],
    [CPU_QUOTA_LABEL, '2.01', 'RTMANAGER_MAX_CPUS'],
  ])('refuses %s=%s above its ceiling, naming %s', (label, value, ceilingVar) => {
    const r = resourceLimitsFromLabels({ [label]: value }, DEFAULT_LIMITS, effectiveCeilings({ cpus: null, memoryBytes: null, pidsLimit: 32768 }, host));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.label).toBe(label);
      expect(r.value).toBe(value);
      expect(r.message).toContain(ceilingVar);
      expect(r.message).toContain(`image label ${label}="${value}"`);
    }
  });

  it('accepts a label exactly at its ceiling', () => {
    const ceilings = { cpus: 2, memoryBytes: 1 * GiB, pidsLimit: 1000 };
    expect(resourceLimitsFromLabels({ [CPU_QUOTA_LABEL]: '2', [MEMORY_LABEL]: '1g', [PIDS_LIMIT_LABEL]: '1000' }, DEFAULT_LIMITS, ceilings)).toEqual({
      ok: true,
      limits: { cpus: 2, memoryBytes: 1 * GiB, pidsLimit: 1000 },
    });
  });

  it('refuses a default above a (host-derived) ceiling, naming the default variable', () => {
    const r = resourceLimitsFromLabels({}, DEFAULT_LIMITS, { cpus: 0.5, memoryBytes: 16 * GiB, pidsLimit: 32768 });
    expect(r).toMatchObject({ ok: false, label: 'RTMANAGER_DEFAULT_CPUS' });
    if (!r.ok) expect(r.message).toMatch(/the default RTMANAGER_DEFAULT_CPUS="1" is refused: 1 CPUs is above the ceiling RTMANAGER_MAX_CPUS=0.5 CPUs/);
  });

  it('a malformed label is still reported as invalid, not as above a ceiling', () => {
    const r = resourceLimitsFromLabels({ [MEMORY_LABEL]: 'lots' }, DEFAULT_LIMITS, CEILINGS);
    expect(r).toMatchObject({ ok: false, label: MEMORY_LABEL, value: 'lots' });
    if (!r.ok) expect(r.message).toMatch(/^image label com.galaxy.memory="lots" is invalid: expected/);
  });
});

describe('root refusal (issue 9 item 9)', () => {
  it.each([[''], ['  '], ['root'], ['0'], ['00'], ['0:0'], ['0:1000'], ['root:root'], [':1000']])('%j runs as root', (user) =>
    expect(runsAsRoot(user)).toBe(true),
  );
  it.each([['10001'], ['10001:10001'], ['1000:0'], ['nobody'], ['app:app'], ['10']])('%j does not', (user) => expect(runsAsRoot(user)).toBe(false));

  const strict = { user: null, allowRoot: false, readOnlyRootfs: false };
  it('refuses a root image unless allowed, or unless a non-root user is forced', () => {
    expect(rootRefusal('', strict)).toMatch(/would run as root \(no USER \(root\)\).*RTMANAGER_ENGINE_USER.*RTMANAGER_ALLOW_ROOT_ENGINES=true/);
    expect(rootRefusal('0:0', strict)).toMatch(/USER "0:0"/);
    expect(rootRefusal('', { ...strict, allowRoot: true })).toBeNull();
    expect(rootRefusal('', { ...strict, user: '10001:10001' })).toBeNull();
    expect(rootRefusal('10001:10001', strict)).toBeNull();
  });

  it('a forced root user is refused like a root image', () => {
    expect(rootRefusal('10001:10001', { ...strict, user: '0:0' })).not.toBeNull();
  });
});

describe('resolveEngineLaunch', () => {
  const defaults = DEFAULTS;
  const host = { cpus: 2, memoryBytes: 8 * GiB };

  it('gives the limits of a non-root image within its ceilings', () => {
    expect(resolveEngineLaunch({ labels: { [MEMORY_LABEL]: '1g' }, user: '10001:10001' }, defaults, host)).toEqual({
      ok: true,
      limits: { ...DEFAULT_LIMITS, memoryBytes: 1 * GiB },
    });
  });

  it('refuses a root image and an over-ceiling label with a message', () => {
    expect(resolveEngineLaunch({ labels: {}, user: '' }, defaults, host)).toMatchObject({ ok: false, message: expect.stringMatching(/root/) });
    expect(resolveEngineLaunch({ labels: { [MEMORY_LABEL]: '9g' }, user: '1:1' }, defaults, host)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/RTMANAGER_MAX_MEMORY=8589934592 bytes/),
    });
  });
});
