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

  /** Highest contiguous completed id, or null when nothing completed yet. */
  get committable(): string | null {
    return this.last;
  }

  /** The oldest entry read and not completed (its outcome unpublished), or null when none. */
  get oldestIncomplete(): string | null {
    // Completed entries at the head are shifted out at once: the head is never complete.
    return this.pending[0]?.id ?? null;
  }

  /** Entries read and not yet behind the committable offset (completed or not). */
  get pendingCount(): number {
    return this.pending.length;
  }
}
