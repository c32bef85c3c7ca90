// The bounds on work in flight: a FIFO counting limit (ConcurrencyLimit; forEachBounded over
// a list) and turns per key (KeyedTurns: one piece of work per key at a time, in order). The
// periodic rounds (reconcile, probe) use forEachBounded; the job scheduler a ConcurrencyLimit
// across games and KeyedTurns per game; the per-game work queue is KeyedTurns; the events
// listener runs its events and resync steps in the turns of a ConcurrencyLimit of one.

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

/** Work per key one piece at a time, in the order handed in; different keys run side by side. */
export class KeyedTurns {
  /** The last piece of work handed in per key; cleared when it is done. */
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `work` after every earlier piece of work of `key`; its result or error is the caller's. */
  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const turn = previous.then(work);
    const tail = turn.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return turn;
  }

  /** Keys with work waiting or running. */
  get busyKeys(): number {
    return this.tails.size;
  }

  /** Resolves once every piece of work handed in so far (and any it handed in) has finished. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.allSettled([...this.tails.values()]);
  }
}
