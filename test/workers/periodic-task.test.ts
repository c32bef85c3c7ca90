import { describe, expect, it } from 'vitest';
import { PeriodicTask } from '../../src/workers/periodic-task.js';
import { FakeMetrics } from '../fakes/misc.fake.js';
import { eventually } from '../support/test-env.js';
import { silentLogger } from './runtime-fixtures.js';

describe('PeriodicTask', () => {
  it('never overlaps rounds, survives a throwing round, and stop() waits for the round in flight', async () => {
    let active = 0;
    let maxActive = 0;
    let rounds = 0;
    let finished = 0;
    const task = new PeriodicTask({
      name: 't',
      intervalMs: 1,
      logger: silentLogger,
      round: async (signal) => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        rounds += 1;
        try {
          if (rounds === 2) throw new Error('one bad round');
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, 15);
            signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
          });
        } finally {
          active -= 1;
          finished += 1;
        }
      },
    });
    task.start();
    await eventually(() => (rounds >= 4 ? true : undefined));
    await task.stop();
    expect(maxActive).toBe(1);
    expect(active).toBe(0);
    expect(finished).toBe(rounds);
    const after = rounds;
    await new Promise((r) => setTimeout(r, 20));
    expect(rounds).toBe(after);
  });

  it('reports each round: a thrown round is a failure and leaves the last success at the start time', async () => {
    const metrics = new FakeMetrics();
    let now = 1_000_000;
    let rounds = 0;
    const task = new PeriodicTask({
      name: 'reconciler',
      intervalMs: 1,
      logger: silentLogger,
      metrics,
      clock: { now: () => new Date((now += 1_000)) },
      round: async () => {
        rounds += 1;
        if (rounds <= 2) throw new Error('PostgreSQL unreachable');
      },
    });
    task.start();
    await eventually(() => ((metrics.workers.get('reconciler')?.rounds.length ?? 0) >= 3 ? true : undefined));
    const state = structuredClone(metrics.workers.get('reconciler'));
    await task.stop();
    expect(metrics.workers.has('reconciler'), 'a stopped worker reports no last success').toBe(false);
    expect(state?.intervalSeconds).toBe(0.001);
    expect(state?.rounds.slice(0, 3).map((r) => r.ok)).toEqual([false, false, true]);
    // Started at 1 001 s; the two failed rounds (1 002, 1 003) left it; the third moved it.
    expect(state?.lastSuccess).toBeGreaterThanOrEqual(1_004);
  });

  it('a worker whose rounds all fail keeps the start time as its last success', async () => {
    const metrics = new FakeMetrics();
    const task = new PeriodicTask({
      name: 'reconciler',
      intervalMs: 1,
      logger: silentLogger,
      metrics,
      clock: { now: () => new Date(5_000) },
      round: async () => {
        throw new Error('Docker unreachable');
      },
    });
    task.start();
    await eventually(() => ((metrics.workers.get('reconciler')?.rounds.length ?? 0) >= 3 ? true : undefined));
    expect(metrics.workers.get('reconciler')?.lastSuccess).toBe(5);
    expect(metrics.workers.get('reconciler')?.rounds.every((r) => !r.ok)).toBe(true);
    await task.stop();
  });

  it('runImmediately=false waits one interval before the first round', async () => {
    let rounds = 0;
    const task = new PeriodicTask({ name: 't', intervalMs: 40, logger: silentLogger, runImmediately: false, round: async () => void (rounds += 1) });
    const t0 = Date.now();
    task.start();
    await eventually(() => (rounds === 1 ? true : undefined), { intervalMs: 2 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(35);
    await task.stop();
  });
});
