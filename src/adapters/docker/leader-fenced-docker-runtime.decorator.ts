// Docker has no epoch to check, so the fence of a leader term (docs/leader-election.md) is
// checked here, before each call that changes a container: inside a term that is no longer
// current by this process's own clock (no renewal within the renew deadline: a paused or cut
// off leader) or that the election has left, the call is refused (LeadershipLost, nothing
// done; logged by the election, which steps down only on a store's rejection or a lost
// renewal). Reads, and every call outside a term (REST), pass.
import type { ContainerSpec } from '../../domain/container-spec.js';
import type { ContainerLimitsUpdate, ContainerLogsQuery, DockerEvent, DockerEventsQuery, DockerRuntime, EngineLogLine } from '../../ports/docker-runtime.js';
import { LeadershipLost, type LeaderFence } from '../../ports/leader-fence.js';

export class LeaderFencedDockerRuntime implements DockerRuntime {
  constructor(
    private readonly inner: DockerRuntime,
    private readonly fence: Pick<LeaderFence, 'current' | 'rejected' | 'termIsCurrent'>,
  ) {}

  /** Refuses a mutation of a term that is over (a no-op outside any term). */
  private guard(what: string): void {
    const token = this.fence.current();
    if (!token || this.fence.termIsCurrent(token)) return;
    const error = new LeadershipLost('docker', token.epoch, what);
    this.fence.rejected(error);
    throw error;
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }
  networkExists(name: string): Promise<boolean> {
    return this.inner.networkExists(name);
  }
  inspectImage(ref: string) {
    return this.inner.inspectImage(ref);
  }
  pullImage(ref: string): Promise<void> {
    return this.inner.pullImage(ref);
  }
  async createContainer(spec: ContainerSpec): Promise<string> {
    this.guard(`creating container ${spec.name}`);
    return this.inner.createContainer(spec);
  }
  async replaceContainer(existingId: string, spec: ContainerSpec): Promise<string> {
    this.guard(`replacing container ${existingId}`);
    return this.inner.replaceContainer(existingId, spec);
  }
  async startContainer(id: string): Promise<string> {
    this.guard(`starting container ${id}`);
    return this.inner.startContainer(id);
  }
  inspectContainer(idOrName: string) {
    return this.inner.inspectContainer(idOrName);
  }
  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    this.guard(`stopping container ${id}`);
    return this.inner.stopContainer(id, timeoutSeconds);
  }
  async removeContainer(id: string, opts?: { force?: boolean }): Promise<void> {
    this.guard(`removing container ${id}`);
    return this.inner.removeContainer(id, opts);
  }
  listOwnedContainers() {
    return this.inner.listOwnedContainers();
  }
  hostResources() {
    return this.inner.hostResources();
  }
  events(query: DockerEventsQuery): AsyncIterable<DockerEvent> {
    return this.inner.events(query);
  }
  containerLogs(id: string, query: ContainerLogsQuery): Promise<AsyncIterable<readonly EngineLogLine[]>> {
    return this.inner.containerLogs(id, query);
  }
  containerStats(id: string, opts: { oneShot: boolean }) {
    return this.inner.containerStats(id, opts);
  }
  /** Limits are changed by REST (outside any term); fenced like every container change all the same. */
  async updateContainer(id: string, update: ContainerLimitsUpdate): Promise<void> {
    this.guard(`updating the limits of container ${id}`);
    return this.inner.updateContainer(id, update);
  }
}
