// The listener's resync: check every running record's container against Docker, to learn
// what the events stream could not tell (a daemon that does not replay, an event handled
// while PostgreSQL was down). One pass at a time; a pass that could not check everything
// (a store or the daemon still down) is retried with backoff until one completes.
import type { Logger } from 'pino';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import { Backoff, type BackoffSettings } from '../../timing/backoff.policy.js';
import { retryWithBackoff } from '../../timing/retry.js';
import { runningRecords } from '../running-records.js';

export type ResyncReason = 'reconnected' | 'event_failed';

export interface RunningRecordsResyncDeps {
  records: Pick<RuntimeRecordStore, 'list'>;
  /** Checks one running record's container; throws when it could not. */
  checkOne: (gameId: string, containerId: string) => Promise<void>;
  /** Events that could not be handled when they came (a store down), handled again first; throws when one still cannot be. */
  retryUnhandled?: () => Promise<void>;
  retry: BackoffSettings;
  logger: Logger;
}

export class RunningRecordsResync {
  private wanted = false;
  private running: Promise<void> | null = null;

  constructor(private readonly deps: RunningRecordsResyncDeps) {}

  /** Asks for a pass; returns at once (a pass in progress runs again after it ends). */
  request(reason: ResyncReason, signal: AbortSignal): void {
    if (signal.aborted) return;
    this.wanted = true;
    this.deps.logger.info({ reason }, 'resync requested');
    this.running ??= this.untilDone(signal).finally(() => (this.running = null));
  }

  /** Resolves when no pass is running (shutdown). */
  async idle(): Promise<void> {
    await this.running;
  }

  private async untilDone(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.deps.retry);
    // A request made while a pass runs (not while it waits to be retried) asks for one more.
    const pass = (): Promise<boolean> => {
      this.wanted = false;
      return this.pass(signal);
    };
    while (this.wanted && !signal.aborted) await retryWithBackoff(pass, { backoff, signal, done: (complete) => complete });
  }

  /** True when every running record was checked. */
  private async pass(signal: AbortSignal): Promise<boolean> {
    const log = this.deps.logger;
    let checked = 0;
    let complete = true;
    try {
      await this.deps.retryUnhandled?.();
    } catch (err) {
      log.warn({ err }, 'resync could not handle the events left over from an outage; retrying');
      return false;
    }
    try {
      for await (const record of runningRecords(this.deps.records)) {
        if (signal.aborted) return false;
        const containerId = record.currentContainerId;
        if (!containerId) continue;
        checked += 1;
        try {
          await this.deps.checkOne(record.gameId, containerId);
        } catch (err) {
          complete = false;
          log.warn({ err, game_id: record.gameId, container_id: containerId }, 'resync of one container failed');
        }
      }
    } catch (err) {
      log.warn({ err, checked }, 'resync could not list the running records; retrying');
      return false;
    }
    log.info({ checked, complete }, 'resynced running records');
    return complete;
  }
}
