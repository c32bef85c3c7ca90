// Who asks for an operation and how its outcome is recorded (agreed with the write-path
// redesign, which replaces this stopgap). `deferRetryable`: a caller that will call again
// (the Lobby job consumers) asks that a retryable outcome — a dependency unreachable, the
// lease busy — writes no operation_log row; the call that ends the job writes the one row,
// with `details.retries`.
import type { OpSource } from '../../domain/operation.js';

export interface OperationContext {
  source: OpSource;
  correlationId?: string | null;
  /** Earlier calls of the same job that ended retryable (written to details.retries). */
  retries?: number;
  /** A retryable outcome writes no row: the caller retries and records the final outcome. */
  deferRetryable?: boolean;
}
