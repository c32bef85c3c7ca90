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
  resourceLimitsFromLabels,
  type ContainerDefaults,
} from '../../src/domain/container-spec.js';
import { containerNameFor, engineEndpointFor } from '../../src/domain/runtime-record.js';

const DEFAULT_LIMITS = { cpus: 1, memoryBytes: 512 * 1024 ** 2, pidsLimit: 512 };
const MiB = 1024 ** 2;

describe('resource label parsers', () => {
  it.each([
    ['1', 1],
    ['1.0', 1],
    ['0.5', 0.5],
    ['2.25', 2.25],
    [' 1.5 ', 1.5],
    ['1024', 1024],
  ])('parseCpus(%j) = %d', (v, n) => expect(parseCpus(v)).toBe(n));

  it.each([['0'], ['0.0'], ['-1'], ['1e3'], ['.5'], ['1.'], ['abc'], ['lots'], [''], ['1025'], ['1,5'], ['NaN'], ['Infinity']])(
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
    expect(resourceLimitsFromLabels({}, DEFAULT_LIMITS)).toEqual({ ok: true, limits: DEFAULT_LIMITS });
    expect(resourceLimitsFromLabels(null, DEFAULT_LIMITS)).toEqual({ ok: true, limits: DEFAULT_LIMITS });
    expect(resourceLimitsFromLabels(undefined, DEFAULT_LIMITS)).toEqual({ ok: true, limits: DEFAULT_LIMITS });
  });

  it('takes each present label over its default, independently', () => {
    expect(resourceLimitsFromLabels({ [MEMORY_LABEL]: '48m', other: 'x' }, DEFAULT_LIMITS)).toEqual({
      ok: true,
      limits: { ...DEFAULT_LIMITS, memoryBytes: 48 * MiB },
    });
    expect(
      resourceLimitsFromLabels({ [CPU_QUOTA_LABEL]: '0.5', [MEMORY_LABEL]: '1g', [PIDS_LIMIT_LABEL]: '64' }, DEFAULT_LIMITS),
    ).toEqual({ ok: true, limits: { cpus: 0.5, memoryBytes: 1024 * MiB, pidsLimit: 64 } });
  });

  it('does not mutate the defaults', () => {
    const defaults = { ...DEFAULT_LIMITS };
    resourceLimitsFromLabels({ [CPU_QUOTA_LABEL]: '2' }, defaults);
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
    const r = resourceLimitsFromLabels({ [label]: value }, DEFAULT_LIMITS);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.label).toBe(label);
      expect(r.value).toBe(value);
      expect(r.reason.length).toBeGreaterThan(0);
    }
  });

  it('reports a bad label even when the others are fine', () => {
    const r = resourceLimitsFromLabels({ [CPU_QUOTA_LABEL]: '1.0', [PIDS_LIMIT_LABEL]: 'x' }, DEFAULT_LIMITS);
    expect(r).toMatchObject({ ok: false, label: PIDS_LIMIT_LABEL });
  });
});

describe('buildContainerSpec (CONTRACT §2)', () => {
  const defaults: ContainerDefaults = {
    network: 'galaxy-net',
    enginePort: 8080,
    limits: DEFAULT_LIMITS,
    logDriver: 'json-file',
    logOptions: { 'max-size': '10m', 'max-file': '3' },
  };

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
      logDriver: 'json-file',
      logOptions: { 'max-size': '10m', 'max-file': '3' },
    });
  });

  it('names, endpoints and hostnames stay a DNS label for the longest game_id', () => {
    const id = 'x'.repeat(51);
    expect(containerNameFor(id)).toHaveLength(63);
    expect(engineEndpointFor(id, 8080)).toBe(`http://galaxy-game-${id}:8080`);
    expect(buildContainerSpec({ gameId: id, imageRef: 'g:1', hostStatePath: '/s', limits: DEFAULT_LIMITS, defaults }).hostname).toHaveLength(63);
  });
});
