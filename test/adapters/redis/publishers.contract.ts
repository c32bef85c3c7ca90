// Contracts of the three stream publisher ports (CONTRACT §6), run against the Redis
// adapters (test/adapters/redis/publishers.contract.test.ts) and the recording fakes
// (test/fakes/fakes.contract.test.ts). What callers rely on: what was published reads back
// equal, in publish order; a publish that fails appends nothing (the health service
// retries it, so a half-written entry would be a duplicate).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HealthEvent } from '../../../src/domain/health.js';
import type {
  HealthEventPublisher,
  JobResult,
  JobResultPublisher,
  NotificationIntent,
  NotificationIntentPublisher,
} from '../../../src/ports/publishers.js';
import { testGameId } from '../../support/test-env.js';

export interface PublisherWorld<P, T> {
  publisher: P;
  /** Everything the stream holds, decoded back to the port's type, oldest first. */
  readBack(): Promise<T[]>;
  /** From now on the stream cannot be written (Redis unreachable). */
  breakSink(): Promise<void>;
  teardown(): Promise<void>;
}

interface PublisherCase<P, T> {
  port: string;
  /** Resolves to the new entry's id. */
  publish(publisher: P, entry: T): Promise<string>;
  /** Distinct, valid entries; `i` varies them. */
  sample(i: number): T;
}

function describeStreamPublisherContract<P, T>(name: string, c: PublisherCase<P, T>, createWorld: () => Promise<PublisherWorld<P, T>>): void {
  describe(`${c.port} contract: ${name}`, () => {
    let world: PublisherWorld<P, T>;
    beforeEach(async () => {
      world = await createWorld();
    });
    afterEach(async () => {
      await world.teardown();
    });

    it('what was published reads back equal', async () => {
      const entry = c.sample(0);
      await c.publish(world.publisher, entry);
      expect(await world.readBack()).toEqual([entry]);
    });

    it('keeps publish order', async () => {
      const entries = [1, 2, 3, 4, 5].map((i) => c.sample(i));
      for (const e of entries) await c.publish(world.publisher, e);
      expect(await world.readBack()).toEqual(entries);
    });

    it('returns a new, increasing stream entry id per publish', async () => {
      const ids = [];
      for (let i = 0; i < 5; i++) ids.push(await c.publish(world.publisher, c.sample(i)));
      const key = (id: string) => id.split('-').map(Number) as [number, number];
      const sorted = [...ids].sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1]);
      expect(new Set(ids).size).toBe(5);
      expect(ids).toEqual(sorted);
      for (const id of ids) expect(id).toMatch(/^\d+-\d+$/);
    });

    it('a publish to an unreachable stream rejects and appends nothing', async () => {
      await c.publish(world.publisher, c.sample(1));
      await world.breakSink();
      await expect(c.publish(world.publisher, c.sample(2))).rejects.toThrow();
      expect(await world.readBack()).toEqual([c.sample(1)]);
    });
  });
}

const GAME = testGameId('pub');

export function describeJobResultPublisherContract(name: string, createWorld: () => Promise<PublisherWorld<JobResultPublisher, JobResult>>): void {
  const sample = (i: number): JobResult =>
    i % 2 === 0
      ? {
          gameId: GAME, jobKind: 'start', jobId: `1700000000000-${i}`, outcome: 'success', errorCode: null, errorMessage: null,
          containerId: `c${i}`, engineEndpoint: `http://galaxy-game-${GAME}:8080`, imageRef: 'galaxy/game:1.2.3', completedAt: new Date(1_700_000_000_000 + i),
        }
      : {
          gameId: GAME, jobKind: 'stop', jobId: `1700000000000-${i}`, outcome: 'failure', errorCode: 'service_unavailable', errorMessage: `down ${i}`,
          containerId: null, engineEndpoint: null, imageRef: null, completedAt: new Date(1_700_000_000_000 + i),
        };
  describeStreamPublisherContract(name, { port: 'JobResultPublisher', publish: (p, r) => p.publish(r), sample }, createWorld);
}

export function describeHealthEventPublisherContract(name: string, createWorld: () => Promise<PublisherWorld<HealthEventPublisher, HealthEvent>>): void {
  const sample = (i: number): HealthEvent =>
    [
      { gameId: GAME, containerId: `c${i}`, eventType: 'container_exited', occurredAt: new Date(1_700_000_001_000 + i), details: { exit_code: i, requested_by_rtm: false } },
      { gameId: GAME, containerId: `c${i}`, eventType: 'probe_recovered', occurredAt: new Date(1_700_000_001_000 + i), details: { failed_probes: i, target: 'http://x:8080/healthz' } },
      { gameId: GAME, containerId: `c${i}`, eventType: 'container_oom', occurredAt: new Date(1_700_000_001_000 + i), details: {} },
    ][i % 3] as HealthEvent;
  describeStreamPublisherContract(name, { port: 'HealthEventPublisher', publish: (p, e) => p.publish(e), sample }, createWorld);
}

export function describeNotificationIntentPublisherContract(
  name: string,
  createWorld: () => Promise<PublisherWorld<NotificationIntentPublisher, NotificationIntent>>,
): void {
  const sample = (i: number): NotificationIntent => ({
    intentType: i % 2 === 0 ? 'runtime.image_pull_failed' : 'runtime.start_config_invalid',
    idempotencyKey: `rtmanager:${GAME}:start:${i}`,
    gameId: GAME,
    imageRef: 'galaxy/game:9.9.9',
    errorCode: i % 2 === 0 ? 'image_pull_failed' : 'start_config_invalid',
    errorMessage: `message ${i}`,
    attemptedAt: new Date(1_700_000_002_000 + i),
  });
  describeStreamPublisherContract(name, { port: 'NotificationIntentPublisher', publish: (p, n) => p.publish(n), sample }, createWorld);
}
