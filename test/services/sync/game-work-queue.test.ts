// The per-game work queue: one game's work one piece at a time, in order; games side by
// side; a sync request joins the one already waiting, and a request made once it has begun
// gets a turn of its own (level-triggered).
import { describe, expect, it } from 'vitest';
import { GameWorkQueue } from '../../../src/services/sync/game-work-queue.js';

/** A piece of work the test finishes by hand. */
function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

describe('GameWorkQueue', () => {
  it('runs one game’s work one at a time in order, and other games’ work meanwhile', async () => {
    const queue = new GameWorkQueue();
    const log: string[] = [];
    const first = gate();
    const a1 = queue.run('a', async () => {
      log.push('a1 start');
      await first.opened;
      log.push('a1 end');
      return 1;
    });
    const a2 = queue.run('a', async () => {
      log.push('a2');
      return 2;
    });
    const b1 = queue.run('b', async () => {
      log.push('b1');
      return 3;
    });
    expect(await b1).toBe(3);
    expect(log).toEqual(['a1 start', 'b1']);
    first.open();
    expect(await Promise.all([a1, a2])).toEqual([1, 2]);
    expect(log).toEqual(['a1 start', 'b1', 'a1 end', 'a2']);
    await queue.idle();
    expect(queue.busyGames).toBe(0);
  });

  it('a failed piece of work is its caller’s error and does not hold up the next one', async () => {
    const queue = new GameWorkQueue();
    const failed = queue.run('a', async () => {
      throw new Error('boom');
    });
    const next = queue.run('a', async () => 'next');
    await expect(failed).rejects.toThrow('boom');
    expect(await next).toBe('next');
  });

  it('sync requests join the one waiting for its turn; one made after it began gets its own turn', async () => {
    const queue = new GameWorkQueue();
    const busy = gate();
    void queue.run('a', () => busy.opened);
    let runs = 0;
    const running = gate();
    const release = gate();
    const sync = async () => {
      runs += 1;
      running.open();
      await release.opened;
      return runs;
    };
    const first = queue.sync('a', sync);
    const second = queue.sync('a', sync);
    expect(second).toBe(first);
    busy.open();
    await running.opened;
    // It has begun (and may have read the state already): a new request is a new turn.
    const third = queue.sync('a', sync);
    expect(third).not.toBe(first);
    release.open();
    expect(await first).toBe(1);
    expect(await third).toBe(2);
    expect(runs).toBe(2);
  });
});
