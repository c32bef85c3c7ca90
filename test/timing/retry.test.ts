import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/timing/backoff.policy.js';
import { retryWithBackoff } from '../../src/timing/retry.js';

const fast = { initialMs: 1, maxMs: 2, jitter: 0 };
const live = (): AbortSignal => new AbortController().signal;

/** A wait that records the delays asked for and never sleeps. */
function recordingWait(): { delays: number[]; wait: (ms: number, signal: AbortSignal) => Promise<boolean> } {
  const delays: number[] = [];
  return { delays, wait: async (ms, signal) => (delays.push(ms), !signal.aborted) };
}

describe('retryWithBackoff', () => {
  it('returns the first success without waiting', async () => {
    const { delays, wait } = recordingWait();
    expect(await retryWithBackoff(async () => 'ok', { backoff: fast, signal: live(), wait })).toEqual({ done: true, value: 'ok' });
    expect(delays).toEqual([]);
  });

  it('retries a throwing attempt, paced by the backoff steps, reporting each failure', async () => {
    const { delays, wait } = recordingWait();
    const seen: Array<[string, number, number]> = [];
    let calls = 0;
    const outcome = await retryWithBackoff(
      async () => {
        calls += 1;
        if (calls < 4) throw new Error(`down ${calls}`);
        return calls;
      },
      { backoff: { initialMs: 10, maxMs: 30, jitter: 0 }, signal: live(), wait, onRetry: (err, ms, n) => seen.push([(err as Error).message, ms, n]) },
    );
    expect(outcome).toEqual({ done: true, value: 4 });
    expect(delays).toEqual([10, 20, 30]);
    expect(seen).toEqual([
      ['down 1', 10, 1],
      ['down 2', 20, 2],
      ['down 3', 30, 3],
    ]);
  });

  it('retries a resolved attempt that is not done (err undefined), until done says so', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const outcome = await retryWithBackoff(async () => ++calls, {
      backoff: fast,
      signal: live(),
      done: (n) => n >= 3,
      onRetry: (err) => errors.push(err),
    });
    expect(outcome).toEqual({ done: true, value: 3 });
    expect(errors).toEqual([undefined, undefined]);
  });

  it('gives up when the signal aborts during the wait, without another attempt', async () => {
    const stop = new AbortController();
    let calls = 0;
    const outcome = await retryWithBackoff(
      async () => {
        calls += 1;
        stop.abort();
        throw new Error('down');
      },
      { backoff: { initialMs: 60_000, maxMs: 60_000 }, signal: stop.signal, onAbandon: () => undefined },
    );
    expect(outcome).toEqual({ done: false });
    expect(calls).toBe(1);
  });

  it('an attempt failing after the abort is abandoned (onAbandon), not retried', async () => {
    const stop = new AbortController();
    const abandoned: unknown[] = [];
    const retried: unknown[] = [];
    const outcome = await retryWithBackoff(
      async () => {
        stop.abort();
        throw new Error('late');
      },
      { backoff: fast, signal: stop.signal, onAbandon: (err) => abandoned.push(err), onRetry: (err) => retried.push(err) },
    );
    expect(outcome).toEqual({ done: false });
    expect(abandoned).toEqual([new Error('late')]);
    expect(retried).toEqual([]);
  });

  it('an aborted signal means no attempt, unless the first is wanted anyway', async () => {
    const stopped = AbortSignal.abort();
    let calls = 0;
    const attempt = async (): Promise<number> => ++calls;
    expect(await retryWithBackoff(attempt, { backoff: fast, signal: stopped })).toEqual({ done: false });
    expect(calls).toBe(0);
    expect(await retryWithBackoff(attempt, { backoff: fast, signal: stopped, firstEvenIfAborted: true })).toEqual({ done: true, value: 1 });
    const failing = await retryWithBackoff(
      async () => {
        calls += 1;
        throw new Error('down');
      },
      { backoff: fast, signal: stopped, firstEvenIfAborted: true },
    );
    expect(failing).toEqual({ done: false });
    expect(calls).toBe(2);
  });

  it('waitFirst waits one step before the first attempt; a caller-owned Backoff keeps its state and can be reset', async () => {
    const { delays, wait } = recordingWait();
    const backoff = new Backoff({ initialMs: 10, maxMs: 100, jitter: 0 });
    let calls = 0;
    await retryWithBackoff(
      async () => {
        calls += 1;
        if (calls === 2) backoff.reset();
        return calls;
      },
      { backoff, signal: live(), wait, waitFirst: true, done: (n) => n >= 3 },
    );
    // before #1: 10; after #1 (not done): 20; #2 resets, then: 10.
    expect(delays).toEqual([10, 20, 10]);
  });
});
