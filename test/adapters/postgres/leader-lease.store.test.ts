// The leader lease in PostgreSQL: one holder, the epoch raised at every change of holder,
// expiry by PostgreSQL's clock, a dead incarnation of the same instance id replaced at once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRtmDatabase, type RtmDatabase } from '../../../src/adapters/postgres/database.js';
import { PostgresLeaderLeaseStore } from '../../../src/adapters/postgres/leader-lease.store.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-env.js';

let testDb: TestDatabase;
let db: RtmDatabase;
let store: PostgresLeaderLeaseStore;

const a1 = { instanceId: 'rtm-a', bootId: 'boot-a1' };
const a2 = { instanceId: 'rtm-a', bootId: 'boot-a2' };
const b1 = { instanceId: 'rtm-b', bootId: 'boot-b1' };
const LONG = 60_000;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = createRtmDatabase(testDb.pool);
  store = new PostgresLeaderLeaseStore(db);
});

afterAll(async () => {
  await testDb?.drop();
});

beforeEach(async () => {
  await testDb.pool.query('TRUNCATE rtmanager.leader_lease');
});

/** Moves the stored expiry into the past, as if the holder had stopped renewing long ago. */
async function expireNow(): Promise<void> {
  await testDb.pool.query(`UPDATE rtmanager.leader_lease SET renewed_at = now() - interval '20 seconds', expires_at = now() - interval '5 seconds'`);
}

describe('PostgresLeaderLeaseStore', () => {
  it('the first claim takes a free lease with epoch 1; a second instance is refused while it lasts', async () => {
    expect(await store.read()).toBeNull();
    const first = await store.acquire(a1, LONG);
    expect(first).toMatchObject({ acquired: true, takeover: 'free', lease: { holder: 'rtm-a', bootId: 'boot-a1', epoch: 1, expired: false } });
    const second = await store.acquire(b1, LONG);
    expect(second).toMatchObject({ acquired: false, current: { holder: 'rtm-a', epoch: 1 } });
  });

  it('an expired lease goes to the next claimant with the epoch raised; the old holder can no longer renew or release it', async () => {
    await store.acquire(a1, LONG);
    await expireNow();
    const taken = await store.acquire(b1, LONG);
    expect(taken).toMatchObject({ acquired: true, takeover: 'expired', lease: { holder: 'rtm-b', epoch: 2 }, previous: { holder: 'rtm-a', epoch: 1 } });
    expect(await store.renew(a1, 1, LONG)).toBeNull();
    await store.release(a1, 1);
    expect(await store.read()).toMatchObject({ holder: 'rtm-b', epoch: 2, expired: false });
  });

  it('renewal extends the lease by PostgreSQL clock and keeps the epoch', async () => {
    const first = await store.acquire(a1, 1_000);
    if (!first.acquired) throw new Error('not acquired');
    const renewed = await store.renew(a1, 1, LONG);
    expect(renewed?.epoch).toBe(1);
    expect(renewed!.expiresAt.getTime()).toBeGreaterThan(first.lease.expiresAt.getTime() + 50_000);
  });

  it('a new boot of the same instance id takes the unexpired lease at once (the old process died); a renewal of the old boot fails', async () => {
    await store.acquire(a1, LONG);
    const taken = await store.acquire(a2, LONG);
    expect(taken).toMatchObject({ acquired: true, takeover: 'previous_incarnation', lease: { holder: 'rtm-a', bootId: 'boot-a2', epoch: 2 } });
    expect(await store.renew(a1, 1, LONG)).toBeNull();
    // A process that found itself displaced by its own instance id no longer takes it back early.
    expect(await store.acquire(a1, LONG, { takeOverOwnInstance: false })).toMatchObject({ acquired: false, current: { bootId: 'boot-a2' } });
  });

  it('a released lease is taken at once by a standby, and reads back as released', async () => {
    await store.acquire(a1, LONG);
    await store.release(a1, 1);
    expect(await store.read()).toMatchObject({ expired: true });
    expect(await store.acquire(b1, LONG)).toMatchObject({ acquired: true, takeover: 'released', lease: { epoch: 2 } });
  });

  it('two claims racing on a free lease: exactly one wins', async () => {
    const claims = Array.from({ length: 6 }, (_, i) => ({ instanceId: `rtm-${i}`, bootId: `boot-${i}` }));
    const results = await Promise.all(claims.map((c) => store.acquire(c, LONG)));
    expect(results.filter((r) => r.acquired)).toHaveLength(1);
    expect((await store.read())?.epoch).toBe(1);
  });

  it('re-acquiring our own lease starts a new term (the epoch is raised)', async () => {
    await store.acquire(a1, LONG);
    expect(await store.acquire(a1, LONG)).toMatchObject({ acquired: true, takeover: 'own', lease: { epoch: 2 } });
  });
});
