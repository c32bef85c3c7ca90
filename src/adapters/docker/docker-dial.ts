// A raw request through docker-modem, for the calls dockerode does not expose with an abort
// signal or with the query RTM needs. A path ending in `?` gets `options` as its query
// (docker-modem drops the `?` when there are none).
import type Dockerode from 'dockerode';

export type StatusCodes = Record<number, string | boolean>;

export interface DockerDial {
  path: string;
  abortSignal: AbortSignal;
  statusCodes: StatusCodes;
  /** Query parameters as strings (docker-modem JSON-encodes objects, e.g. a Date). */
  options?: Record<string, string>;
  /** Answer the response stream instead of the parsed body. */
  isStream?: boolean;
  method?: 'GET' | 'POST';
}

export function dialDocker<T>(modem: Dockerode['modem'], request: DockerDial): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    modem.dial({ method: 'GET', ...request }, (err, data) => (err ? reject(err) : resolve(data as T)));
  });
}
