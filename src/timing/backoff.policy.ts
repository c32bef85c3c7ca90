// The one retry pacing of the codebase: exponential with a cap and ±10% jitter, so callers
// retrying against a recovering dependency do not hit it in lockstep. `reset()` after a
// success, so the next outage starts from the first step again.

export interface BackoffSettings {
  initialMs: number;
  maxMs: number;
  /** Multiplier per attempt; 2 unless said. */
  factor?: number;
  /** Fraction of the delay used as ± jitter; 0.1 unless said (0 = none, for tests). */
  jitter?: number;
}

export class Backoff {
  private attempt = 0;
  constructor(
    private readonly settings: BackoffSettings,
    private readonly random: () => number = Math.random,
  ) {}

  /** The next delay: initial, ×factor each call, capped at max, with jitter. */
  next(): number {
    const { initialMs, maxMs, factor = 2, jitter = 0.1 } = this.settings;
    const base = Math.min(maxMs, initialMs * factor ** this.attempt);
    this.attempt += 1;
    const spread = base * jitter * (this.random() * 2 - 1);
    return Math.max(0, Math.round(Math.min(maxMs, base + spread)));
  }

  /** How many delays were handed out since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}
