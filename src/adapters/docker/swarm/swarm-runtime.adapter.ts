// DockerRuntime over Docker Swarm (RTMANAGER_ENGINE_BACKEND=swarm, CONTRACT §11): each game
// is a service `galaxy-game-{game_id}` with one task. create = service with 0 replicas; start
// = scale to 1 and wait for the task to run (its container id is what RTM records); stop =
// retire the task (kept in the service's history with its container and logs) and scale to 0;
// replace of a running engine = one forced update (restart; patch: the image), of a stopped
// one = one update at 0 replicas; remove = remove the service; every update is compare-and-swap
// (docs/swarm.md "Operations"). Ids: a service (id or name) or a task's container. Image, ping
// and network calls go to the manager's own daemon through the container adapter.
import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { OWNER_LABEL, OWNER_VALUE, type ContainerSpec, type HostResources } from '../../../domain/container-spec.js';
import {
  DockerError,
  type ContainerLogsQuery,
  type ContainerStatsSample,
  type EngineLogLine,
  type ContainerInfo,
  type ContainerSummary,
  type DockerEvent,
  type DockerEventsQuery,
  type DockerRuntime,
  type ImageInfo,
} from '../../../ports/docker-runtime.js';
import { connectLogs } from '../container-logs.reader.js';
import { DockerodeRuntime } from '../docker-runtime.adapter.js';
import { forcedUpdate, serviceSpecOf, type ServiceSpec, type ServiceSpecOptions } from './service-spec.mapper.js';
import { SwarmApiClient } from './swarm-api.client.js';
import { pollTaskEvents } from './swarm-task-events.poller.js';
import { engineTaskOf, isRetired, withPlacement } from './retired-placement.js';
import { SwarmTaskWaits } from './swarm-task-waits.poller.js';
import { biggestReadyNode, engineInfoOf, engineSummaryOf, isTerminal, replicasOf, runsAsWanted, taskContainerId, type SwarmService, type SwarmTask } from './swarm-task.mapper.js';

export interface SwarmRuntimeOptions {
  apiTimeoutMs: number;
  pullTimeoutMs: number;
  /** How long a started task may take to run (scheduling, image on the node, container start). */
  startTimeoutMs: number;
  /** The grace period written into each spec (RTMANAGER_STOP_TIMEOUT); a stop may change it. */
  stopGraceSeconds: number;
  /** Interval of the task polls: start/stop waits and the events feed. */
  taskPollMs: number;
  /** The hardening rows the nodes can express (SwarmHardeningGate.expressible; throws = refused); absent: the API 1.41 spec. */
  expressibleHardening?: () => Promise<ServiceSpecOptions['expressible']>;
  logger: Logger;
}

const OWNER_FILTER = `${OWNER_LABEL}=${OWNER_VALUE}`;

interface Resolved {
  service: SwarmService;
  /** The task the id named, or the service's newest one; null before the first start. */
  task: SwarmTask | null;
  /** Every task of the service the manager still lists. */
  tasks: SwarmTask[];
}

export class SwarmRuntime implements DockerRuntime {
  private readonly api: SwarmApiClient;
  private readonly waits: SwarmTaskWaits;
  private readonly local: DockerodeRuntime;
  private readonly logger: Logger;
  /** Task container id -> service id: a container id is resolved without listing every task. */
  private readonly serviceOfContainer = new Map<string, string>();
  private hostResourcesRead: Promise<HostResources> | null = null;
  private readonly networkIds = new Map<string, Promise<string>>();
  /** Containers this runtime saw running (the newest RAN_MEMORY): the events feed's hint for short runs. */
  private readonly ranContainers = new Set<string>();

  constructor(
    docker: Dockerode,
    private readonly options: SwarmRuntimeOptions,
  ) {
    this.api = new SwarmApiClient(docker, options.apiTimeoutMs);
    this.waits = new SwarmTaskWaits(this.api, options.taskPollMs);
    this.local = new DockerodeRuntime(docker, options);
    this.logger = options.logger.child({ component: 'swarm' });
  }

  ping(): Promise<void> {
    return this.local.ping();
  }
  /** In swarm mode only an attachable overlay counts: RTM (on the overlay) must reach every task. */
  async networkExists(name: string): Promise<boolean> {
    let network: { Driver?: string; Attachable?: boolean };
    try {
      network = await this.api.request('network_inspect', { path: `/networks/${encodeURIComponent(name)}` });
    } catch (err) {
      if (err instanceof DockerError && err.kind === 'not_found') return false;
      throw err;
    }
    const usable = network.Driver === 'overlay' && network.Attachable === true;
    if (!usable) this.logger.warn({ network: name, driver: network.Driver, attachable: network.Attachable }, 'swarm mode needs an attachable overlay network');
    return usable;
  }
  /** The manager's copy: images must be on every node (docs/swarm.md), the manager's is checked. */
  inspectImage(ref: string): Promise<ImageInfo | null> {
    return this.local.inspectImage(ref);
  }
  pullImage(ref: string): Promise<void> {
    return this.local.pullImage(ref);
  }

