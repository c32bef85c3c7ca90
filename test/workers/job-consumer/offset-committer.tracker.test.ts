import { describe, expect, it } from 'vitest';
import { ContiguousOffsetTracker } from '../../../src/workers/job-consumer/offset-committer.js';
import { entryTimeMs } from '../../../src/workers/job-consumer/job-runner.js';

describe('ContiguousOffsetTracker', () => {
  it('commits only up to the first incomplete entry', () => {
    const t = new ContiguousOffsetTracker();
    for (const id of ['1-0', '1-1', '2-0', '3-0']) t.add(id);
    expect(t.committable).toBeNull();

    t.complete('1-1');
    t.complete('3-0');
    expect(t.committable).toBeNull();
    expect(t.pendingCount).toBe(4);

    t.complete('1-0');
    expect(t.committable).toBe('1-1');
    expect(t.pendingCount).toBe(2);

    t.complete('2-0');
    expect(t.committable).toBe('3-0');
    expect(t.pendingCount).toBe(0);
  });

  it('ignores completion of an unknown id', () => {
    const t = new ContiguousOffsetTracker();
    t.add('5-0');
    t.complete('4-0');
    expect(t.committable).toBeNull();
  });
});

describe('entryTimeMs', () => {
  it('reads the append time of a Redis entry id', () => {
    expect(entryTimeMs('1767225600000-3')).toBe(1767225600000);
    expect(entryTimeMs('garbage')).toBeNull();
  });
});
