// A failed step inside a lifecycle operation, carrying the contract's error code. Steps
// throw it; each operation catches it once and turns it into a failure Result plus its
// operation_log row, so nothing but a Result ever crosses the service boundary.
import type { ErrorCode } from '../../domain/error-codes.js';
import { DockerError } from '../../ports/docker-runtime.js';

export class OperationFailure extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; retryable?: boolean },
  ) {
    super(message, options);
    this.name = 'OperationFailure';
    this.retryable = options?.retryable ?? false;
  }

  /** See OperationResult.retryable: a lease held elsewhere, not a refusal of the request. */
  readonly retryable: boolean;
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Docker faults: a daemon that does not answer is `docker_unavailable` (the operator's
 * problem, retryable); anything the daemon refused becomes the step's own code.
 */
export function fromDockerError(err: unknown, action: string, refusedCode: ErrorCode): OperationFailure {
  if (err instanceof OperationFailure) return err;
  if (err instanceof DockerError) {
    if (err.kind === 'unavailable')
      return new OperationFailure('docker_unavailable', `docker unavailable while ${action}: ${err.message}`, { cause: err });
    return new OperationFailure(refusedCode, `${action} failed: ${err.message}`, { cause: err });
  }
  return new OperationFailure('internal_error', `${action} failed unexpectedly: ${describeError(err)}`, { cause: err });
}

/** PostgreSQL / Redis faults: the service cannot do its job right now, retry later. */
export function fromInfrastructureError(err: unknown, action: string): OperationFailure {
  if (err instanceof OperationFailure) return err;
  return new OperationFailure('service_unavailable', `${action} failed: ${describeError(err)}`, { cause: err });
}

/** Anything that is not already an OperationFailure is a bug: internal_error. */
export function asOperationFailure(err: unknown): OperationFailure {
  if (err instanceof OperationFailure) return err;
  return new OperationFailure('internal_error', `unexpected error: ${describeError(err)}`, { cause: err });
}

/** Run one Docker call, mapping its failure. */
export async function dockerStep<T>(action: string, refusedCode: ErrorCode, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw fromDockerError(err, action, refusedCode);
  }
}

/** Run one store call, mapping its failure to service_unavailable. */
export async function storeStep<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw fromInfrastructureError(err, action);
  }
}
