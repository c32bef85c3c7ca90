// The leader lease (CONTRACT §11, docs/leader-election.md): one holder at a time among the RTM
// instances sharing a PostgreSQL, an epoch raised at every change of holder. Times are the
// store's own clock; the caller only says how long a claim lasts.

/** Who claims: the instance's name (RTMANAGER_INSTANCE_ID) and this process's boot id. */
export interface LeaderClaim {
  readonly instanceId: string;
  readonly bootId: string;
}

/** The lease as stored. */
export interface LeaderLeaseState {
  readonly holder: string;
  readonly bootId: string;
  readonly epoch: number;
  readonly acquiredAt: Date;
  readonly expiresAt: Date;
  /** By the store's clock at the read: true when `expiresAt` has passed. */
  readonly expired: boolean;
}

/**
 * How the lease was taken: `free` (no lease yet), `expired` (its holder stopped renewing),
 * `previous_incarnation` (held, unexpired, by another boot of our own instance id: a process
 * that died, since instance ids are unique among live processes), `released` (handed back), `own` (this process's lease of an earlier term). Every one
 * raises the epoch.
 */
export type LeaderTakeover = 'free' | 'expired' | 'previous_incarnation' | 'released' | 'own';

export type LeaderAcquireResult =
  | { readonly acquired: true; readonly lease: LeaderLeaseState; readonly takeover: LeaderTakeover; readonly previous: LeaderLeaseState | null }
  | { readonly acquired: false; readonly current: LeaderLeaseState };

export interface LeaderLeaseStore {
  /**
   * Takes the lease for `ttlMs` when it is free, expired or held by another boot of the same
   * instance id (unless `takeOverOwnInstance` is false), with the epoch raised by one.
   */
  acquire(claim: LeaderClaim, ttlMs: number, options?: { takeOverOwnInstance?: boolean }): Promise<LeaderAcquireResult>;
  /** Extends our lease by `ttlMs` from now; null when the lease is no longer ours (this epoch and boot). */
  renew(claim: LeaderClaim, epoch: number, ttlMs: number): Promise<LeaderLeaseState | null>;
  /** Ends our lease now (a standby takes it at its next try); a no-op when it is not ours. */
  release(claim: LeaderClaim, epoch: number): Promise<void>;
  /** The lease as stored, or null before any instance ever led. */
  read(): Promise<LeaderLeaseState | null>;
}
