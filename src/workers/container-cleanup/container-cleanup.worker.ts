// TTL cleanup (CONTRACT §8): every interval, `stopped` records whose last_op_at is older
// than the retention are cleaned up through the cleanup operation with op_source
// `auto_ttl` (it removes the container, marks the record `removed`, keeps the state dir).
import type { OpSource } from '../../domain/operation.js';
import type { OperationResult } from '../../domain/operation-result.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import { PeriodicWorker, type PeriodicWorkerDeps } from '../periodic-worker.js';

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

export interface ContainerCleanupWorkerDeps extends PeriodicWorkerDeps {
  records: Pick<RuntimeRecordStore, 'listStoppedBefore'>;
  cleanup: ContainerCleanupOperation;
  settings: ContainerCleanupSettings;
}

export interface CleanupRoundReport {
  cleaned: string[];
  /** Cleanups that answered failure (e.g. `conflict` while an operation holds the lease). */
  failed: string[];
}

const DEFAULT_BATCH_SIZE = 100;

export class ContainerCleanupWorker extends PeriodicWorker {
  constructor(private readonly deps: ContainerCleanupWorkerDeps) {
    super('container-cleanup', deps);
  }

  protected async round(signal: AbortSignal): Promise<void> {
    await this.cleanupRound(signal);
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
