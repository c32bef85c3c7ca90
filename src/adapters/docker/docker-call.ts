// One Docker API call under an explicit deadline, errors mapped once (docker-error.mapper.ts).
// Shared by the container adapter and the swarm adapter: dockerode's own `timeout` is a socket
// idle timeout (it would also cut long streams), so the deadline aborts the request instead.
import type Dockerode from 'dockerode';
import { DockerError } from '../../ports/docker-runtime.js';
import { DependencyUnavailable } from '../../ports/infrastructure-fault.js';
import { withDeadline } from '../../timing/deadline.js';
import { toDockerError } from './docker-error.mapper.js';

export type StatusCodes = Record<number, string | boolean>;

/**
 * Runs `work` with a signal aborted at the deadline. A call that gets no answer in time is a
 * DependencyUnavailable('docker'); `onUnavailable` runs for every failure that is not the
 * daemon's refusal (callers drop caches that an outage may have made stale).
 */
export async function dockerCall<T>(method: string, timeoutMs: number, work: (signal: AbortSignal) => Promise<T>, onUnavailable?: () => void): Promise<T> {
  const controller = new AbortController();
  const attempt = work(controller.signal);
  // After the deadline the attempt rejects with an abort error nobody waits for.
  attempt.catch(() => {});
  try {
    return await withDeadline(attempt, timeoutMs, () => {
      controller.abort();
      return new DependencyUnavailable('docker', `Docker daemon did not answer ${method} within ${timeoutMs} ms`);
    });
  } catch (err) {
    const mapped = toDockerError(err, method);
    if (!(mapped instanceof DockerError)) onUnavailable?.();
    throw mapped;
  }
}

export interface DialRequest {
  path: string;
  method?: 'GET' | 'POST' | 'DELETE';
  /** Query parameters; object values are sent as JSON (Docker's `filters`). */
  query?: Record<string, unknown>;
  /** JSON body of a POST. */
  body?: unknown;
  signal: AbortSignal;
  statusCodes: StatusCodes;
  /** Answer the response stream itself (logs) instead of the parsed body. */
  stream?: boolean;
}

/** A raw API request through dockerode's modem (JSON in, JSON out), abortable. */
export function dockerDial<T>(docker: Dockerode, request: DialRequest): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // docker-modem appends `_query` only to a path that ends in '?', and sends `_body` as JSON.
    const path = request.query !== undefined ? `${request.path}?` : request.path;
    const options: Record<string, unknown> = { path, method: request.method ?? 'GET', abortSignal: request.signal, statusCodes: request.statusCodes };
    const payload: Record<string, unknown> = {};
    if (request.query !== undefined) payload._query = request.query;
    if (request.body !== undefined) payload._body = request.body;
    if (Object.keys(payload).length > 0) options.options = payload;
    if (request.stream) options.isStream = true;
    docker.modem.dial(options as never, (err, data) => (err ? reject(err) : resolve(data as T)));
  });
}
