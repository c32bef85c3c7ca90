// The leader fence of one process (ports/leader-fence.ts): the term's token travels with the
// work through AsyncLocalStorage, so the stores find it without a parameter on every port
// call, and REST handlers (started outside any term) never carry one.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FenceToken, LeaderFence, LeadershipLost } from '../../ports/leader-fence.js';

export class AsyncLeaderFence implements LeaderFence {
  private readonly storage = new AsyncLocalStorage<FenceToken>();
  private readonly listeners: Array<(error: LeadershipLost) => void> = [];
  private currentTerm: (token: FenceToken) => boolean = () => true;

  current(): FenceToken | undefined {
    return this.storage.getStore();
  }

  run<T>(token: FenceToken, work: () => T): T {
    return this.storage.run(token, work);
  }

  /** Runs `work` outside any term (the elector's own calls, REST): its writes are not fenced. */
  outside<T>(work: () => T): T {
    return this.storage.exit(work);
  }

  rejected(error: LeadershipLost): void {
    for (const listener of this.listeners) listener(error);
  }

  termIsCurrent(token: FenceToken): boolean {
    return this.currentTerm(token);
  }

  /** The elector decides whether a term is still current (termIsCurrent). */
  judgeTermsBy(isCurrent: (token: FenceToken) => boolean): void {
    this.currentTerm = isCurrent;
  }

  /** The elector listens: a rejected write of its term makes it step down. */
  onRejected(listener: (error: LeadershipLost) => void): void {
    this.listeners.push(listener);
  }
}
