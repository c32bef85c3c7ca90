// Operation log vocabulary (CONTRACT §4, §9); the lists come from the OpenAPI enums
// (generated/vocabularies.ts).

import { OP_KINDS, OP_SOURCES, OUTCOMES, STOP_REASONS } from '../../generated/vocabularies.js';

export { OP_KINDS, OP_SOURCES, OUTCOMES, STOP_REASONS };
export type OpKind = (typeof OP_KINDS)[number];
export type OpSource = (typeof OP_SOURCES)[number];
export type Outcome = (typeof OUTCOMES)[number];
export type StopReason = (typeof STOP_REASONS)[number];

import type { ResultCode } from './error-codes.js';
import { accepted, quotedValue, refused, type Checked } from './refusal.js';

/** The one stop-reason rule: a value of the contract's StopReason enum. */
export function checkStopReason(value: unknown): Checked<StopReason> {
  if ((STOP_REASONS as readonly unknown[]).includes(value)) return accepted(value as StopReason);
  return refused('invalid_request', `reason ${quotedValue(value)} is not one of ${STOP_REASONS.join(', ')}`);
}

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
