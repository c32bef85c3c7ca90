import { describe, expect, it } from 'vitest';
import { RUNTIME_STATUSES, type RuntimeStatus } from '../../src/domain/runtime-record.js';
import {
  ALLOWED_TRANSITIONS,
  isTransitionAllowed,
  type TransitionCause,
} from '../../src/domain/runtime-transitions.js';

// CONTRACT §3 plus adoption and the crash repairs (docs/domain-and-ports.md "Transitions";
// named behaviour change of issue 8: the table binds every write), written out
// independently of the implementation's table. The contract's "stopped -> running by
// restart" is restart's inner start (cause `start`): restart and patch write no record of their own.
const CONTRACT_TABLE: ReadonlyArray<[RuntimeStatus | null, RuntimeStatus, TransitionCause]> = [
  [null, 'running', 'start'],
  ['removed', 'running', 'start'],
  ['running', 'stopped', 'stop'],
  ['running', 'stopped', 'reconcile_mark_stopped'],
  ['stopped', 'running', 'start'],
  ['stopped', 'removed', 'cleanup'],
  ['running', 'removed', 'reconcile_dispose'],
  [null, 'running', 'reconcile_adopt'],
  ['removed', 'running', 'reconcile_adopt'],
  ['stopped', 'running', 'reconcile_adopt'],
  ['running', 'running', 'reconcile_adopt'],
  ['stopped', 'removed', 'reconcile_dispose'],
  // Swarm's in-place restart/patch (issue 20): the inner start replaces a running engine in one
  // update; when that fails after the old engine went, it records the game stopped.
  ['running', 'running', 'start'],
  ['running', 'stopped', 'start'],
];

const FROM: ReadonlyArray<RuntimeStatus | null> = [null, ...RUNTIME_STATUSES];
const CAUSES: readonly TransitionCause[] = ['start', 'stop', 'cleanup', 'reconcile_adopt', 'reconcile_mark_stopped', 'reconcile_dispose'];

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

  it('only adoption and an in-place start keep a status (running -> running: they replace the container)', () => {
    for (const s of RUNTIME_STATUSES)
      for (const by of CAUSES) expect(isTransitionAllowed(s, s, by)).toBe(s === 'running' && (by === 'reconcile_adopt' || by === 'start'));
  });
});
