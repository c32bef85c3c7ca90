// TTL cleanup (CONTRACT §8): every interval, `stopped` records whose last_op_at is older
// than the retention are cleaned up through the cleanup operation with op_source
// `auto_ttl` (it removes the container, marks the record `removed`, keeps the state dir).
import type { Logger } from 'pino';
import type { OpSource } from '../../domain/operation.js';
import type { OperationResult } from '../../domain/operation-result.js';
import type { Clock } from '../../ports/clock.js';
import type { WorkerRoundMetrics } from '../../ports/metrics.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import type { BackgroundWorker } from '../background-worker.js';
import { PeriodicTask } from '../periodic-task.js';

/** The slice of CleanupContainerService this worker needs (a stub in unit tests). */
export interface ContainerCleanupOperation {
  execute(input: { gameId: string; opSource: OpSource }): Promise<OperationResult>;
}

export interface ContainerCleanupSettings {
  intervalMs: number;
  retentionMs: number;
  /** Records fetched per page. */
  batchSize?: number;
}

export interface ContainerCleanupWorkerDeps {
  records: Pick<RuntimeRecordStore, 'listStoppedBefore'>;
  cleanup: ContainerCleanupOperation;
  clock: Clock;
  /** Round outcomes (rtmanager_worker_*); unreported when absent. */
  metrics?: WorkerRoundMetrics | undefined;
  logger: Logger;
  settings: ContainerCleanupSettings;
}

export interface CleanupRoundReport {
  cleaned: string[];
  /** Cleanups that answered failure (e.g. `conflict` while an operation holds the lease). */
  failed: string[];
}

const DEFAULT_BATCH_SIZE = 100;

export class ContainerCleanupWorker implements BackgroundWorker {
  readonly name = 'container-cleanup';
  private readonly log: Logger;
  private readonly task: PeriodicTask;

  constructor(private readonly deps: ContainerCleanupWorkerDeps) {
    this.log = deps.logger.child({ worker: this.name });
    this.task = new PeriodicTask({
      name: this.name,
      metrics: deps.metrics,
      clock: deps.clock,
      intervalMs: deps.settings.intervalMs,
      round: async (signal) => {
        await this.cleanupRound(signal);
      },
      logger: this.log,
    });
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  async cleanupRound(signal: AbortSignal = new AbortController().signal): Promise<CleanupRoundReport> {
    const { records, cleanup, clock, settings } = this.deps;
    const batchSize = settings.batchSize ?? DEFAULT_BATCH_SIZE;
    const olderThan = new Date(clock.now().getTime() - settings.retentionMs);
    const report: CleanupRoundReport = { cleaned: [], failed: [] };
    // Cleaned records leave the listing, failed ones stay at its head: each page asks for
    // one batch more than this round's failures, and each game is tried once per round.
    const attempted = new Set<string>();
    for (;;) {
      if (signal.aborted) break;
      const limit = report.failed.length + batchSize;
      const page = await records.listStoppedBefore(olderThan, limit);
      const fresh = page.filter((r) => !attempted.has(r.gameId));
      if (fresh.length === 0) break;
      for (const record of fresh) {
        if (signal.aborted) break;
        attempted.add(record.gameId);
        const log = this.log.child({ game_id: record.gameId, op_kind: 'cleanup_container' });
        try {
          const result = await cleanup.execute({ gameId: record.gameId, opSource: 'auto_ttl' });
          if (result.outcome === 'success') {
            report.cleaned.push(record.gameId);
            log.info({ last_op_at: record.lastOpAt.toISOString(), error_code: result.errorCode }, 'stopped container past retention cleaned up');
          } else {
            report.failed.push(record.gameId);
            log.warn({ error_code: result.errorCode, error_message: result.errorMessage }, 'TTL cleanup refused; retried next round');
          }
        } catch (err) {
          report.failed.push(record.gameId);
          log.error({ err }, 'TTL cleanup failed; retried next round');
        }
      }
      if (page.length < limit) break;
    }
    if (report.cleaned.length + report.failed.length > 0) {
      this.log.info({ cleaned: report.cleaned.length, failed: report.failed.length, older_than: olderThan.toISOString() }, 'TTL cleanup round finished');
    }
    return report;
  }
}