  /** The biggest ready node: a game's limits must fit on one node. Cached until a call fails. */
  hostResources(): Promise<HostResources> {
    this.hostResourcesRead ??= this.api.nodes().then(biggestReadyNode);
    const read = this.hostResourcesRead;
    read.catch(() => {
      if (this.hostResourcesRead === read) this.hostResourcesRead = null;
    });
    return read;
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    try {
      return await this.api.create(await this.specOf(spec));
    } catch (err) {
      this.networkIds.clear(); // the overlay may have been recreated under its name
      throw err;
    }
  }

  /**
   * One compare-and-swap update of the game's service to `spec` (ForceUpdate+1), the service kept.
   * At one replica (restart = forced update, patch = image update) in place: Swarm stops the task
   * with its grace period (kept in the history) and starts one of the new spec, whose container
   * is the answer, running. Otherwise (stopped, retired) 0 replicas; the answer is the service.
   */
  async replaceContainer(existingId: string, spec: ContainerSpec): Promise<string> {
    const { service, tasks } = await this.mustResolve(existingId);
    if (service.Spec.Name !== spec.name) throw new DockerError('failed', `${existingId} is the engine of ${service.Spec.Name}, not of ${spec.name}`);
    const body = await this.specOf(spec);
    // Its task runs, ended on its own, or sits on a node that went down: a new one replaces it.
    const inPlace = replicasOf(service) === 1 && !isRetired(service.Spec);
    const before = new Set(tasks.map((t) => t.ID));
    // Spread: the manager's spec type is open (an index signature), ServiceSpec is not.
    await this.api.update(service.ID, (current) => ({ ...forcedUpdate(body, current, inPlace ? 1 : 0) }), service);
    if (!inPlace) {
      // A leftover that still ran is shut down by the 0 replicas; the next start must find it ended.
      await this.waits.settled(service, this.graceMs() + this.options.apiTimeoutMs);
      return service.ID;
    }
    return this.remember(service, await this.waits.newTask(service, before, this.graceMs() + this.options.startTimeoutMs));
  }

  /** The service spec of `spec`, 0 replicas; the image must be on the manager (else its task would fail later). */
  private async specOf(spec: ContainerSpec): Promise<ServiceSpec> {
    if ((await this.local.inspectImage(spec.image)) === null) throw new DockerError('not_found', `No such image: ${spec.image}`, 404);
    return serviceSpecOf(spec, { networkId: await this.networkId(spec.network), stopGraceSeconds: this.options.stopGraceSeconds, replicas: 0, expressible: (await this.options.expressibleHardening?.()) ?? new Set() });
  }

  private graceMs(): number {
    return Math.max(0, Math.ceil(this.options.stopGraceSeconds)) * 1000;
  }

  /** The overlay's id, read once per name; a failed read is not kept (the network may be recreated). */
  private networkId(name: string): Promise<string> {
    let read = this.networkIds.get(name);
    if (read === undefined) {
      read = this.api.request<{ Id: string }>('network_inspect', { path: `/networks/${encodeURIComponent(name)}` }).then((n) => n.Id);
      this.networkIds.set(name, read);
      read.catch(() => this.networkIds.delete(name));
    }
    return read;
  }

  async startContainer(id: string): Promise<string> {
    const { service, task, tasks } = await this.mustResolve(id);
    // Already running as wanted (an in-place replacement answered its task): nothing to do.
    if (task !== null && runsAsWanted(task) && replicasOf(service) === 1 && !isRetired(service.Spec)) return this.remember(service, task);
    const before = new Set(tasks.map((t) => t.ID));
    // One update: placed anywhere again, one replica, and forced, so that a task that ended on
    // its own (a crash) is replaced too. Earlier tasks stay in the service's history.
    await this.api.update(service.ID, (spec) => forcedUpdate(withPlacement(spec, false), spec, 1), service);
    return this.remember(service, await this.waits.newTask(service, before, this.options.startTimeoutMs));
  }

  async inspectContainer(idOrName: string): Promise<ContainerInfo | null> {
    const found = await this.resolve(idOrName);
    if (found === null) return null;
    const nodeId = found.task?.NodeID;
    const node = nodeId ? await this.api.node(nodeId) : undefined;
    return engineInfoOf(found.service, found.task, node);
  }

  /**
   * Retire the task (a forced update placing its successor nowhere: Swarm stops it with the spec's
   * grace period, RTMANAGER_STOP_TIMEOUT, and keeps it with its container and logs), then scale
   * to 0 (retired-placement.ts). Both updates are compare-and-swap.
   */
  async stopContainer(id: string): Promise<void> {
    const { service, task, tasks } = await this.mustResolve(id);
    // An older task of the game (the id named a container it no longer runs): already stopped.
    if (task !== null && isTerminal(task) && task.ID !== engineTaskOf(service, tasks)?.ID) return;
    let current = service;
    if (replicasOf(current) !== 0) {
      if (!isRetired(current.Spec))
        current = await this.api.update(current.ID, (spec) => forcedUpdate(withPlacement(spec, true), spec), current);
      await this.api.update(current.ID, (spec) => ({ ...spec, Mode: { Replicated: { Replicas: 0 } } }), current);
    }
    await this.waits.settled(service, this.graceMs() + this.options.apiTimeoutMs);
  }

