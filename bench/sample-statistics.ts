// Order statistics of a benchmark's samples (ms). Medians, not means: one slow Docker call
// on a shared 2-core machine must not move the headline figure.

export interface SampleSummary {
  n: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

export function summarize(samples: readonly number[]): SampleSummary {
  if (samples.length === 0) return { n: 0, median: NaN, p90: NaN, min: NaN, max: NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (i: number) => sorted[Math.min(sorted.length - 1, Math.max(0, i))] as number;
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
  return {
    n: sorted.length,
    median,
    // Nearest rank: the smallest sample with at least 90 % of the samples at or below it.
    p90: at(Math.ceil(0.9 * sorted.length) - 1),
    min: at(0),
    max: at(sorted.length - 1),
  };
}

export function median(samples: readonly number[]): number {
  return summarize(samples).median;
}
