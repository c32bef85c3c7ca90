// Reads one stream in order, from a position, in batches, and hands each entry on. It holds
// back (stops reading) while too many entries are read but not yet committed: a stuck head
// entry must not make the consumer buffer the whole stream.
import type { Logger } from 'pino';
import type { StreamEntry, StreamReader } from '../../ports/stream-reader.js';
import type { InfrastructureRetry } from './infrastructure-retry.js';

/** Where a consumer with no stored offset starts: the beginning, never `$` (CONTRACT §6). */
export const STREAM_BEGINNING = '0-0';

export interface EntryReaderSettings {
  stream: string;
  batchSize: number;
  blockMs: number;
  /** Entries read and not yet committed, at most. */
  maxPending: number;
}

export class EntryReader {
  private wake: (() => void) | null = null;

  constructor(
    private readonly reader: StreamReader,
    private readonly settings: EntryReaderSettings,
    private readonly retry: InfrastructureRetry,
    private readonly signal: AbortSignal,
    private readonly log: Logger,
  ) {}

  /**
   * Reads after `from` until the signal aborts. `pending()` is the count read and not yet
   * committed.
   */
  async run(from: string, pending: () => number, dispatch: (entry: StreamEntry) => void): Promise<void> {
    let cursor = from;
    while (!this.signal.aborted) {
      const room = this.settings.maxPending - pending();
      if (room <= 0) {
        await this.progress();
        continue;
      }
      const after = cursor;
      const entries = await this.retry.run('read', () =>
        this.reader.readAfter(this.settings.stream, after, {
          count: Math.min(this.settings.batchSize, room),
          blockMs: this.settings.blockMs,
          signal: this.signal,
        }),
      );
      if (entries === undefined || this.signal.aborted) break;
      for (const entry of entries) {
        dispatch(entry);
        cursor = entry.id;
      }
    }
    this.log.debug({ cursor }, 'stream reader stopped');
  }

  /** Something was committed (or the consumer stops): a held-back reader looks again. */
  notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private progress(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      if (this.signal.aborted) resolve();
    });
  }
}
