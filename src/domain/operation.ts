// Operation log vocabulary (CONTRACT §4, §9).

export const OP_KINDS = [
  'start',
  'stop',
  'restart',
  'patch',
  'cleanup_container',
  'reconcile_adopt',
  'reconcile_dispose',
  'reconcile_mark_stopped',
] as const;
export type OpKind = (typeof OP_KINDS)[number];

export const OP_SOURCES = ['lobby_stream', 'gm_rest', 'admin_rest', 'auto_ttl', 'auto_reconcile'] as const;
export type OpSource = (typeof OP_SOURCES)[number];

export const OUTCOMES = ['success', 'failure'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const STOP_REASONS = ['orphan_cleanup', 'cancelled', 'finished', 'admin_request', 'timeout'] as const;
export type StopReason = (typeof STOP_REASONS)[number];

import type { ResultCode } from './error-codes.js';

/** One row of `operation_log`, as appended. */
export interface OperationLogEntry {
  gameId: string;
  opKind: OpKind;
  opSource: OpSource;
  outcome: Outcome;
  errorCode: ResultCode | null;
  errorMessage: string | null;
  imageRef: string | null;
  containerId: string | null;
  /** Links restart/patch outer rows to their inner stop/start rows. */
  correlationId: string | null;
  details: Record<string, unknown>;
  startedAt: Date;
  finishedAt: Date;
}

export interface StoredOperationLogEntry extends OperationLogEntry {
  id: string;
}
