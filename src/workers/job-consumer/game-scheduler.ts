// Runs tasks for different games concurrently, at most `concurrency` at once, and tasks for
// one game one after another in the order they were scheduled (CONTRACT §6: per-game order).
// Once the signal aborts, tasks not yet started are skipped: their entries replay next run.
import { ConcurrencyLimit, KeyedTurns } from '../../timing/bounded-concurrency.js';

export class GameScheduler {
  private readonly slots: ConcurrencyLimit;
  private readonly turns = new KeyedTurns();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    concurrency: number,
    private readonly signal: AbortSignal,
    private readonly onCrash: (err: unknown) => void,
  ) {
    this.slots = new ConcurrencyLimit(concurrency);
  }

  /** Queue `task` behind every earlier task of `key`; it never rejects (crashes go to onCrash). */
  schedule(key: string, task: () => Promise<void>): void {
    const run = this.turns.run(key, () => this.inSlot(task));
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /** Resolves once every task scheduled so far has finished or been skipped. */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  get size(): number {
    return this.inFlight.size;
  }

  private async inSlot(task: () => Promise<void>): Promise<void> {
    if (this.signal.aborted) return;
    try {
      await this.slots.run(async () => (this.signal.aborted ? undefined : task()));
    } catch (err) {
      this.onCrash(err);
    }
  }
}
