// The one place that starts and stops the leader-only triggers (CONTRACT §11): the job
// consumers and the events, probe, inspect, reconcile and cleanup workers, built afresh for
// each leader term and run inside its fence, after the term's startup reconcile (which
// blocks them, CONTRACT §8). Stopping runs backwards: consumers first (no new work), then
// the workers.
import type { Logger } from 'pino';
import type { AsyncLeaderFence } from '../adapters/memory/leader-fence.scope.js';
import type { FenceToken } from '../ports/leader-fence.js';
import type { LeaderTermTriggers } from '../services/leadership/leader-election.service.js';
import type { BackgroundWorker } from '../workers/background-worker.js';
import type { ReconcilerWorker } from '../workers/reconciler/reconciler.worker.js';
import type { ComponentHealth } from './readiness.js';
import { retryUntilDone } from './startup-retry.js';

export interface LeaderOnlyGroup {
  reconciler: ReconcilerWorker;
  /** The periodic and event workers, the reconciler among them. */
  workers: BackgroundWorker[];
  consumers: BackgroundWorker[];
}

interface RunningTerm {
  group: LeaderOnlyGroup;
  running: BackgroundWorker[];
  abort: AbortController;
  started: Promise<void>;
}

export class LeaderOnlyTriggers implements LeaderTermTriggers {
  private term: RunningTerm | null = null;

  constructor(
    private readonly build: () => LeaderOnlyGroup,
    private readonly fence: AsyncLeaderFence,
    private readonly health: ComponentHealth,
    private readonly logger: Logger,
  ) {}

  start(token: FenceToken): Promise<void> {
    const group = this.build();
    const term: RunningTerm = { group, running: [], abort: new AbortController(), started: Promise.resolve() };
    this.term = term;
    this.health.leading();
    term.started = this.fence.run(token, () => this.startAfterReconcile(term)).catch((err: unknown) => {
      this.logger.error({ err }, 'starting the leader-only triggers failed');
    });
    return term.started;
  }

  async stop(): Promise<void> {
    const term = this.term;
    this.term = null;
    this.health.standby();
    if (!term) return;
    term.abort.abort();
    await term.started;
    const { consumers, workers } = term.group;
    await Promise.all(consumers.filter((c) => term.running.includes(c)).map((c) => c.stop()));
    await Promise.all(workers.filter((w) => term.running.includes(w)).map((w) => w.stop()));
    this.logger.info('leader-only workers and consumers stopped');
  }

  standingBy(): void {
    this.health.standby();
  }

  /** The startup reconcile blocks workers and consumers (CONTRACT §8); /readyz says not ready until it is done. */
  private async startAfterReconcile(term: RunningTerm): Promise<void> {
    const { reconciler, workers, consumers } = term.group;
    const reconciled = await retryUntilDone('startup reconcile', () => reconciler.reconcileOnce({ startup: true }), { signal: term.abort.signal, logger: this.logger });
    if (!reconciled.done || term.abort.signal.aborted) return;
    this.logger.info({ report: reconciled.value }, 'startup reconcile done');
    term.running.push(...workers, ...consumers);
    this.health.started(term.running);
    for (const w of term.running) w.start();
    this.logger.info({ workers: term.running.map((w) => w.name) }, 'workers and consumers started');
  }
}
