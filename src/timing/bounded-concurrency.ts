// The one bound on work in flight: a FIFO counting limit. The periodic workers' rounds
// (reconcile, probe) run their items through forEachBounded; the job consumers' scheduler
// holds a ConcurrencyLimit across games.

export class ConcurrencyLimit {
  private free: number;
  private readonly waiters: Array<() => void> = [];

  constructor(size: number) {
    this.free = Math.max(1, Math.floor(size));
  }

  /** Runs `task` once a slot is free (first come, first served); the slot is freed when it settles. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free += 1;
  }
}

/**
 * `work` for each item in order, at most `limit` at once. Once `signal` aborts, items not yet
 * started are skipped. Resolves when every started item has settled; rejects with the first
 * failure only then, so no work outlives the call.
 */
export async function forEachBounded<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  const slots = new ConcurrencyLimit(limit);
  const settled = await Promise.allSettled(items.map((item) => slots.run(async () => (signal?.aborted ? undefined : work(item)))));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
}
