import { describe, expect, it } from 'vitest';
import { percentile, slope, summarize } from '../../bench/sample-statistics.js';

describe('summarize', () => {
  it('gives nearest-rank percentiles and the median of an even count', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // 1..100, unsorted
    const s = summarize(xs);
    expect(s).toEqual({ n: 100, median: 50.5, p90: 90, p99: 99, min: 1, max: 100 });
  });

  it('uses the middle sample of an odd count and the largest one for p99 of few samples', () => {
    expect(summarize([3, 1, 2])).toMatchObject({ median: 2, p90: 3, p99: 3 });
  });

  it('is NaN for no samples, never a made-up zero', () => {
    expect(Number.isNaN(summarize([]).median)).toBe(true);
    expect(Number.isNaN(percentile([], 0.5))).toBe(true);
  });
});

describe('slope', () => {
  it('is the least-squares slope', () => {
    expect(slope([0, 1, 2, 3], [10, 12, 14, 16])).toBeCloseTo(2);
    expect(slope([0, 1, 2, 3], [5, 7, 5, 7])).toBeCloseTo(0.4);
  });

  it('is NaN without two distinct x', () => {
    expect(Number.isNaN(slope([1], [1]))).toBe(true);
    expect(Number.isNaN(slope([2, 2], [1, 3]))).toBe(true);
  });
});
