// What every service call carries besides its own input (agreed with the job consumer):
// who asked, and how the caller retries. The lifecycle inputs extend it, so a REST call
// passes only `opSource` and gets today's behaviour.
//
// Deferral: a stream consumer that will retry a transient outcome passes
// `deferRetryable: true`. When the outcome is retryable (`service_unavailable`,
// `docker_unavailable`, a lease-busy `conflict`) the pipeline writes NO operation_log row
// and reports no operation metric; it returns the Result with `retryable: true`. The call
// that ends the job (a success, a non-retryable failure, or a last call with
// `deferRetryable: false`) writes exactly one row, whose `details.retries` is `retries`.
// See docs/services.md "Operation context".
import type { OpSource } from '../domain/operation.js';

export interface OperationContext {
  opSource: OpSource;
  /** Links this operation's row to others (restart/patch set it for their inner rows). */
  correlationId?: string | null;
  /** Attempts of this job before this call; recorded as `details.retries` when given. */
  retries?: number;
  /** Skip the row of a retryable outcome: the caller retries and records the last call. */
  deferRetryable?: boolean;
}

export function pickContext(input: OperationContext): OperationContext {
  const { opSource, correlationId, retries, deferRetryable } = input;
  return {
    opSource,
    ...(correlationId !== undefined ? { correlationId } : {}),
    ...(retries !== undefined ? { retries } : {}),
    ...(deferRetryable !== undefined ? { deferRetryable } : {}),
  };
}
