// Typed infrastructure faults: the one classification of exceptions in RTM. Adapters throw
// `DependencyUnavailable` when a dependency cannot be reached or answered too late (the
// operation may succeed later: a retryable `service_unavailable` / `docker_unavailable`);
// any other exception that crosses a port is a bug (`internal_error`, never retried).

export type Dependency = 'postgres' | 'redis' | 'docker';

export class DependencyUnavailable extends Error {
  override readonly name = 'DependencyUnavailable';
  constructor(
    readonly dependency: Dependency,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isDependencyUnavailable(error: unknown, dependency?: Dependency): error is DependencyUnavailable {
  return error instanceof DependencyUnavailable && (dependency === undefined || error.dependency === dependency);
}