  async removeContainer(id: string, opts: { force?: boolean } = {}): Promise<void> {
    const found = await this.resolve(id);
    if (found === null) return;
    const { service, tasks } = found;
    if (!opts.force && tasks.some((t) => t.Status?.State === 'running'))
      throw new DockerError('conflict', `the engine of ${service.Spec.Name} is running: stop it before removing it or use force`, 409);
    await this.api.remove(service.ID);
    await this.waits.gone(service, this.options.apiTimeoutMs);
    for (const t of tasks) {
      const cid = taskContainerId(t);
      if (cid) this.serviceOfContainer.delete(cid);
    }
  }

  async listOwnedContainers(): Promise<ContainerSummary[]> {
    const services = await this.api.services(OWNER_FILTER);
    const tasks = await this.api.tasks(services.map((s) => s.ID));
    return services.map((s) => engineSummaryOf(s, engineTaskOf(s, tasks.filter((t) => t.ServiceID === s.ID))));
  }

  /** Task deaths across nodes, from polls of the manager's task list (its /events carry none). */
  events(query: DockerEventsQuery): AsyncIterable<DockerEvent> {
    const sawRunning = (containerId: string) => this.ranContainers.has(containerId);
    return pollTaskEvents(this.api, OWNER_FILTER, { ...query, intervalMs: this.options.taskPollMs, logger: this.logger, sawRunning });
  }

  private remember(service: SwarmService, task: SwarmTask): string {
    const cid = taskContainerId(task);
    if (cid === null) throw new DockerError('failed', `the running task of ${service.Spec.Name} reports no container`);
    this.serviceOfContainer.set(cid, service.ID);
    this.ranContainers.add(cid);
    if (this.ranContainers.size > RAN_MEMORY) this.ranContainers.delete(this.ranContainers.values().next().value as string);
    return cid;
  }

  /** The task's output through the manager (the same frames as a container's); a stopped engine's task is gone. */
  async containerLogs(id: string, query: ContainerLogsQuery): Promise<AsyncIterable<readonly EngineLogLine[]>> {
    const { service, task } = await this.mustResolve(id);
    if (task === null) throw new DockerError('not_found', `${service.Spec.Name} has no task (Swarm removes a stopped engine's task and its logs)`, 404);
    return connectLogs(query.signal, () => this.api.taskLogs(task.ID, query));
  }

  /** A manager cannot read another node's container stats (docs/swarm.md): per-node cAdvisor instead. */
  async containerStats(id: string): Promise<ContainerStatsSample | null> {
    throw new DockerError('conflict', `usage of ${id.slice(0, 12)} is not available through a Swarm manager (the engine may run on another node); use cAdvisor on the nodes`);
  }

  /** A service update of resources replaces the task (a restart): not "in place", so refused. */
  async updateContainer(id: string): Promise<void> {
    throw new DockerError('conflict', `limits of ${id.slice(0, 12)} cannot change in place in swarm mode (a service update replaces the engine's task)`);
  }

  private async mustResolve(id: string): Promise<Resolved> {
    const found = await this.resolve(id);
    if (found === null) throw new DockerError('not_found', `No such container: ${id}`, 404);
    return found;
  }

  /** A service (id, name) with its newest task, or one task's container with its service. */
  private async resolve(idOrName: string): Promise<Resolved | null> {
    // A container id is 64 hex digits; service ids are 25 characters and names are not hex.
    if (!/^[0-9a-f]{64}$/.test(idOrName)) {
      const service = await this.api.service(idOrName);
      if (service === null) return null;
      const tasks = await this.api.tasks([service.ID]);
      return { service, task: engineTaskOf(service, tasks), tasks };
    }
    const known = this.serviceOfContainer.get(idOrName);
    let tasks = await this.api.tasks(known === undefined ? null : [known]);
    let task = tasks.find((t) => taskContainerId(t) === idOrName);
    if (task === undefined && known !== undefined) {
      const all = await this.api.tasks(null);
      task = all.find((t) => taskContainerId(t) === idOrName);
      if (task !== undefined) tasks = all;
    }
    if (task === undefined) {
      // A task Swarm removed after a stop: its service still names the game's engine.
      const service = known === undefined ? null : await this.api.service(known);
      return service === null ? null : { service, task: null, tasks: tasks.filter((t) => t.ServiceID === service.ID) };
    }
    const service = await this.api.service(task.ServiceID);
    if (service === null) return null;
    this.serviceOfContainer.set(idOrName, service.ID);
    return { service, task, tasks: tasks.filter((t) => t.ServiceID === service.ID) };
  }
}

const RAN_MEMORY = 4096;

