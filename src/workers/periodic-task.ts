// The timer loop shared by the periodic workers (probe, inspect, reconcile, cleanup).
// The next round is scheduled only after the previous one finished, so rounds never
// overlap; timers are unref'd so a forgotten loop never keeps the process alive.
import type { Logger } from 'pino';
import { systemClock, type Clock } from '../ports/clock.js';
import type { WorkerRoundMetrics } from '../ports/metrics.js';

export interface PeriodicTaskOptions {
  name: string;
  intervalMs: number;
  /** One round. Must not throw for a single bad item; a thrown error is logged and the loop goes on. */
  round: (signal: AbortSignal) => Promise<void>;
  logger: Logger;
  /** Run the first round at start() (default) or only after one interval. */
  runImmediately?: boolean;
  /** Each round's outcome and duration (rtmanager_worker_*: an SRE alerts on a stale worker). */
  metrics?: WorkerRoundMetrics | undefined;
  clock?: Clock | undefined;
}

export class PeriodicTask {
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<void> | null = null;
  private abort: AbortController | null = null;
  private running = false;

  constructor(private readonly opts: PeriodicTaskOptions) {}

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.abort = new AbortController();
    this.opts.metrics?.workerStarted(this.opts.name, this.opts.intervalMs / 1000, this.unixSeconds());
    this.schedule(this.opts.runImmediately === false ? this.opts.intervalMs : 0);
  }

  /** Stops scheduling, aborts the round's signal and waits for it to finish. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.abort?.abort();
    await this.inFlight;
    this.opts.metrics?.workerStopped(this.opts.name);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.inFlight = this.runRound().finally(() => {
        this.inFlight = null;
        this.schedule(this.opts.intervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async runRound(): Promise<void> {
    const signal = this.abort?.signal ?? AbortSignal.abort();
    const started = performance.now();
    let ok = true;
    try {
      await this.opts.round(signal);
    } catch (err) {
      ok = false;
      if (!signal.aborted) this.opts.logger.error({ err, worker: this.opts.name }, 'worker round failed');
    }
    // A round cut short by stop() says nothing about the worker's health.
    if (!signal.aborted) this.opts.metrics?.workerRoundCompleted(this.opts.name, ok, (performance.now() - started) / 1000, this.unixSeconds());
  }

  private unixSeconds(): number {
    return (this.opts.clock ?? systemClock).now().getTime() / 1000;
  }
}
