// Operation log vocabulary (CONTRACT §4, §9); the lists come from the OpenAPI enums
// (generated/vocabularies.ts).

import { OP_KINDS, OP_SOURCES, OUTCOMES, STOP_REASONS } from '../../generated/vocabularies.js';

export { OP_KINDS, OP_SOURCES, OUTCOMES, STOP_REASONS };
export type OpKind = (typeof OP_KINDS)[number];
export type OpSource = (typeof OP_SOURCES)[number];
export type Outcome = (typeof OUTCOMES)[number];
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
