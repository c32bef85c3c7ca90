// The manager's services, tasks and nodes -> the port's types (pure). A game's engine is the
// service's newest task; its container id is the one RTM records. Task state has the exit
// code but not OOMKilled (Swarm does not carry it), so oomKilled is always false here.
import type { HostResources } from '../../../domain/container-spec.js';
import { DockerError, type ContainerInfo, type ContainerState, type ContainerSummary, type EngineNode } from '../../../ports/docker-runtime.js';

export interface SwarmService {
  ID: string;
  CreatedAt?: string;
  /** Present once the service was updated (scaled up or down): it has run. */
  PreviousSpec?: unknown;
  Version: { Index: number };
  Spec: { Name: string; Labels?: Record<string, string>; Mode?: { Replicated?: { Replicas?: number } }; TaskTemplate?: { ContainerSpec?: { Image?: string }; ForceUpdate?: number } & Record<string, unknown> } & Record<string, unknown>;
}

export interface SwarmTask {
  ID: string;
  ServiceID: string;
  NodeID?: string;
  CreatedAt?: string;
  DesiredState?: string;
  Spec?: { ContainerSpec?: { Image?: string } };
  Status?: { Timestamp?: string; State?: string; Err?: string; ContainerStatus?: { ContainerID?: string; ExitCode?: number } };
  NetworksAttachments?: Array<{ Network?: { Spec?: { Name?: string } }; Addresses?: string[] }>;
}

export interface SwarmNode {
  ID: string;
  Description?: { Hostname?: string; Resources?: { NanoCPUs?: number; MemoryBytes?: number }; Engine?: { EngineVersion?: string } };
  Status?: { State?: string };
}

/** Task states before the container runs. */
const PENDING_STATES = new Set(['new', 'allocated', 'pending', 'assigned', 'accepted', 'preparing', 'ready', 'starting']);
/** Task states after the container ended (or never could). */
export const TERMINAL_STATES = new Set(['complete', 'shutdown', 'failed', 'rejected', 'orphaned', 'remove']);

export function taskContainerId(task: SwarmTask): string | null {
  const id = task.Status?.ContainerStatus?.ContainerID;
  return typeof id === 'string' && id !== '' ? id : null;
}

export function taskStateOf(task: SwarmTask): ContainerState {
  const state = task.Status?.State ?? 'new';
  if (state === 'running') return 'running';
  if (PENDING_STATES.has(state)) return 'created';
  // A task that never got a container (rejected: no such image on the node) is dead.
  return taskContainerId(task) === null ? 'dead' : 'exited';
}

/** The CPUs and memory of the biggest ready node: a game's limits must fit on one node. */
export function biggestReadyNode(nodes: readonly SwarmNode[]): HostResources {
  const ready = nodes.filter((n) => n.Status?.State === 'ready');
  const cpus = Math.max(0, ...ready.map((n) => (n.Description?.Resources?.NanoCPUs ?? 0) / 1e9));
  const memoryBytes = Math.max(0, ...ready.map((n) => n.Description?.Resources?.MemoryBytes ?? 0));
  if (cpus < 1 || memoryBytes < 1) throw new DockerError('failed', 'the swarm has no ready node reporting its CPUs and memory');
  return { cpus, memoryBytes };
}

export function replicasOf(service: SwarmService): number {
  return service.Spec.Mode?.Replicated?.Replicas ?? 0;
}

/** Running, and meant to: not a task an update or a stop is shutting down. */
export function runsAsWanted(task: SwarmTask): boolean {
  return task.DesiredState === 'running' && task.Status?.State === 'running';
}

export function isTerminal(task: SwarmTask): boolean {
  return TERMINAL_STATES.has(task.Status?.State ?? '');
}

/**
 * The service's newest task: what the game runs, or ran last. A task that ended without ever
 * having a container (a stop's placeholder on its way out, a rejected one) counts only when no
 * other task is left: the last engine that ran says more.
 */
export function newestTask(tasks: readonly SwarmTask[]): SwarmTask | null {
  const ran = tasks.filter((t) => !(isTerminal(t) && taskContainerId(t) === null));
  let newest: SwarmTask | null = null;
  for (const t of ran.length > 0 ? ran : tasks) if (newest === null || (t.CreatedAt ?? '') > (newest.CreatedAt ?? '')) newest = t;
  return newest;
}

function dateOf(value: string | undefined): Date | null {
  if (!value || value.startsWith('0001-01-01')) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function engineNodeOf(node: SwarmNode | undefined, nodeId: string): EngineNode {
  const state = node?.Status?.State;
  const known = state === 'ready' || state === 'down' || state === 'disconnected' ? state : 'unknown';
  return { id: nodeId, hostname: node?.Description?.Hostname ?? '', state: known };
}

/** `task` null: a service created and not started yet (no task, no container). */
export function engineInfoOf(service: SwarmService, task: SwarmTask | null, node?: SwarmNode): ContainerInfo {
  // No task: never started (created), or scaled down by a stop, which removes the task (exited).
  const state = task !== null ? taskStateOf(task) : service.PreviousSpec === undefined ? 'created' : 'exited';
  const running = state === 'running';
  const networkIps: Record<string, string> = {};
  if (running) {
    for (const a of task?.NetworksAttachments ?? []) {
      const name = a.Network?.Spec?.Name;
      const address = a.Addresses?.[0]?.split('/')[0];
      if (name && address) networkIps[name] = address;
    }
  }
  const exitCode = state === 'exited' ? (task?.Status?.ContainerStatus?.ExitCode ?? null) : null;
  const info: ContainerInfo = {
    id: (task && taskContainerId(task)) ?? service.ID,
    name: service.Spec.Name,
    image: task?.Spec?.ContainerSpec?.Image ?? service.Spec.TaskTemplate?.ContainerSpec?.Image ?? '',
    labels: { ...(service.Spec.Labels ?? {}) },
    state,
    running,
    exitCode,
    oomKilled: false,
    restartCount: 0,
    // The task's status timestamp is when it entered its current state.
    startedAt: running ? dateOf(task?.Status?.Timestamp) : null,
    finishedAt: state === 'exited' || state === 'dead' ? dateOf(task?.Status?.Timestamp) : null,
    networkIps,
  };
  if (task?.NodeID) info.node = engineNodeOf(node, task.NodeID);
  return info;
}

export function engineSummaryOf(service: SwarmService, task: SwarmTask | null): ContainerSummary {
  const info = engineInfoOf(service, task);
  return { id: info.id, name: info.name, labels: info.labels, state: info.state, createdAt: dateOf(service.CreatedAt) ?? new Date(0) };
}
