// One place that turns what dockerode / Node throw into the port's faults.
// Rule: no HTTP answer at all (a Node system error: refused, missing socket, reset; or our
// own deadline) means the daemon is unavailable: DependencyUnavailable('docker'); an HTTP
// answer is the daemon refusing the call: a DockerError classified by its status.
import { DockerError } from '../../ports/docker-runtime.js';
import { DependencyUnavailable } from '../../ports/infrastructure-fault.js';

interface RawDockerError {
  statusCode?: unknown;
  code?: unknown;
  json?: unknown;
  message?: unknown;
}

/** HTTP status of a dockerode error, or undefined when the daemon never answered. */
export function dockerStatusOf(err: unknown): number | undefined {
  const status = (err as RawDockerError | null)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** The daemon's own message: dockerode wraps it as "(HTTP code N) reason - message ". */
export function daemonMessageOf(err: unknown): string {
  const raw = err as RawDockerError | null;
  const json = raw?.json as { message?: unknown } | null | undefined;
  if (json && typeof json === 'object' && typeof json.message === 'string') return json.message;
  const message = typeof raw?.message === 'string' ? raw.message : String(err);
  return message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

export function toDockerError(err: unknown, what: string): DockerError | DependencyUnavailable {
  if (err instanceof DockerError || err instanceof DependencyUnavailable) return err;
  const status = dockerStatusOf(err);
  if (status === undefined) {
    const code = (err as RawDockerError | null)?.code;
    if (typeof code === 'string') return new DependencyUnavailable('docker', `Docker daemon unreachable during ${what} (${code}: ${daemonMessageOf(err)})`, { cause: err });
    return new DockerError('failed', `${what} failed: ${daemonMessageOf(err)}`);
  }
  const message = daemonMessageOf(err);
  if (status === 404) return new DockerError('not_found', message, status);
  if (status === 409) return new DockerError('conflict', message, status);
  return new DockerError('failed', message, status);
}
