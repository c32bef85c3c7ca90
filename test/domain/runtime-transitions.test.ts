import { describe, expect, it } from 'vitest';
import { RUNTIME_STATUSES, type RuntimeStatus } from '../../src/domain/runtime-record.js';
import {
  ALLOWED_TRANSITIONS,
  isTransitionAllowed,
  type TransitionCause,
} from '../../src/domain/runtime-transitions.js';

// CONTRACT §3, written out independently of the implementation's table.
const CONTRACT_TABLE: ReadonlyArray<[RuntimeStatus | null, RuntimeStatus, TransitionCause]> = [
  [null, 'running', 'start'],
  ['removed', 'running', 'start'],
  ['running', 'stopped', 'stop'],
  ['running', 'stopped', 'reconcile_mark_stopped'],
  ['stopped', 'running', 'start'],
  ['stopped', 'running', 'restart'],
  ['stopped', 'removed', 'cleanup'],
  ['running', 'removed', 'reconcile_dispose'],
];

const FROM: ReadonlyArray<RuntimeStatus | null> = [null, ...RUNTIME_STATUSES];
const CAUSES: readonly TransitionCause[] = ['start', 'stop', 'restart', 'cleanup', 'reconcile_mark_stopped', 'reconcile_dispose'];

const grid = FROM.flatMap((from) =>
  RUNTIME_STATUSES.flatMap((to) =>
    CAUSES.map((by) => ({
      from,
      to,
      by,
      expected: CONTRACT_TABLE.some(([f, t, b]) => f === from && t === to && b === by),
    })),
  ),
);

describe('runtime transitions (CONTRACT §3)', () => {
  it('covers the full from × to × by grid', () => {
    expect(grid).toHaveLength(4 * 3 * 6);
    expect(grid.filter((g) => g.expected)).toHaveLength(CONTRACT_TABLE.length);
  });

  it.each(grid)('$from -> $to by $by is allowed: $expected', ({ from, to, by, expected }) => {
    expect(isTransitionAllowed(from, to, by)).toBe(expected);
  });

  it('the data table lists exactly the contract rows', () => {
    const flattened = ALLOWED_TRANSITIONS.flatMap((t) => t.by.map((by) => [t.from, t.to, by] as const));
    expect([...flattened].sort()).toEqual([...CONTRACT_TABLE].map((r) => [...r] as const).sort());
  });

  it('never allows a status to transition to itself', () => {
    for (const s of RUNTIME_STATUSES) for (const by of CAUSES) expect(isTransitionAllowed(s, s, by)).toBe(false);
  });
});
