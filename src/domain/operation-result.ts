// The Result every lifecycle operation returns across the service boundary (no exceptions
// for expected outcomes; see docs/services.md).
import { UNAVAILABLE_CODES, type ErrorCode, type ResultCode } from './error-codes.js';
import type { RuntimeRecord } from './runtime-record.js';

export interface OperationResult {
  outcome: 'success' | 'failure';
  /** null on plain success; `replay_no_op` on an idempotent success; an ErrorCode on failure. */
  errorCode: ResultCode | null;
  errorMessage: string | null;
  /** The record after the operation (or as found, on failure); null when there is none. */
  record: RuntimeRecord | null;
  /**
   * True when the failure describes a passing state, not the request: the game's lease held
   * by another operation. The same request may succeed later (stream consumers retry it).
   */
  retryable?: boolean;
}

/**
 * A failure that describes a passing state rather than the request: a dependency unreachable,
 * or the game's lease held by another operation (marked `retryable`). The same request may
 * succeed later; a conflict of state (another image running) is not retryable.
 */
export function isRetryableResult(result: OperationResult): boolean {
  if (result.outcome !== 'failure') return false;
  return result.retryable === true || (result.errorCode !== null && UNAVAILABLE_CODES.has(result.errorCode as ErrorCode));
}

export function succeeded(record: RuntimeRecord | null, replay = false): OperationResult {
  return { outcome: 'success', errorCode: replay ? 'replay_no_op' : null, errorMessage: null, record };
}

export function failed(
  errorCode: ErrorCode,
  errorMessage: string,
  record: RuntimeRecord | null = null,
  retryable = false,
): OperationResult {
  return retryable ? { outcome: 'failure', errorCode, errorMessage, record, retryable } : { outcome: 'failure', errorCode, errorMessage, record };
}
