// Leader election (CONTRACT §11, docs/leader-election.md), after client-go's: a standby tries
// to take the PostgreSQL lease every `retryMs`; the leader renews it as often and steps down
// when no renewal succeeded within `renewDeadlineMs` (before the lease, `ttlMs`, can lapse
// and another instance take it), when the lease is no longer its own, or when a store
// rejected one of its term's writes (fencing). Each new term stores its epoch in Redis
// before the leader-only triggers start inside the term's fence; each change of role is
// logged and counted.
import type { Logger } from 'pino';
import type { FenceToken, LeadershipLost } from '../../ports/leader-fence.js';
import type { LeaderAcquireResult, LeaderClaim, LeaderLeaseState, LeaderLeaseStore } from '../../ports/leader-lease.store.js';
import type { LeadershipMetrics } from '../../ports/metrics.js';
import { settlesWithin, withDeadline } from '../../timing/deadline.js';
import { describeError } from '../pipeline/operation-failure.js';

export type LeaderRole = 'leader' | 'standby';

/** The leader-only triggers of one term (job consumers, singleton workers). */
export interface LeaderTermTriggers {
  /** Starts them inside the term of `token` (the startup reconcile first). Never rejects. */
  start(token: FenceToken): Promise<void>;
  /** Stops them: in-flight work finishes or is abandoned (it replays on the next leader). */
  stop(): Promise<void>;
  /** The first round ended as standby: nothing runs here, nothing is pending. */
  standingBy(): void;
}

export interface LeaderElectionSettings {
  ttlMs: number;
  renewDeadlineMs: number;
  retryMs: number;
}

/** client-go's proportions: lease 15 s, renew deadline 10 s, retry 2 s. */
export function electionSettingsFor(ttlMs: number): LeaderElectionSettings {
  return { ttlMs, renewDeadlineMs: Math.round((ttlMs * 2) / 3), retryMs: Math.max(50, Math.round((ttlMs * 2) / 15)) };
}

export interface LeaderElectionDeps {
  leases: LeaderLeaseStore;
  /** Stores a new term's epoch in Redis; false when Redis holds a higher one. */
  redisEpoch: { advance(epoch: number): Promise<boolean> };
  identity: LeaderClaim;
  triggers: LeaderTermTriggers;
  metrics: LeadershipMetrics;
  logger: Logger;
  settings: LeaderElectionSettings;
}

export interface LeadershipStatus {
  /** null until the first election round has run. */
  role: LeaderRole | null;
  epoch: number | null;
  since: Date | null;
  /** Another live process was found with this instance id. */
  duplicateInstanceId: boolean;
}

export class LeaderElectionService {
  private role: LeaderRole | null = null;
  private term: { epoch: number; since: Date; renewedAt: number } | null = null;
  /** The term whose triggers drain at shutdown (the lease is released only after). */
  private draining: { epoch: number; since: Date; renewedAt: number } | null = null;
  private duplicate = false;
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<void> | null = null;
  private steppingDown: Promise<void> | null = null;
  private stopped = false;
  private readonly log: Logger;
  private firstRoundDone: ((started: Promise<void>) => void) | null = null;
  private termStarted: Promise<void> = Promise.resolve();
  /** Resolves after the first round: as standby at once, as leader once its triggers started. */
  readonly firstRound: Promise<void>;

  constructor(private readonly deps: LeaderElectionDeps) {
    this.log = deps.logger.child({ instance_id: deps.identity.instanceId, boot_id: deps.identity.bootId });
    this.firstRound = new Promise<Promise<void>>((resolve) => (this.firstRoundDone = resolve)).then((started) => started);
  }

  get status(): LeadershipStatus {
    return { role: this.role, epoch: this.term?.epoch ?? null, since: this.term?.since ?? null, duplicateInstanceId: this.duplicate };
  }

  /**
   * Whether the term of `epoch` is still ours by our own clock: leader, that epoch, and a
   * renewal confirmed within the renew deadline (before any other instance could take over).
   * A process resumed after a pause answers false at once, before its next round runs.
   */
  holdsTerm(epoch: number): boolean {
    const term = this.role === 'leader' ? this.term : this.draining;
    return term !== null && term.epoch === epoch && Date.now() - term.renewedAt < this.deps.settings.renewDeadlineMs;
  }

  /** The first round runs at once: a single instance is leader as soon as PostgreSQL answers. */
  start(): void {
    this.schedule(0);
  }

  /** A store rejected a write of our term: step down now (the renewal may not have noticed yet). */
  fenced(error: LeadershipLost): void {
    // Every rejection is logged: it is the proof that a former term wrote nothing more.
    this.log.warn({ epoch: error.epoch, dependency: error.dependency, problem: error.message }, 'write rejected by the store: its leader term is over');
    if (this.role !== 'leader' || this.term?.epoch !== error.epoch) return;
    this.steppingDown ??= this.stepDown(`a write was rejected: ${error.message}`).finally(() => (this.steppingDown = null));
  }

