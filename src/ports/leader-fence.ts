// Fencing (docs/leader-election.md): every write a leader makes because it is leader carries
// the epoch of its term, and the store rejects it once the epoch is not the current one (a
// paused leader resumed after another took over). The token travels with the work, not the
// call: the leader-only triggers run inside their term's fence, REST handlers outside any.
import { DependencyUnavailable, type Dependency } from './infrastructure-fault.js';

export interface FenceToken {
  readonly epoch: number;
}

export interface LeaderFence {
  /** The token of the leader term the current work runs in; undefined outside one (REST, standby). */
  current(): FenceToken | undefined;
  /** Runs `work` (and everything it starts) inside the term of `token`. */
  run<T>(token: FenceToken, work: () => T): T;
  /** A store rejected a write of `token`'s term: the elector steps down (a no-op when nothing listens). */
  rejected(error: LeadershipLost): void;
  /**
   * Whether `token`'s term is still current by this process's own view (its election, its
   * clock): for what has no store to check an epoch (Docker). True when nothing decides.
   */
  termIsCurrent(token: FenceToken): boolean;
}

/**
 * A store rejected a leader's write: its epoch is not the current one. Retryable like an
 * unavailable dependency (the job replays on the new leader; nothing was written).
 */
export class LeadershipLost extends DependencyUnavailable {
  constructor(
    dependency: Dependency,
    readonly epoch: number,
    what: string,
  ) {
    super(dependency, `${what}: rejected, epoch ${epoch} is no longer the leader's (this instance lost the leader lease)`);
  }
}

export function isLeadershipLost(error: unknown): error is LeadershipLost {
  return error instanceof LeadershipLost;
}
