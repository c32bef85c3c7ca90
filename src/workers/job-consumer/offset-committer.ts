// Moves the persisted offset (CONTRACT §6): never past an entry whose outcome is not
// published, so a crash replays and never loses a job. Entries complete out of order; the
// offset is the highest id such that it and every entry read before it are complete.
import type { Logger } from 'pino';
import type { StreamOffsetStore } from '../../ports/stream-offset.store.js';
import type { InfrastructureRetry } from './infrastructure-retry.js';

export class OffsetCommitter {
  private readonly tracker = new ContiguousOffsetTracker();
  private saved: string | null = null;
  private saving: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly label: string,
    private readonly offsets: StreamOffsetStore,
    private readonly retry: InfrastructureRetry,
    private readonly log: Logger,
  ) {}

  /** The stored offset (null: never stored), retried until Redis answers; undefined when stopped first. */
  async load(): Promise<string | null | undefined> {
    const stored = await this.retry.run('offset', () => this.offsets.load(this.label));
    if (stored !== undefined) this.saved = stored;
    return stored;
  }

  /** Entries must be tracked in stream order, as read. */
  track(entryId: string): void {
    this.tracker.add(entryId);
  }

  /** The entry's outcome is published: the offset may move past it (one save at a time). */
  complete(entryId: string): void {
    this.tracker.complete(entryId);
    if (this.saving || !this.hasUnsaved()) return;
    // Assigned before the loop's `finally` can clear it; its last check and the clearing
    // happen in one tick, so no completion slips between them unsaved.
    this.saving = this.saveLoop();
  }

  /** The oldest entry read whose outcome is not published yet, or null. */
  get oldestUnanswered(): string | null {
    return this.tracker.oldestIncomplete;
  }

  /** Entries read and not yet behind the committable offset. */
  get pendingCount(): number {
    return this.tracker.pendingCount;
  }

  get savedOffset(): string | null {
    return this.saved;
  }

  /** One last save of completed work (at shutdown); later completions are not saved. */
  async flush(): Promise<void> {
    await this.saving;
    const target = this.tracker.committable;
    this.closed = true;
    if (target === null || target === this.saved) return;
    try {
      await this.offsets.save(this.label, target);
      this.saved = target;
    } catch (err) {
      this.log.warn({ err, offset: target }, 'could not save the final offset: completed jobs will replay as no-ops');
    }
  }

  private hasUnsaved(): boolean {
    const target = this.tracker.committable;
    return target !== null && target !== this.saved && !this.closed;
  }

  private async saveLoop(): Promise<void> {
    try {
      while (this.hasUnsaved()) {
        const target = this.tracker.committable as string;
        const done = await this.retry.run('offset', async () => {
          await this.offsets.save(this.label, target);
          return true;
        });
        if (done === undefined) return; // stopping: flush() saves once more
        this.saved = target;
      }
    } finally {
      this.saving = null;
    }
  }
}

// Which offset may be persisted while jobs complete out of order: the highest entry id
// such that it and every entry read before it are complete.
export class ContiguousOffsetTracker {
  /** Read but not yet passed by the committable offset, in stream order. */
  private readonly pending: Array<{ id: string; done: boolean }> = [];
  private readonly byId = new Map<string, { id: string; done: boolean }>();
  private last: string | null = null;

  /** Entries must be added in stream order. */
  add(id: string): void {
    const slot = { id, done: false };
    this.pending.push(slot);
    this.byId.set(id, slot);
  }

  complete(id: string): void {
    const slot = this.byId.get(id);
    if (!slot) return;
    slot.done = true;
    while (this.pending[0]?.done) {
      const head = this.pending.shift() as { id: string };
      this.byId.delete(head.id);
      this.last = head.id;
    }
  }

  /** The oldest entry read and not completed (its outcome unpublished), or null when none. */
  get oldestIncomplete(): string | null {
    // Completed entries at the head are shifted out at once: the head is never complete.
    return this.pending[0]?.id ?? null;
  }

  /** Highest contiguous completed id, or null when nothing completed yet. */
  get committable(): string | null {
    return this.last;
  }

  /** Entries read and not yet behind the committable offset (completed or not). */
  get pendingCount(): number {
    return this.pending.length;
  }
}
