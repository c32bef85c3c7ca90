// The manager's service, task and node endpoints, each call under the adapter's deadline with
// the errors mapped once (docker-call.ts). Updates are compare-and-swap on the service's
// Version.Index and every spec written is read back (a 20.10 manager drops unknown fields).
import type Dockerode from 'dockerode';
import type { Readable } from 'node:stream';
import { DockerError, type ContainerLogsQuery } from '../../../ports/docker-runtime.js';
import { logsQueryOf } from '../container-logs.reader.js';
import { abortableSleep } from '../../../timing/abortable-sleep.js';
import { dockerCall, dockerDial, type DialRequest } from '../docker-call.js';
import { droppedFields } from './service-spec.mapper.js';
import type { SwarmNode, SwarmService, SwarmTask } from './swarm-task.mapper.js';

const OK = { 200: true, 201: true, 304: true, 400: 'bad parameter', 404: 'not found', 409: 'conflict', 500: 'server error', 503: 'node is not part of a swarm' };
/** Lost compare-and-swap races retried before giving up (someone else keeps updating the service). */
const CAS_ATTEMPTS = 3;

export class SwarmApiClient {
  constructor(
    private readonly docker: Dockerode,
    private readonly apiTimeoutMs: number,
  ) {}

  request<T>(method: string, req: Omit<DialRequest, 'signal' | 'statusCodes'>): Promise<T> {
    return dockerCall(method, this.apiTimeoutMs, (signal) => dockerDial<T>(this.docker, { ...req, signal, statusCodes: OK }));
  }

  /** A task's output through the manager (the same multiplexed frames as a container's), as a stream. */
  taskLogs(taskId: string, query: ContainerLogsQuery): Promise<Readable> {
    const statusCodes = { 200: true, 404: 'no such task', 500: 'server error', 503: 'node is not part of a swarm' };
    return dockerCall('task_logs', this.apiTimeoutMs, (signal) =>
      dockerDial<Readable>(this.docker, { path: `/tasks/${encodeURIComponent(taskId)}/logs`, query: logsQueryOf(query), signal: AbortSignal.any([signal, query.signal]), statusCodes, stream: true }),
    );
  }

  /** null when there is no such service (by id, id prefix or name). */
  async service(idOrName: string): Promise<SwarmService | null> {
    try {
      return await this.request<SwarmService>('service_inspect', { path: `/services/${encodeURIComponent(idOrName)}` });
    } catch (err) {
      if (err instanceof DockerError && err.kind === 'not_found') return null;
      throw err;
    }
  }

  services(labelFilter: string): Promise<SwarmService[]> {
    return this.request<SwarmService[]>('service_list', { path: '/services', query: { filters: { label: [labelFilter] } } });
  }

  /** Tasks of the given services (all of them for `null`); a service removed meanwhile has none. */
  async tasks(serviceIds: readonly string[] | null): Promise<SwarmTask[]> {
    if (serviceIds === null) return this.request<SwarmTask[]>('task_list', { path: '/tasks', query: {} });
    if (serviceIds.length === 0) return [];
    try {
      return await this.request<SwarmTask[]>('task_list', { path: '/tasks', query: { filters: { service: [...serviceIds] } } });
    } catch (err) {
      // The manager refuses the whole filter when one of its services is gone.
      if (!(err instanceof DockerError && err.kind === 'not_found')) throw err;
      const wanted = new Set(serviceIds);
      return (await this.tasks(null)).filter((t) => wanted.has(t.ServiceID));
    }
  }

  nodes(): Promise<SwarmNode[]> {
    return this.request<SwarmNode[]>('node_list', { path: '/nodes' });
  }

  async node(id: string): Promise<SwarmNode | undefined> {
    try {
      return await this.request<SwarmNode>('node_inspect', { path: `/nodes/${encodeURIComponent(id)}` });
    } catch (err) {
      if (err instanceof DockerError && err.kind === 'not_found') return undefined;
      throw err;
    }
  }

  /** Creates the service, reads it back; a spec the manager did not keep whole is removed and refused. */
  async create(spec: { Name: string }): Promise<string> {
    const created = await this.request<{ ID: string }>('service_create', { path: '/services/create', method: 'POST', body: spec });
    await this.readBack(created.ID, spec, true);
    return created.ID;
  }

  /**
   * Applies `change` to the service's current spec, compare-and-swap on its version: a lost race
   * re-reads and re-applies. `known`: the service as just read (saves the first read). Returns the
   * service as read back.
   */
  async update(id: string, change: (spec: SwarmService['Spec']) => SwarmService['Spec'], known?: SwarmService): Promise<SwarmService> {
    for (let attempt = 1; ; attempt++) {
      const current = attempt === 1 && known !== undefined ? known : await this.service(id);
      if (current === null) throw new DockerError('not_found', `No such service: ${id}`, 404);
      const spec = change(structuredClone(current.Spec));
      try {
        await this.request('service_update', { path: `/services/${current.ID}/update`, method: 'POST', query: { version: current.Version.Index }, body: spec });
      } catch (err) {
        if (attempt < CAS_ATTEMPTS && /out of sequence/i.test(err instanceof Error ? err.message : '')) continue;
        throw err;
      }
      return this.readBack(current.ID, spec, false);
    }
  }

  /** 404 is fine: already gone. */
  async remove(id: string): Promise<void> {
    try {
      await this.request('service_remove', { path: `/services/${encodeURIComponent(id)}`, method: 'DELETE' });
    } catch (err) {
      if (err instanceof DockerError && err.kind === 'not_found') return;
      throw err;
    }
  }

  /** Polls `read` until it answers non-null, or fails with `onTimeout` after `timeoutMs`. */
  async pollUntil<T>(timeoutMs: number, intervalMs: number, read: () => Promise<T | null>, onTimeout: () => Error): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await read();
      if (value !== null) return value;
      if (Date.now() >= deadline) throw onTimeout();
      await abortableSleep(intervalMs);
    }
  }

  private async readBack(id: string, sent: unknown, removeOnDrop: boolean): Promise<SwarmService> {
    const back = await this.service(id);
    if (back === null) throw new DockerError('failed', `service ${id} vanished right after it was written`);
    const dropped = droppedFields(sent, back.Spec);
    if (dropped.length === 0) return back;
    if (removeOnDrop) await this.remove(id);
    throw new DockerError('failed', `the Swarm manager did not keep ${dropped.join(', ')} of the service spec: refused (the node engines are too old for it)`);
  }
}
