import { describe, expect, it } from 'vitest';
import { PeriodicTask } from '../../src/workers/periodic-task.js';
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
