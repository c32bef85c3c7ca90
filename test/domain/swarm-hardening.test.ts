// Which hardening rows a Swarm service spec can carry, by the nodes' engine versions and the
// manager's API version (CONTRACT §11, docs/swarm.md "Hardening table").
import { describe, expect, it } from 'vitest';
import { expressibleRows, hardeningRefusal, hardeningVerdict, lowestEngine, parseVersion, SWARM_HARDENING_ROWS } from '../../src/domain/swarm-hardening.js';

describe('parseVersion', () => {
  it.each([
    ['20.10.24+dfsg1', [20, 10, 24]],
    ['25.0.3', [25, 0, 3]],
    ['29.0.0-rc.1', [29, 0, 0]],
    ['v28.5.2', [28, 5, 2]],
    ['1.41', [1, 41, 0]],
    ['27', [27, 0, 0]],
  ])('%s -> %j', (text, parts) => {
    expect(parseVersion(text)).toEqual(parts);
  });

  it.each(['', 'dev', 'unknown', 'master-dockerproject-2024'])('%j does not parse', (text) => {
    expect(parseVersion(text)).toBeNull();
  });
});

describe('expressibleRows / hardeningVerdict: what needs a waiver', () => {
  const needsWaiver = (engines: string[], apiVersion: string | null) => hardeningVerdict({ engines, apiVersion }, []).unmet;

  it.each([
    { engines: ['20.10.24+dfsg1'], api: '1.41', unmet: ['no_new_privileges', 'swap_limit', 'cgroupns'] },
    { engines: ['24.0.7'], api: '1.43', unmet: ['no_new_privileges', 'swap_limit', 'cgroupns'] },
    { engines: ['25.0.0'], api: '1.44', unmet: ['swap_limit', 'cgroupns'] },
    { engines: ['28.5.2'], api: '1.51', unmet: ['swap_limit', 'cgroupns'] },
    { engines: ['29.0.0'], api: '1.52', unmet: ['cgroupns'] },
    { engines: ['29.1.3', '30.0.0'], api: '1.53', unmet: ['cgroupns'] },
    // Mixed nodes: the lowest engine decides, whatever the manager speaks.
    { engines: ['29.0.1', '20.10.24+dfsg1', '25.0.3'], api: '1.52', unmet: ['no_new_privileges', 'swap_limit', 'cgroupns'] },
    { engines: ['29.0.1', '25.0.3'], api: '1.52', unmet: ['swap_limit', 'cgroupns'] },
    // The API the requests use must know the field as well.
    { engines: ['29.0.1'], api: '1.43', unmet: ['no_new_privileges', 'swap_limit', 'cgroupns'] },
    { engines: ['29.0.1'], api: '1.51', unmet: ['swap_limit', 'cgroupns'] },
    // Unparsable or missing: the oldest.
    { engines: ['29.0.1', 'dev'], api: '1.52', unmet: ['no_new_privileges', 'swap_limit', 'cgroupns'] },
    { engines: ['29.0.1', ''], api: '1.52', unmet: ['no_new_privileges', 'swap_limit', 'cgroupns'] },
    { engines: [], api: '1.52', unmet: ['no_new_privileges', 'swap_limit', 'cgroupns'] },
    { engines: ['29.0.1'], api: null, unmet: ['no_new_privileges', 'swap_limit', 'cgroupns'] },
    { engines: ['29.0.1'], api: 'garbage', unmet: ['no_new_privileges', 'swap_limit', 'cgroupns'] },
  ])('engines $engines, API $api -> $unmet', ({ engines, api, unmet }) => {
    expect(needsWaiver(engines, api)).toEqual(unmet);
    const expressible = expressibleRows({ engines, apiVersion: api });
    expect([...expressible]).toEqual(SWARM_HARDENING_ROWS.filter((row) => !unmet.includes(row)));
  });

  it('cgroupns is never expressible', () => {
    expect(expressibleRows({ engines: ['99.0.0'], apiVersion: '1.99' }).has('cgroupns')).toBe(false);
  });

  it('lowestEngine: by version, not by text; an unparsable one is the lowest, named as reported', () => {
    expect(lowestEngine(['25.0.3', '20.10.24+dfsg1', '9.0.0']).text).toBe('9.0.0');
    expect(lowestEngine(['25.0.3', '25.0.10']).text).toBe('25.0.3');
    expect(lowestEngine(['25.0.3', 'dev']).text).toBe('dev');
    expect(lowestEngine(['25.0.3', '']).text).toBe('unknown');
    expect(lowestEngine([]).text).toBe('none reported');
  });
});

describe('hardeningVerdict with a waiver', () => {
  const on2010 = { engines: ['20.10.24+dfsg1'], apiVersion: '1.41' };
  const on29 = { engines: ['29.0.1'], apiVersion: '1.52' };

  it('every row the nodes cannot express waived: nothing unmet, nothing written', () => {
    const v = hardeningVerdict(on2010, ['no_new_privileges', 'swap_limit', 'cgroupns']);
    expect(v).toMatchObject({ unmet: [], waived: ['no_new_privileges', 'swap_limit', 'cgroupns'], needlessWaivers: [], lowestEngine: '20.10.24+dfsg1', apiVersion: '1.41' });
    expect(v.expressible.size).toBe(0);
    expect(hardeningRefusal(v)).toBeNull();
  });

  it('a waiver of an expressible row is needless (the row is enforced anyway)', () => {
    const v = hardeningVerdict(on29, ['no_new_privileges', 'swap_limit', 'cgroupns']);
    expect(v).toMatchObject({ unmet: [], waived: ['cgroupns'], needlessWaivers: ['no_new_privileges', 'swap_limit'] });
    expect([...v.expressible]).toEqual(['no_new_privileges', 'swap_limit']);
  });

  it('the refusal names the unmet rows, the lowest engine and the variable', () => {
    const refusal = hardeningRefusal(hardeningVerdict({ engines: ['25.0.3', '20.10.24+dfsg1'], apiVersion: '1.44' }, ['cgroupns']));
    expect(refusal).toMatch(/lowest node engine 20\.10\.24\+dfsg1 \(manager API 1\.44\)/);
    expect(refusal).toMatch(/cannot express no_new_privileges, swap_limit in a service spec/);
    expect(refusal).toMatch(/RTMANAGER_SWARM_HARDENING_WAIVER must list them/);
    expect(hardeningRefusal(hardeningVerdict(on29, []))).toMatch(/cannot express cgroupns in a service spec; RTMANAGER_SWARM_HARDENING_WAIVER must list it/);
  });
});
