// In-process memory of RTM's own stop/remove calls, so the events listener does not
// report them as crashes. Entries expire after `ttlMs` (an event arrives within seconds).
import type { ContainerIntentAction, ContainerIntents } from '../../ports/container-intents.js';

export class ContainerIntentsRegistry implements ContainerIntents {
  private readonly entries = new Map<string, number>();

  constructor(
    private readonly ttlMs = 120_000,
    private readonly now: () => number = Date.now,
  ) {}

  expect(containerId: string, action: ContainerIntentAction): void {
    this.prune();
    this.entries.set(`${action}:${containerId}`, this.now() + this.ttlMs);
  }

  isExpected(containerId: string, action: ContainerIntentAction): boolean {
    const until = this.entries.get(`${action}:${containerId}`);
    return until !== undefined && until >= this.now();
  }

  private prune(): void {
    const now = this.now();
    for (const [key, until] of this.entries) if (until < now) this.entries.delete(key);
  }
}
