// The leader-only trigger group: the startup reconcile before any member, consumers stopped
// before workers, a stop during a failing startup reconcile, and a second term with fresh members.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LeaderTriggers, type Triggers } from '../../src/app/trigger-group.js';
import type { BackgroundWorker } from '../../src/workers/background-worker.js';
import type { ReconcileReport } from '../../src/workers/reconciler/reconciler.worker.js';

const REPORT: ReconcileReport = {
  adopted: [], disposed: [], markedStopped: [], removedHalfMade: [], closedInterrupted: [], skippedBusy: [], skippedGrace: [], failed: [], durationMs: 0,
};

function member(name: string, log: string[]): BackgroundWorker {
  return {
    name,
    start: () => void log.push(`start ${name}`),
    stop: async () => void log.push(`stop ${name}`),
  };
}

function term(log: string[], n: number, reconcile: () => Promise<ReconcileReport> = async () => REPORT): Triggers {
  return {
    reconcileAtStartup: async () => {
      log.push(`reconcile ${n}`);
      return reconcile();
    },
    consumers: [member(`consumer${n}`, log)],
    workers: [member(`worker${n}`, log)],
  };
}

describe('LeaderTriggers', () => {
  it('runs the startup reconcile, then starts every member; stops consumers before workers; a new term gets fresh members', async () => {
    const log: string[] = [];
    let terms = 0;
    const running: string[][] = [];
    const group = new LeaderTriggers({ build: () => term(log, ++terms), logger: pino({ level: 'silent' }), onRunning: (m) => running.push(m.map((w) => w.name)) });
    await group.start();
    await group.start(); // already running: nothing new
    await group.stop();
    await group.start();
    await group.stop();
    expect(log).toEqual([
      'reconcile 1', 'start worker1', 'start consumer1', 'stop consumer1', 'stop worker1',
      'reconcile 2', 'start worker2', 'start consumer2', 'stop consumer2', 'stop worker2',
    ]);
    expect(running).toEqual([['worker1', 'consumer1'], [], ['worker2', 'consumer2'], []]);
  });

  it('a stop while the startup reconcile keeps failing returns, and starts nothing', async () => {
    const log: string[] = [];
    let attempts = 0;
    const group = new LeaderTriggers({
      build: () =>
        term(log, 1, async () => {
          attempts += 1;
          throw new Error('docker down');
        }),
      logger: pino({ level: 'silent' }),
    });
    const started = group.start();
    while (attempts === 0) await new Promise((r) => setImmediate(r));
    await group.stop();
    await started;
    expect(log.filter((l) => !l.startsWith('reconcile'))).toEqual([]);
  });
});
