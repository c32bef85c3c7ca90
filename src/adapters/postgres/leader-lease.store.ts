// rtmanager.leader_lease (migrations/0004): acquire, renew and release of the one leader
// lease, each in one transaction, every time from PostgreSQL's clock (docs/leader-election.md).
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../../generated/db/types.js';
import type { LeaderAcquireResult, LeaderClaim, LeaderLeaseState, LeaderLeaseStore, LeaderTakeover } from '../../ports/leader-lease.store.js';
import { RTM_SCHEMA, type RtmDatabase } from './database.js';
import { classifyPostgresFaults } from './postgres-fault.js';

interface LeaseRow {
  holder: string;
  boot_id: string;
  epoch: string;
  acquired_at: Date;
  renewed_at: Date;
  expires_at: Date;
  expired: boolean;
}

const LEASE = sql.raw(`${RTM_SCHEMA}.leader_lease`);
const RETURNED = sql.raw('holder, boot_id, epoch, acquired_at, renewed_at, expires_at, expires_at <= now() AS expired');
/** expires_at for a claim of `ttlMs` from now (PostgreSQL's clock). */
const expiry = (ttlMs: number) => sql`now() + make_interval(secs => ${ttlMs / 1000}::double precision)`;

function stateOf(row: LeaseRow): LeaderLeaseState {
  // int8 arrives as a string; epochs stay far below 2^53.
  return { holder: row.holder, bootId: row.boot_id, epoch: Number(row.epoch), acquiredAt: row.acquired_at, expiresAt: row.expires_at, expired: row.expired };
}

/** How a stored lease may be taken by `claim`, or null when it may not. */
function takeoverOf(current: LeaseRow, claim: LeaderClaim, takeOverOwnInstance: boolean): LeaderTakeover | null {
  // Our own lease from an earlier term (a renewal we could not confirm): a new term all the same.
  if (current.holder === claim.instanceId && current.boot_id === claim.bootId) return 'own';
  if (current.expired) return current.renewed_at.getTime() > current.expires_at.getTime() ? 'released' : 'expired';
  if (takeOverOwnInstance && current.holder === claim.instanceId && current.boot_id !== claim.bootId) return 'previous_incarnation';
  return null;
}

export class PostgresLeaderLeaseStore implements LeaderLeaseStore {
  private readonly db: Kysely<DB>;

  constructor(database: RtmDatabase) {
    this.db = database.kysely;
  }

  acquire(claim: LeaderClaim, ttlMs: number, options: { takeOverOwnInstance?: boolean } = {}): Promise<LeaderAcquireResult> {
    const ownInstance = options.takeOverOwnInstance ?? true;
    return classifyPostgresFaults('leader lease acquire', () =>
      this.db.transaction().execute(async (trx) => {
        const { rows } = await sql<LeaseRow>`SELECT ${RETURNED} FROM ${LEASE} WHERE id = 1 FOR UPDATE`.execute(trx);
        const current = rows[0];
        if (current === undefined) {
          // Two first claims race on the insert: the loser sees no row and tries again later.
          const inserted = await sql<LeaseRow>`INSERT INTO ${LEASE} (id, holder, boot_id, epoch, acquired_at, renewed_at, expires_at)
            VALUES (1, ${claim.instanceId}, ${claim.bootId}, 1, now(), now(), ${expiry(ttlMs)})
            ON CONFLICT (id) DO NOTHING RETURNING ${RETURNED}`.execute(trx);
          const row = inserted.rows[0];
          if (row) return { acquired: true, lease: stateOf(row), takeover: 'free', previous: null } as const;
          const { rows: now } = await sql<LeaseRow>`SELECT ${RETURNED} FROM ${LEASE} WHERE id = 1`.execute(trx);
          return { acquired: false, current: stateOf(now[0] as LeaseRow) } as const;
        }
        const takeover = takeoverOf(current, claim, ownInstance);
        if (takeover === null) return { acquired: false, current: stateOf(current) } as const;
        const { rows: taken } = await sql<LeaseRow>`UPDATE ${LEASE} SET holder = ${claim.instanceId}, boot_id = ${claim.bootId}, epoch = epoch + 1,
            acquired_at = now(), renewed_at = now(), expires_at = ${expiry(ttlMs)} WHERE id = 1 RETURNING ${RETURNED}`.execute(trx);
        return { acquired: true, lease: stateOf(taken[0] as LeaseRow), takeover, previous: stateOf(current) } as const;
      }),
    );
  }

  async renew(claim: LeaderClaim, epoch: number, ttlMs: number): Promise<LeaderLeaseState | null> {
    const { rows } = await classifyPostgresFaults('leader lease renew', () =>
      sql<LeaseRow>`UPDATE ${LEASE} SET renewed_at = now(), expires_at = ${expiry(ttlMs)}
        WHERE id = 1 AND epoch = ${epoch} AND boot_id = ${claim.bootId} AND holder = ${claim.instanceId} RETURNING ${RETURNED}`.execute(this.db),
    );
    return rows[0] ? stateOf(rows[0]) : null;
  }

  async release(claim: LeaderClaim, epoch: number): Promise<void> {
    // expires_at goes just behind renewed_at: expired at once, and read back as `released`.
    await classifyPostgresFaults('leader lease release', () =>
      sql`UPDATE ${LEASE} SET expires_at = now() - interval '1 millisecond', renewed_at = now()
        WHERE id = 1 AND epoch = ${epoch} AND boot_id = ${claim.bootId} AND holder = ${claim.instanceId}`.execute(this.db),
    );
  }

  async read(): Promise<LeaderLeaseState | null> {
    const { rows } = await classifyPostgresFaults('leader lease read', () => sql<LeaseRow>`SELECT ${RETURNED} FROM ${LEASE} WHERE id = 1`.execute(this.db));
    return rows[0] ? stateOf(rows[0]) : null;
  }
}
