import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BenchFlagsError, parseBenchFlags } from '../../bench/bench-flags.js';

describe('parseBenchFlags', () => {
  it('defaults to the full run of every row but the sweep', () => {
    expect(parseBenchFlags([])).toEqual({ quick: false, json: false, iterations: 15, engines: 200, sweep: [], only: ['lifecycle', 'rest', 'fleet', 'failover', 'swarm', 'stats'], cpuProf: false, compare: null });
  });

  it('--quick shrinks the defaults; explicit values win', () => {
    expect(parseBenchFlags(['--quick'])).toMatchObject({ quick: true, iterations: 5, engines: 20 });
    expect(parseBenchFlags(['--quick', '--engines', '50', '--iterations', '3'])).toMatchObject({ engines: 50, iterations: 3 });
  });

  it('--concurrency-sweep alone means 1,2,4,8,16 and adds the sweep scenario', () => {
    expect(parseBenchFlags(['--concurrency-sweep'])).toMatchObject({ sweep: [1, 2, 4, 8, 16], only: ['lifecycle', 'rest', 'fleet', 'failover', 'swarm', 'stats', 'sweep'] });
    expect(parseBenchFlags(['--concurrency-sweep', '--quick'])).toMatchObject({ sweep: [1, 2, 4, 8, 16], quick: true });
    expect(parseBenchFlags(['--concurrency-sweep', '8,2,2'])).toMatchObject({ sweep: [2, 8] });
  });

  it('--only keeps the canonical order', () => {
    expect(parseBenchFlags(['--only', 'fleet,rest']).only).toEqual(['rest', 'fleet']);
    expect(parseBenchFlags(['--only', 'sweep'])).toMatchObject({ only: ['sweep'], sweep: [1, 2, 4, 8, 16] });
  });

  it('--compare takes the other checkout as an absolute path', () => {
    expect(parseBenchFlags(['--compare', '/tmp/base']).compare).toBe('/tmp/base');
    expect(parseBenchFlags(['--compare', 'base']).compare).toBe(path.resolve('base'));
  });

  it.each([
    [['--compare', '']],
    [['--compare']],
    [['--bogus']],
    [['--iterations', '0']],
    [['--iterations', '2.5']],
    [['--engines', 'many']],
    [['--concurrency-sweep', '4,0']],
    [['--only', 'rest,nap']],
    [['stray']],
  ])('rejects %j', (argv) => {
    expect(() => parseBenchFlags(argv)).toThrow(BenchFlagsError);
  });
});
