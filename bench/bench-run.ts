// What every scenario of one bench run shares: its id, its log, Ctrl-C, and the list of
// things to undo. Everything a scenario starts (containers, processes, databases, Redis
// keys, temp dirs) is registered with `defer` and undone by `cleanup()` in reverse order,
// on success, on error and on SIGINT/SIGTERM alike.
import { randomBytes } from 'node:crypto';

export class Interrupted extends Error {}

/** A repeat within this window is the same Ctrl-C delivered twice (to the group, then relayed by tsx). */
const DUPLICATE_SIGNAL_MS = 2_000;

export class BenchRun {
  readonly runId = randomBytes(3).toString('hex');
  private readonly abort = new AbortController();
  private readonly undo: Array<{ what: string; fn: () => Promise<void> }> = [];
  private signalledAt = 0;

  constructor(readonly log: (line: string) => void) {}

  /** Aborted on the first SIGINT/SIGTERM: long waits end early, the run cleans up. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  onSignal(signal: NodeJS.Signals): void {
    if (this.abort.signal.aborted) {
      if (Date.now() - this.signalledAt < DUPLICATE_SIGNAL_MS) return;
      this.log(`bench: ${signal} again: exiting before cleanup finished (see docs/benchmark.md "Cleanup" for leftovers)`);
      process.exit(130);
    }
    this.signalledAt = Date.now();
    this.log(`bench: ${signal}: stopping after the current step and cleaning up`);
    this.abort.abort(new Interrupted(`interrupted by ${signal}`));
  }

  checkpoint(): void {
    if (this.abort.signal.aborted) throw new Interrupted('interrupted');
  }

  /** Sleeps `ms`, or throws Interrupted at once on Ctrl-C. */
  sleep(ms: number): Promise<void> {
    this.checkpoint();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        clearTimeout(timer);
        reject(new Interrupted('interrupted'));
      };
      const timer = setTimeout(() => {
        this.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Polls `probe` every `everyMs` until it returns non-null; throws past the deadline. */
  async until<T>(what: string, deadlineMs: number, everyMs: number, probe: () => Promise<T | null>): Promise<T> {
    const deadline = performance.now() + deadlineMs;
    for (;;) {
      const v = await probe();
      if (v !== null) return v;
      if (performance.now() > deadline) throw new Error(`${what}: not within ${deadlineMs} ms`);
      await this.sleep(everyMs);
    }
  }

  defer(what: string, fn: () => Promise<void>): void {
    this.undo.push({ what, fn });
  }

  async cleanup(): Promise<void> {
    while (this.undo.length > 0) {
      const { what, fn } = this.undo.pop() as { what: string; fn: () => Promise<void> };
      await fn().catch((err: unknown) => this.log(`cleanup: ${what} failed: ${err instanceof Error ? err.message : String(err)}`));
    }
  }
}
