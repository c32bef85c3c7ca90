// The allowed status transitions of CONTRACT §3, as data, plus a validator.
import type { RuntimeStatus } from './runtime-record.js';

export type TransitionCause =
  | 'start'
  | 'stop'
  | 'restart'
  | 'cleanup'
  | 'reconcile_mark_stopped'
  | 'reconcile_dispose';

export interface AllowedTransition {
  from: RuntimeStatus | null;
  to: RuntimeStatus;
  by: readonly TransitionCause[];
}

/** `from: null` means "no record yet". */
export const ALLOWED_TRANSITIONS: readonly AllowedTransition[] = [
  { from: null, to: 'running', by: ['start'] },
  { from: 'removed', to: 'running', by: ['start'] },
  { from: 'running', to: 'stopped', by: ['stop', 'reconcile_mark_stopped'] },
  { from: 'stopped', to: 'running', by: ['start', 'restart'] },
  { from: 'stopped', to: 'removed', by: ['cleanup'] },
  { from: 'running', to: 'removed', by: ['reconcile_dispose'] },
];

export function isTransitionAllowed(
  from: RuntimeStatus | null,
  to: RuntimeStatus,
  by: TransitionCause,
): boolean {
  return ALLOWED_TRANSITIONS.some((t) => t.from === from && t.to === to && t.by.includes(by));
}
