// The scheduler alone: per-game order, the concurrency bound, skipping after stop.
import { describe, expect, it } from 'vitest';
import { GameScheduler } from '../../../src/workers/job-consumer/game-scheduler.js';
import { deferred } from './consumer-harness.js';

describe('GameScheduler', () => {
  it('runs one game in order while another game runs alongside', async () => {
    const scheduler = new GameScheduler(4, new AbortController().signal, () => {});
    const gate = deferred();
    const seen: string[] = [];
    scheduler.schedule('a', async () => {
      seen.push('a1 start');
      await gate.promise;
      seen.push('a1 end');
    });
    scheduler.schedule('a', async () => void seen.push('a2'));
    scheduler.schedule('b', async () => void seen.push('b1'));
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['a1 start', 'b1']);
    gate.resolve();
    await scheduler.idle();
    expect(seen).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
  });

  it('never runs more than `concurrency` tasks at once', async () => {
    const scheduler = new GameScheduler(2, new AbortController().signal, () => {});
    let active = 0;
    let peak = 0;
    for (const key of ['a', 'b', 'c', 'd', 'e'])
      scheduler.schedule(key, async () => {
        active += 1;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 5));
        active -= 1;
      });
    await scheduler.idle();
    expect(peak).toBe(2);
  });

  it('skips tasks not yet started once the signal aborts, and reports a crash without stopping', async () => {
    const stop = new AbortController();
    const crashes: unknown[] = [];
    const scheduler = new GameScheduler(1, stop.signal, (err) => crashes.push(err));
    const gate = deferred();
    const ran: string[] = [];
    scheduler.schedule('a', async () => {
      ran.push('a');
      await gate.promise;
      throw new Error('bug');
    });
    scheduler.schedule('b', async () => void ran.push('b'));
    await new Promise((r) => setImmediate(r));
    stop.abort();
    gate.resolve();
    await scheduler.idle();
    expect(ran).toEqual(['a']);
    expect(crashes).toHaveLength(1);
    expect(scheduler.size).toBe(0);
  });
});
