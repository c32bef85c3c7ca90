import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit, forEachBounded, KeyedTurns } from '../../src/timing/bounded-concurrency.js';

/** A task that stays in flight until released, recording the peak of tasks in flight. */
function gate() {
  let inFlight = 0;
  let peak = 0;
  const started: number[] = [];
  const releases = new Map<number, () => void>();
  const task = (n: number) => async (): Promise<number> => {
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    started.push(n);
    await new Promise<void>((resolve) => releases.set(n, resolve));
    inFlight -= 1;
    return n;
  };
  const release = (n: number): void => releases.get(n)?.();
  return { task, release, started, peak: () => peak };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('ConcurrencyLimit', () => {
  it('runs at most `size` tasks at once, the waiting ones first come first served', async () => {
    const g = gate();
    const limit = new ConcurrencyLimit(2);
    const runs = [1, 2, 3, 4].map((n) => limit.run(g.task(n)));
    await tick();
    expect(g.started).toEqual([1, 2]);
    g.release(2);
    await tick();
    expect(g.started).toEqual([1, 2, 3]);
    g.release(1);
    g.release(3);
    await tick();
    g.release(4);
    expect(await Promise.all(runs)).toEqual([1, 2, 3, 4]);
    expect(g.peak()).toBe(2);
  });

  it('frees the slot of a task that rejects', async () => {
    const limit = new ConcurrencyLimit(1);
    await expect(limit.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limit.run(async () => 'next')).toBe('next');
  });
});

describe('forEachBounded', () => {
  it('works through every item in order, at most `limit` at once', async () => {
    const seen: number[] = [];
    let inFlight = 0;
    let peak = 0;
    await forEachBounded([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      seen.push(n);
      await tick();
      inFlight -= 1;
    });
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });

  it('skips the items not yet started once the signal aborts', async () => {
    const stop = new AbortController();
    const seen: number[] = [];
    await forEachBounded(
      [1, 2, 3, 4],
      1,
      async (n) => {
        seen.push(n);
        if (n === 2) stop.abort();
      },
      stop.signal,
    );
    expect(seen).toEqual([1, 2]);
  });

  it('rejects with the first failure only after every started item settled', async () => {
    const finished: number[] = [];
    await expect(
      forEachBounded([1, 2, 3], 3, async (n) => {
        if (n === 1) throw new Error('one failed');
        await tick();
        finished.push(n);
      }),
    ).rejects.toThrow('one failed');
    expect(finished).toEqual([2, 3]);
  });
});

describe('KeyedTurns', () => {
  it('runs one piece per key at a time in the order handed in, keys side by side; idle waits for all', async () => {
    const turns = new KeyedTurns();
    const g = gate();
    const a1 = turns.run('a', g.task(1));
    const a2 = turns.run('a', g.task(2));
    const b3 = turns.run('b', g.task(3));
    await tick();
    expect(g.started).toEqual([1, 3]);
    expect(turns.busyKeys).toBe(2);
    g.release(1);
    await tick();
    expect(g.started).toEqual([1, 3, 2]);
    let idle = false;
    const waiting = turns.idle().then(() => (idle = true));
    g.release(2);
    await tick();
    expect(idle).toBe(false);
    g.release(3);
    await waiting;
    expect(await Promise.all([a1, a2, b3])).toEqual([1, 2, 3]);
    expect(turns.busyKeys).toBe(0);
  });

  it("a failed piece is its caller's error and does not stop the next one of its key", async () => {
    const turns = new KeyedTurns();
    const failing = turns.run('a', async () => Promise.reject(new Error('boom')));
    const next = turns.run('a', async () => 'next');
    await expect(failing).rejects.toThrow('boom');
    expect(await next).toBe('next');
  });
});
