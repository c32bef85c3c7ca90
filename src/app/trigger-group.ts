// The leader-only triggers as one unit (issue 19 item 4): the Lobby job consumers and the
// Docker events / probe / inspect / reconciler / TTL cleanup workers. REST is not in it: it
// is always on. start() runs the blocking startup reconcile first (CONTRACT §8; retried until
// Docker and the stores answer, or stop() is called), then starts every member; stop() stops
// taking jobs first, lets in-flight work finish, then stops the workers. A leadership change
// starts and stops the group as a whole; each start builds fresh members (a stopped worker is
// not reused), so the group can be started again after a stop.
import type { Logger } from 'pino';
import type { BackgroundWorker } from '../workers/background-worker.js';
import type { ReconcileReport } from '../workers/reconciler/reconciler.worker.js';
import { retryUntilDone } from './startup-retry.js';

export interface TriggerGroup {
  /** Resolves once the members run, or when stop() came first. */
  start(): Promise<void>;
  /** Resolves once every member has stopped (in-flight work finished). */
  stop(): Promise<void>;
}

/** One term's members, built by the composition root. */
export interface Triggers {
  /** The startup pass (startup: true): before any member starts. */
  reconcileAtStartup(): Promise<ReconcileReport>;
  /** Stopped first: no new job is taken while the workers finish. */
  consumers: readonly BackgroundWorker[];
  workers: readonly BackgroundWorker[];
}

export interface LeaderTriggersDeps {
  build: () => Triggers;
  logger: Logger;
  /** The members now running (for /readyz), or [] once stopped. */
  onRunning?: (members: readonly BackgroundWorker[]) => void;
}

export class LeaderTriggers implements TriggerGroup {
  private term: { abort: AbortController; started: Promise<void>; running: BackgroundWorker[]; triggers: Triggers } | null = null;
  private stopping: Promise<void> | null = null;

  constructor(private readonly deps: LeaderTriggersDeps) {}

  async start(): Promise<void> {
    await this.stopping;
    if (this.term) return this.term.started;
    const triggers = this.deps.build();
    const term = { abort: new AbortController(), running: [] as BackgroundWorker[], triggers, started: Promise.resolve() };
    term.started = this.begin(term);
    this.term = term;
    return term.started;
  }

  stop(): Promise<void> {
    const term = this.term;
    if (!term) return this.stopping ?? Promise.resolve();
    this.term = null;
    this.stopping = (async () => {
      term.abort.abort();
      await term.started;
      const { consumers, workers } = term.triggers;
      await Promise.all(consumers.filter((c) => term.running.includes(c)).map((c) => c.stop()));
      await Promise.all(workers.filter((w) => term.running.includes(w)).map((w) => w.stop()));
      this.deps.onRunning?.([]);
    })().finally(() => (this.stopping = null));
    return this.stopping;
  }

  private async begin(term: { abort: AbortController; running: BackgroundWorker[]; triggers: Triggers }): Promise<void> {
    const { logger } = this.deps;
    const reconciled = await retryUntilDone('startup reconcile', () => term.triggers.reconcileAtStartup(), { signal: term.abort.signal, logger });
    if (!reconciled.done) return;
    logger.info({ report: reconciled.value }, 'startup reconcile done');
    term.running.push(...term.triggers.workers, ...term.triggers.consumers);
    this.deps.onRunning?.(term.running);
    for (const member of term.running) member.start();
    logger.info({ workers: term.running.map((w) => w.name) }, 'workers and consumers started');
  }
}
