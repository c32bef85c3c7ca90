// The committer alone: contiguous saves, retry while saving fails, the final flush.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { InfrastructureRetry } from '../../../src/workers/job-consumer/infrastructure-retry.js';
import { OffsetCommitter } from '../../../src/workers/job-consumer/offset-committer.js';
import { eventually } from '../../support/test-env.js';
import { ManualClock } from '../../fakes/misc.fake.js';
import { EffectLog, RecordingOffsetStore } from './consumer-harness.js';

const silent = pino({ level: 'silent' });
const fast = { intervalMs: 2, timeoutMs: 2_000 };

function setup() {
  const stop = new AbortController();
  const store = new RecordingOffsetStore(new EffectLog());
  const retry = new InfrastructureRetry({ initialMs: 1, maxMs: 2 }, stop.signal, new ManualClock(), silent);
  return { stop, store, retry, committer: new OffsetCommitter('start_jobs', store, retry, silent) };
}

describe('OffsetCommitter', () => {
  it('saves only the highest contiguous completed entry', async () => {
    const { store, committer } = setup();
    for (const id of ['1-0', '2-0', '3-0']) committer.track(id);
    committer.complete('2-0');
    committer.complete('3-0');
    expect(store.saveAttempts).toBe(0);
    expect(committer.pendingCount).toBe(3);
    committer.complete('1-0');
    await eventually(() => (store.offsets.get('start_jobs') === '3-0' ? true : undefined), fast);
    expect(committer.pendingCount).toBe(0);
  });

  it('retries a failing save, reports it as a problem, and clears it once saved', async () => {
    const { store, retry, committer } = setup();
    store.failingSaves = new Error('redis unreachable');
    committer.track('1-0');
    committer.complete('1-0');
    await eventually(() => (store.saveAttempts >= 2 ? true : undefined), fast);
    expect(retry.problem('start_jobs')).toMatch(/loading\/saving the offset failing since .*redis unreachable/);
    store.failingSaves = null;
    await eventually(() => (committer.savedOffset === '1-0' ? true : undefined), fast);
    expect(retry.problem('start_jobs')).toBeNull();
  });

  it('loads the stored offset, and flush() makes one last save after which nothing is saved', async () => {
    const { stop, store, committer } = setup();
    store.offsets.set('start_jobs', '1-0');
    expect(await committer.load()).toBe('1-0');
    committer.track('2-0');
    committer.track('3-0');
    stop.abort(); // stopping: no retried saves, flush does the last one
    committer.complete('2-0');
    await committer.flush();
    expect(store.offsets.get('start_jobs')).toBe('2-0');
    committer.complete('3-0');
    await new Promise((r) => setImmediate(r));
    expect(store.offsets.get('start_jobs')).toBe('2-0');
  });
});
