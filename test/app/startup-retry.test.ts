import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { retryUntilDone } from '../../src/app/startup-retry.js';

const logger = pino({ level: 'silent' });
const backoff = { initialMs: 1, maxMs: 2, jitter: 0 };

describe('retryUntilDone', () => {
  it('retries a failing task until it succeeds and returns its value', async () => {
    let calls = 0;
    const outcome = await retryUntilDone(
      'startup reconcile',
      async () => {
        calls += 1;
        if (calls < 3) throw new Error('docker unreachable');
        return 'report';
      },
      { signal: new AbortController().signal, logger, backoff },
    );
    expect(outcome).toEqual({ done: true, value: 'report' });
    expect(calls).toBe(3);
  });

  it('gives up at once when shutdown aborts the wait between tries', async () => {
    const shutdown = new AbortController();
    const outcome = await retryUntilDone(
      'startup reconcile',
      async () => {
        shutdown.abort();
        throw new Error('docker unreachable');
      },
      { signal: shutdown.signal, logger, backoff: { initialMs: 60_000, maxMs: 60_000 } },
    );
    expect(outcome).toEqual({ done: false });
  });
});
