// DockerRuntime decorator that measures every Docker API call for the Metrics port:
// rtmanager_docker_api_request_duration_seconds{operation} (its _count counts calls) and
// rtmanager_docker_api_errors_total{operation,reason}, reason = `unavailable` (no answer) or the
// DockerError kind the daemon refused with. The
// events stream is long-lived: its connection state and reconnects are reported by the
// events worker instead (rtmanager_docker_events_*).
import type { ContainerSpec } from '../../domain/container-spec.js';
import { DockerError, type DockerEvent, type DockerEventsQuery, type DockerRuntime } from '../../ports/docker-runtime.js';
import { isDependencyUnavailable } from '../../ports/infrastructure-fault.js';
import type { Metrics } from '../../ports/metrics.js';

/** The `operation` label of each call (docs/observability.md). */
export const DOCKER_OPERATIONS = {
  ping: 'ping',
  networkExists: 'network_inspect',
  inspectImage: 'image_inspect',
  pullImage: 'pull',
  createContainer: 'container_create',
  startContainer: 'container_start',
  inspectContainer: 'container_inspect',
  stopContainer: 'container_stop',
  removeContainer: 'container_remove',
  listOwnedContainers: 'container_list',
  hostResources: 'info',
} as const satisfies Partial<Record<keyof DockerRuntime, string>>;

export class MeteredDockerRuntime implements DockerRuntime {
  constructor(
    private readonly inner: DockerRuntime,
    private readonly metrics: Pick<Metrics, 'dockerCallCompleted'>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  ping(): Promise<void> {
    return this.measure('ping', () => this.inner.ping());
  }
  networkExists(name: string): Promise<boolean> {
    return this.measure('networkExists', () => this.inner.networkExists(name));
  }
  inspectImage(ref: string) {
    return this.measure('inspectImage', () => this.inner.inspectImage(ref));
  }
  pullImage(ref: string): Promise<void> {
    return this.measure('pullImage', () => this.inner.pullImage(ref));
  }
  createContainer(spec: ContainerSpec): Promise<string> {
    return this.measure('createContainer', () => this.inner.createContainer(spec));
  }
  startContainer(id: string): Promise<void> {
    return this.measure('startContainer', () => this.inner.startContainer(id));
  }
  inspectContainer(idOrName: string) {
    return this.measure('inspectContainer', () => this.inner.inspectContainer(idOrName));
  }
  stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    return this.measure('stopContainer', () => this.inner.stopContainer(id, timeoutSeconds));
  }
  removeContainer(id: string, opts?: { force?: boolean }): Promise<void> {
    return this.measure('removeContainer', () => this.inner.removeContainer(id, opts));
  }
  listOwnedContainers() {
    return this.measure('listOwnedContainers', () => this.inner.listOwnedContainers());
  }
  /** The adapter caches the answer: only calls that reach the daemon are slow, all are counted. */
  hostResources() {
    return this.measure('hostResources', () => this.inner.hostResources());
  }
  events(query: DockerEventsQuery): AsyncIterable<DockerEvent> {
    return this.inner.events(query);
  }

  private async measure<T>(method: keyof typeof DOCKER_OPERATIONS, call: () => Promise<T>): Promise<T> {
    const started = this.now();
    let reason: string | null = null;
    try {
      return await call();
    } catch (err) {
      reason = isDependencyUnavailable(err, 'docker') ? 'unavailable' : err instanceof DockerError ? err.kind : 'other';
      throw err;
    } finally {
      this.metrics.dockerCallCompleted(DOCKER_OPERATIONS[method], (this.now() - started) / 1000, reason);
    }
  }
}
