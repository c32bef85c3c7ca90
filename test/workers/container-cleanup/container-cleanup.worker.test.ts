import { describe, expect, it } from 'vitest';
import type { OpSource } from '../../../src/domain/operation.js';
import { failed, succeeded, type OperationResult } from '../../../src/domain/operation-result.js';
import { ContainerCleanupWorker, type ContainerCleanupOperation } from '../../../src/workers/container-cleanup/container-cleanup.worker.js';
import { eventually } from '../../support/test-env.js';
import { createWorld, recordFor, type World } from '../runtime-fixtures.js';

const DAY = 86_400_000;
const RETENTION = 7 * DAY;

/** Stands in for CleanupContainerService: marks the record removed, or answers as told. */
class StubCleanup implements ContainerCleanupOperation {
  readonly calls: Array<{ gameId: string; opSource: OpSource }> = [];
  readonly answers = new Map<string, OperationResult | Error>();
  constructor(private readonly world: World) {}
  async execute(input: { gameId: string; opSource: OpSource }): Promise<OperationResult> {
    this.calls.push(input);
    const answer = this.answers.get(input.gameId);
    if (answer instanceof Error) throw answer;
    if (answer) return answer;
    const r = await this.world.records.get(input.gameId);
    const removed = await this.world.records.updateStatus({ gameId: input.gameId, expectedContainerId: r?.currentContainerId ?? null, expectedStatus: 'stopped', to: 'removed', at: this.world.clock.now() });
    return succeeded(removed);
  }
}

function setup(batchSize?: number, intervalMs = 3_600_000) {
  const world = createWorld();
  const cleanup = new StubCleanup(world);
  const worker = new ContainerCleanupWorker({ ...world, cleanup, settings: { intervalMs, retentionMs: RETENTION, ...(batchSize ? { batchSize } : {}) } });
  return { world, cleanup, worker };
}

async function stoppedAgo(world: World, gameId: string, ms: number): Promise<void> {
  await world.records.upsert(recordFor(gameId, `c-${gameId}`, 'stopped', new Date(world.clock.now().getTime() - ms)));
}

describe('ContainerCleanupWorker', () => {
  it('cleans up stopped records strictly older than the retention, with op_source auto_ttl', async () => {
    const { world, cleanup, worker } = setup();
    await stoppedAgo(world, 'old', RETENTION + 1);
    await stoppedAgo(world, 'exactly', RETENTION);
    await stoppedAgo(world, 'young', 6 * DAY);
    await world.records.upsert(recordFor('running-old', 'c-r', 'running', new Date(world.clock.now().getTime() - 30 * DAY)));
    const report = await worker.cleanupRound();
    expect(report).toEqual({ cleaned: ['old'], failed: [] });
    expect(cleanup.calls).toEqual([{ gameId: 'old', opSource: 'auto_ttl' }]);
    expect((await world.records.get('old'))?.status).toBe('removed');

    // A fake day (and a millisecond) later, the two others are past the retention too.
    world.clock.advance(DAY + 1);
    const next = await worker.cleanupRound();
    expect(next.cleaned.sort()).toEqual(['exactly', 'young']);
    expect((await world.records.get('running-old'))?.status).toBe('running');
  });

  it('a refused or throwing cleanup is logged, tried once per round, and the others go on', async () => {
    const { world, cleanup, worker } = setup(2);
    for (const id of ['a', 'b', 'c', 'd', 'e']) await stoppedAgo(world, id, 8 * DAY + id.charCodeAt(0));
    cleanup.answers.set('e', failed('conflict', 'lease held'));
    cleanup.answers.set('d', new Error('pg down'));
    const report = await worker.cleanupRound();
    expect(report.cleaned.sort()).toEqual(['a', 'b', 'c']);
    expect(report.failed.sort()).toEqual(['d', 'e']);
    expect(cleanup.calls.filter((c) => c.gameId === 'e')).toHaveLength(1);
    // Next round retries the failed ones.
    cleanup.answers.clear();
    const next = await worker.cleanupRound();
    expect(next.cleaned.sort()).toEqual(['d', 'e']);
  });

  it('pages through more due records than one batch', async () => {
    const { world, worker } = setup(3);
    for (let i = 0; i < 10; i++) await stoppedAgo(world, `g${i}`, 8 * DAY + i);
    const report = await worker.cleanupRound();
    expect(report.cleaned).toHaveLength(10);
  });

  it('runs on its own timer and stops cleanly', async () => {
    const { world, cleanup, worker } = setup(undefined, 10);
    await stoppedAgo(world, 'old', 8 * DAY);
    worker.start();
    await eventually(() => (cleanup.calls.length === 1 ? true : undefined));
    await worker.stop();
  });
});
