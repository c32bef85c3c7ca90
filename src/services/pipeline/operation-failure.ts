// A failed step inside an operation, carrying the contract's error code. Steps throw it;
// the pipeline catches it once and turns it into a failure Result plus its operation_log
// row, so nothing but a Result ever crosses the service boundary.
//
// The one classification of exceptions (docs/services.md "Faults"): a DependencyUnavailable
// from an adapter is a retryable `service_unavailable` (PostgreSQL, Redis) or
// `docker_unavailable`; a DockerError is the daemon refusing the step (the step's own
// code); anything else is a bug, `internal_error`, never retried.
import { UNAVAILABLE_CODES, type ErrorCode } from '../../domain/error-codes.js';
import { DockerError } from '../../ports/docker-runtime.js';
import { isDependencyUnavailable, type DependencyUnavailable } from '../../ports/infrastructure-fault.js';

export class OperationFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, options);
    this.name = 'OperationFailure';
    this.retryable = options?.retryable ?? UNAVAILABLE_CODES.has(code);
  }

  /** See OperationResult.retryable: an outage or a lease held elsewhere, not a refusal of the request. */
  readonly retryable: boolean;
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function unavailable(err: DependencyUnavailable, action: string): OperationFailure {
  const code: ErrorCode = err.dependency === 'docker' ? 'docker_unavailable' : 'service_unavailable';
  return new OperationFailure(code, `${err.dependency} unavailable while ${action}: ${err.message}`, { cause: err });
}

/**
 * Any exception thrown by a step. `refusedCode` is what a DockerError (the daemon answered
 * and refused) becomes; without it a DockerError is a bug too.
 */
export function classifyFault(err: unknown, action: string, refusedCode: ErrorCode = 'internal_error'): OperationFailure {
  if (err instanceof OperationFailure) return err;
  if (isDependencyUnavailable(err)) return unavailable(err, action);
  if (err instanceof DockerError) return new OperationFailure(refusedCode, `${action} failed: ${err.message}`, { cause: err });
  return new OperationFailure('internal_error', `${action} failed unexpectedly: ${describeError(err)}`, { cause: err });
}

/** What the pipeline does with whatever a step threw: classified, never rethrown. */
export function asOperationFailure(err: unknown): OperationFailure {
  return classifyFault(err, 'running the operation');
}

/** Run one Docker call, mapping its failure (refused by the daemon: `refusedCode`). */
export async function dockerStep<T>(action: string, refusedCode: ErrorCode, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw classifyFault(err, action, refusedCode);
  }
}

/** Run one store call: unreachable is retryable `service_unavailable`, anything else a bug. */
export async function storeStep<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw classifyFault(err, action);
  }
}
