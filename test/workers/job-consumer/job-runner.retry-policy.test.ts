// The retry policy alone: which calls are final, how retries are counted, what a throw gets.
import { describe, expect, it } from 'vitest';
import { failed, succeeded, type OperationResult } from '../../../src/domain/operation-result.js';
import { JobRetryPolicy, type JobAttempt, type RetryNotice } from '../../../src/workers/job-consumer/job-runner.js';

const backoff = { initialMs: 1, maxMs: 1, jitter: 0 };

function scripted(answers: Array<OperationResult | Error>) {
  const attempts: JobAttempt[] = [];
  const execute = async (attempt: JobAttempt): Promise<OperationResult> => {
    attempts.push(attempt);
    const next = answers.shift() ?? succeeded(null);
    if (next instanceof Error) throw next;
    return next;
  };
  return { attempts, execute };
}

describe('JobRetryPolicy', () => {
  it('answers a non-retryable outcome at once', async () => {
    const policy = new JobRetryPolicy({ backoff, maxAgeMs: null, maxThrows: 3 }, new AbortController().signal);
    const { attempts, execute } = scripted([failed('image_pull_failed', 'no image')]);
    const outcome = await policy.run(execute, () => 0, () => {});
    expect(outcome).toMatchObject({ kind: 'answered', retries: 0, result: { errorCode: 'image_pull_failed' } });
    expect(attempts).toEqual([{ retries: 0, deferRetryable: true }]);
  });

  it('retries retryable outcomes, counting them, until one is not', async () => {
    const policy = new JobRetryPolicy({ backoff, maxAgeMs: null, maxThrows: 3 }, new AbortController().signal);
    const { attempts, execute } = scripted([
      failed('service_unavailable', 'pg down'),
      failed('docker_unavailable', 'daemon down'),
      failed('conflict', 'lease held', null, true),
    ]);
    const notices: RetryNotice[] = [];
    const outcome = await policy.run(execute, () => 0, (n) => notices.push(n));
    expect(outcome).toMatchObject({ kind: 'answered', retries: 3, result: { outcome: 'success' } });
    expect(attempts.map((a) => a.retries)).toEqual([0, 1, 2, 3]);
    expect(notices.map((n) => n.reason)).toEqual(['service_unavailable', 'docker_unavailable', 'conflict']);
  });

  it('makes the first call after the max age final (deferRetryable false) and answers its retryable outcome', async () => {
    const policy = new JobRetryPolicy({ backoff, maxAgeMs: 1_000, maxThrows: 3 }, new AbortController().signal);
    const ages = [10, 500, 1_000];
    const { attempts, execute } = scripted([failed('service_unavailable', 'a'), failed('service_unavailable', 'b'), failed('service_unavailable', 'c')]);
    const outcome = await policy.run(execute, () => ages.shift() ?? 5_000, () => {});
    expect(outcome).toMatchObject({ kind: 'answered', retries: 2, result: { errorCode: 'service_unavailable', errorMessage: 'c' } });
    expect(attempts.map((a) => a.deferRetryable)).toEqual([true, true, false]);
  });

  it('tolerates a few throws, then answers internal_error', async () => {
    const policy = new JobRetryPolicy({ backoff, maxAgeMs: null, maxThrows: 2 }, new AbortController().signal);
    const { attempts, execute } = scripted([new Error('boom 1'), new Error('boom 2'), succeeded(null)]);
    const outcome = await policy.run(execute, () => 0, () => {});
    expect(outcome).toMatchObject({ kind: 'answered', result: { errorCode: 'internal_error', errorMessage: expect.stringContaining('boom 2') } });
    expect(attempts).toHaveLength(2);
  });

  it('abandons (no answer) when the consumer stops while the job waits', async () => {
    const stop = new AbortController();
    const policy = new JobRetryPolicy({ backoff: { initialMs: 60_000, maxMs: 60_000 }, maxAgeMs: null, maxThrows: 3 }, stop.signal);
    const { execute } = scripted([failed('service_unavailable', 'pg down')]);
    const running = policy.run(execute, () => 0, () => stop.abort());
    expect(await running).toEqual({ kind: 'abandoned' });
  });
});
