// The allowed status transitions (CONTRACT §3, extended with adoption and the crash
// repairs of docs/domain-and-ports.md "Transitions"), as data, plus a validator. Binding:
// every record write goes through the pipeline's writeRecord, which refuses anything else.
import type { RuntimeStatus } from './runtime-record.js';

// restart and patch have no cause of their own: their inner stop and start write the record
// (CONTRACT §3's "stopped -> running by restart" is restart's inner start).
export type TransitionCause =
  | 'start'
  | 'stop'
  | 'cleanup'
  | 'reconcile_adopt'
  | 'reconcile_mark_stopped'
  | 'reconcile_dispose';

export interface AllowedTransition {
  from: RuntimeStatus | null;
  to: RuntimeStatus;
  by: readonly TransitionCause[];
}

/** `from: null` means "no record yet". */
export const ALLOWED_TRANSITIONS: readonly AllowedTransition[] = [
  { from: null, to: 'running', by: ['start', 'reconcile_adopt'] },
  { from: 'removed', to: 'running', by: ['start', 'reconcile_adopt'] },
  // start: an in-place replacement (restart/patch on Swarm) that failed after the old engine went.
  { from: 'running', to: 'stopped', by: ['stop', 'reconcile_mark_stopped', 'start'] },
  { from: 'stopped', to: 'running', by: ['start', 'reconcile_adopt'] },
  { from: 'stopped', to: 'removed', by: ['cleanup', 'reconcile_dispose'] },
  { from: 'running', to: 'removed', by: ['reconcile_dispose'] },
  // The writes that keep the status (they change the container). reconcile_adopt: the record's
  // container vanished and another owned engine of the game runs. start: restart/patch replaced
  // a running engine in one step (Swarm's forced update).
  { from: 'running', to: 'running', by: ['reconcile_adopt', 'start'] },
];

export function isTransitionAllowed(
  from: RuntimeStatus | null,
  to: RuntimeStatus,
  by: TransitionCause,
): boolean {
  return ALLOWED_TRANSITIONS.some((t) => t.from === from && t.to === to && t.by.includes(by));
}
