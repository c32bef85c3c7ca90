// The infrastructure retry alone: same step again until it works, the oldest fault named,
// and nothing retried once stopping.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { InfrastructureRetry } from '../../../src/workers/job-consumer/infrastructure-retry.js';
import { ManualClock } from '../../fakes/misc.fake.js';

const silent = pino({ level: 'silent' });

describe('InfrastructureRetry', () => {
  it('retries a throwing step until it resolves, naming the fault meanwhile and clearing it after', async () => {
    const retry = new InfrastructureRetry({ initialMs: 1, maxMs: 1 }, new AbortController().signal, new ManualClock(), silent);
    const problems: Array<string | null> = [];
    let calls = 0;
    const value = await retry.run('job 1-0', async () => {
      calls += 1;
      problems.push(retry.problem('start_jobs'));
      if (calls < 3) throw new Error('Connection is closed');
      return 'published';
    });
    expect(value).toBe('published');
    expect(problems).toEqual([null, expect.stringMatching(/^start_jobs: processing job 1-0 failing since 2026-01-01T00:00:00.000Z: Connection is closed$/), expect.any(String)]);
    expect(retry.problem('start_jobs')).toBeNull();
  });

  it('once stopping: does not read at all, and tries other steps once without retrying', async () => {
    const stop = new AbortController();
    stop.abort();
    const retry = new InfrastructureRetry({ initialMs: 1, maxMs: 1 }, stop.signal, new ManualClock(), silent);
    let reads = 0;
    let saves = 0;
    expect(await retry.run('read', async () => ++reads)).toBeUndefined();
    expect(
      await retry.run('offset', async () => {
        saves += 1;
        throw new Error('redis down');
      }),
    ).toBeUndefined();
    expect([reads, saves]).toEqual([0, 1]);
  });
});
