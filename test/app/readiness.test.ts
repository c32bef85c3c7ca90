import { describe, expect, it } from 'vitest';
import { ComponentHealth, dependencyChecks, evaluateReadiness, sharedCheck } from '../../src/app/readiness.js';

describe('evaluateReadiness', () => {
  it('is ready only when every check answers in time and no component reports a problem', async () => {
    const health = new ComponentHealth();
    health.leading();
    const checks = dependencyChecks({
      postgres: async () => {},
      redis: { name: 'redis', check: () => new Promise<void>(() => {}) }, // never answers
      docker: { ping: async () => {}, networkExists: async () => false },
      network: 'galaxy-net',
    });
    const report = await evaluateReadiness(checks, () => health.problems(), 20);
    expect(report.ready).toBe(false);
    expect(report.checks).toEqual({
      postgres: { ok: true },
      redis: { ok: false, error: 'no answer within 20 ms' },
      docker: { ok: true },
      network: { ok: false, error: expect.stringContaining('galaxy-net does not exist') },
      startup_reconcile: { ok: false, error: 'startup reconcile has not completed yet' },
    });
  });

  it('after startup, reports the running workers’ problems by name', async () => {
    const health = new ComponentHealth();
    let problem: string | null = 'start_jobs: reading the stream failing since …';
    health.started([{ name: 'start_jobs_consumer', start() {}, stop: async () => {}, problem: () => problem }]);
    expect((await evaluateReadiness([], () => health.problems())).checks).toEqual({ start_jobs_consumer: { ok: false, error: problem } });
    problem = null;
    expect(await evaluateReadiness([], () => health.problems())).toEqual({ ready: true, checks: {} });
  });
});

describe('ComponentHealth', () => {
  it('waits for the first election round; a leader waits for its startup reconcile; a standby for nothing of its own', () => {
    const health = new ComponentHealth();
    expect(health.problems()).toEqual([{ name: 'leader_election', problem: 'the first leader election round has not run yet' }]);
    health.leading();
    expect(health.problems().map((p) => p.name)).toEqual(['startup_reconcile']);
    health.started([{ name: 'reconciler', start() {}, stop: async () => {}, problem: () => 'broken' }]);
    expect(health.problems()).toEqual([{ name: 'reconciler', problem: 'broken' }]);
    health.standby();
    expect(health.problems()).toEqual([]);
  });
});

describe('sharedCheck', () => {
  const counting = (answers: Array<() => Promise<void>>) => {
    let calls = 0;
    return {
      get calls() {
        return calls;
      },
      check: { name: 'postgres', check: () => (answers[calls++] ?? answers[answers.length - 1]!)() },
    };
  };

  it('shares one run among callers arriving while it is in flight', async () => {
    let release: () => void = () => undefined;
    const inner = counting([() => new Promise<void>((r) => (release = r))]);
    const shared = sharedCheck(inner.check, 250, () => 0);
    const a = shared.check();
    const b = shared.check();
    release();
    await Promise.all([a, b]);
    expect(inner.calls).toBe(1);
  });

  it('reuses a settled answer for the reuse window only, failures included', async () => {
    let clock = 0;
    const inner = counting([() => Promise.reject(new Error('down')), () => Promise.resolve()]);
    const shared = sharedCheck(inner.check, 250, () => clock);
    await expect(shared.check()).rejects.toThrow('down');
    clock = 249;
    await expect(shared.check()).rejects.toThrow('down');
    expect(inner.calls).toBe(1);
    clock = 250;
    await expect(shared.check()).resolves.toBeUndefined();
    expect(inner.calls).toBe(2);
  });
});