  /** Shutdown: stop the triggers, then hand the lease back so a standby takes over at its next try. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    // A round stuck on an unanswering PostgreSQL does not hold the shutdown past the renew deadline.
    if (this.round) await settlesWithin(this.round, this.deps.settings.renewDeadlineMs);
    await this.steppingDown;
    const term = this.term;
    if (this.role === 'leader' && term) {
      await this.stepDown('shutting down', true);
      await this.deps.leases.release(this.deps.identity, term.epoch).catch((err: unknown) => this.log.warn({ err }, 'leader lease release failed; it expires on its own'));
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round = this.runRound().finally(() => {
        this.round = null;
        this.schedule(this.deps.settings.retryMs);
      });
    }, delayMs);
  }

  private async runRound(): Promise<void> {
    try {
      if (this.steppingDown) await this.steppingDown;
      if (this.role === 'leader') await this.renew();
      else await this.tryAcquire();
    } catch (err) {
      this.log.error({ err: describeError(err) }, 'leader election round failed');
    }
    if (this.role === null) {
      this.role = 'standby';
      this.deps.metrics.leaderRole(false);
    }
    if (this.role === 'standby' && this.firstRoundDone) this.deps.triggers.standingBy();
    this.firstRoundDone?.(this.termStarted);
    this.firstRoundDone = null;
  }

  private async tryAcquire(): Promise<void> {
    let result: LeaderAcquireResult;
    try {
      result = await this.deps.leases.acquire(this.deps.identity, this.deps.settings.ttlMs, { takeOverOwnInstance: !this.duplicate });
    } catch (err) {
      this.log.warn({ err: describeError(err) }, 'leader lease: could not try to acquire it');
      return;
    }
    if (!result.acquired) {
      this.becomeStandby(result.current);
      return;
    }
    const { lease } = result;
    const stored = await this.deps.redisEpoch.advance(lease.epoch).catch((err: unknown) => {
      this.log.warn({ err: describeError(err), epoch: lease.epoch }, 'leader lease taken but its epoch could not be stored in Redis: handing it back');
      return null;
    });
    if (stored !== true) {
      if (stored === false) this.log.error({ epoch: lease.epoch }, 'Redis holds a higher leader epoch than PostgreSQL (a restored database?): handing the lease back');
      await this.deps.leases.release(this.deps.identity, lease.epoch).catch(() => undefined);
      return;
    }
    this.becomeLeader(result);
  }

  private becomeLeader(result: Extract<LeaderAcquireResult, { acquired: true }>): void {
    const { lease, previous, takeover } = result;
    this.term = { epoch: lease.epoch, since: lease.acquiredAt, renewedAt: Date.now() };
    this.role = 'leader';
    this.deps.metrics.leaderRole(true);
    this.deps.metrics.leaderChanged();
    this.log.info(
      { role: 'leader', epoch: lease.epoch, takeover, previous_holder: previous?.holder ?? null, previous_boot_id: previous?.bootId ?? null },
      takeover === 'previous_incarnation' ? 'role changed: leader (took over the lease of a previous incarnation of this instance)' : 'role changed: leader',
    );
    this.termStarted = this.deps.triggers.start({ epoch: lease.epoch });
  }

  private becomeStandby(current: LeaderLeaseState): void {
    const { identity } = this.deps;
    if (!this.duplicate && current.holder === identity.instanceId && current.bootId !== identity.bootId && this.role !== null) this.duplicateFound(current);
    if (this.role === null) {
      this.role = 'standby';
      this.deps.metrics.leaderRole(false);
      this.log.info({ role: 'standby', leader: current.holder, leader_epoch: current.epoch }, 'role: standby');
    }
  }

  private async renew(): Promise<void> {
    const term = this.term as { epoch: number; since: Date; renewedAt: number };
    const sentAt = Date.now();
    let renewed: LeaderLeaseState | null;
    try {
      // A renewal that hangs (a partition) counts as failed once the deadline passed.
      const leftMs = Math.max(1, this.deps.settings.renewDeadlineMs - (sentAt - term.renewedAt));
      renewed = await withDeadline(this.deps.leases.renew(this.deps.identity, term.epoch, this.deps.settings.ttlMs), leftMs, () => new Error(`renewal unanswered after ${leftMs} ms`));
    } catch (err) {
      const sinceMs = Date.now() - term.renewedAt;
      if (sinceMs < this.deps.settings.renewDeadlineMs) {
        this.log.warn({ err: describeError(err), since_ms: sinceMs }, 'leader lease renewal failed; retrying until the renew deadline');
        return;
      }
      await this.stepDown(`no renewal within the renew deadline (${this.deps.settings.renewDeadlineMs} ms): ${describeError(err)}`);
      return;
    }
    if (renewed) {
      term.renewedAt = sentAt;
      return;
    }
    await this.stepDown('the lease is no longer ours');
    const current = await this.deps.leases.read().catch(() => null);
    if (current && current.holder === this.deps.identity.instanceId && current.bootId !== this.deps.identity.bootId) this.duplicateFound(current);
  }

  private duplicateFound(current: LeaderLeaseState): void {
    this.duplicate = true;
    this.deps.metrics.duplicateInstanceId();
    this.log.error(
      { other_boot_id: current.bootId, epoch: current.epoch },
      'another live process has this RTMANAGER_INSTANCE_ID (instance ids must be unique): this one no longer takes over its leases early',
    );
  }

  /** `graceful` (shutdown): the lease is still ours, so in-flight work may finish under it. */
  private async stepDown(reason: string, graceful = false): Promise<void> {
    if (this.role !== 'leader') return;
    const term = this.term;
    this.role = 'standby';
    this.term = null;
    if (graceful) this.draining = term;
    this.deps.metrics.leaderRole(false);
    this.deps.metrics.leaderChanged();
    this.log.warn({ role: 'standby', epoch: term?.epoch, reason }, 'role changed: standby');
    try {
      await this.deps.triggers.stop();
    } finally {
      this.draining = null;
    }
  }
}
