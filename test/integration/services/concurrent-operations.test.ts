// Concurrent operations on one game through the real Redis lease: each one either
// succeeds or answers conflict, and the record always ends equal to Docker's real state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerNameFor } from '../../../src/domain/runtime-record.js';
import pino from 'pino';
import { RedisGameLeases } from '../../../src/adapters/redis/game-lease.adapter.js';
import { ENGINE_IMAGE } from '../../support/test-env.js';
import { createRealLifecycle, type RealLifecycle } from './real-lifecycle.fixture.js';

let rtm: RealLifecycle;
beforeAll(async () => {
  rtm = await createRealLifecycle();
});
afterAll(async () => {
  await rtm?.close();
});

describe('concurrent start and stop of one game', () => {
  it('each is success or conflict, and the record matches Docker after every round', async () => {
    const gameId = rtm.gameId('race');
    for (let round = 0; round < 4; round += 1) {
      const [started, stopped] = await Promise.all([
        rtm.start.execute({ gameId, imageRef: ENGINE_IMAGE, opSource: 'gm_rest' }),
        rtm.stop.execute({ gameId, reason: 'cancelled', opSource: 'lobby_stream' }),
      ]);
      for (const r of [started, stopped]) {
        expect(r.outcome === 'success' || r.errorCode === 'conflict', `${r.errorCode}: ${r.errorMessage}`).toBe(true);
      }
      const record = await rtm.records.get(gameId);
      const container = await rtm.docker.inspectContainer(containerNameFor(gameId));
      if (record === null) {
        expect(container).toBeNull();
      } else {
        expect(container?.id).toBe(record.currentContainerId);
        expect(container?.running).toBe(record.status === 'running');
      }
    }
    // Every operation, won or refused, left exactly one row.
    const rows = await rtm.operationLog.listByGame(gameId, 100);
    expect(rows).toHaveLength(8);
  });
});

describe('a lease held by another RTM instance', () => {
  it('start answers conflict and touches nothing until the lease is released', async () => {
    const gameId = rtm.gameId('held');
    const other = new RedisGameLeases(rtm.redis, { keyPrefix: rtm.redisPrefix, ttlMs: 30_000 }, pino({ level: 'silent' }));
    const lease = await other.tryAcquire(gameId);
    expect(lease).not.toBeNull();
    const refused = await rtm.start.execute({ gameId, imageRef: ENGINE_IMAGE, opSource: 'gm_rest' });
    expect(refused).toMatchObject({ outcome: 'failure', errorCode: 'conflict' });
    expect(await rtm.docker.inspectContainer(containerNameFor(gameId))).toBeNull();
    await lease?.release();
    const started = await rtm.start.execute({ gameId, imageRef: ENGINE_IMAGE, opSource: 'gm_rest' });
    expect(started.outcome).toBe('success');
  });
});
