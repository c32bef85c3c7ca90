import type { ContainerSpec, HostResources } from '../domain/container-spec.js';
import type { CpuReading, ResourceFigures } from '../domain/engine-usage.js';

/**
 * The narrow Docker surface RTM uses. Every call has a timeout inside the adapter.
 * A daemon that does not answer (or too late) is a DependencyUnavailable('docker')
 * (ports/infrastructure-fault.ts); what the daemon refused is a DockerError of a kind the
 * services map to the step's contract code.
 */
export type DockerErrorKind =
  /** The referenced image / container does not exist. */
  | 'not_found'
  /** Name already in use and similar. */
  | 'conflict'
  /** Anything else the daemon refused. */
  | 'failed';

export class DockerError extends Error {
  constructor(
    readonly kind: DockerErrorKind,
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = 'DockerError';
  }
}

export interface ImageInfo {
  id: string;
  labels: Record<string, string>;
  /** The image's USER (Config.User); "" when it has none, i.e. it runs as root. */
  user: string;
}

export type ContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** The host an engine runs on, where the backend has several (Swarm); absent on one daemon. */
export interface EngineNode {
  id: string;
  hostname: string;
  /** The manager's view of the node: `down` / `unknown` / `disconnected` mean its engines are out of reach. */
  state: 'ready' | 'down' | 'unknown' | 'disconnected';
}

export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: ContainerState;
  running: boolean;
  exitCode: number | null;
  oomKilled: boolean;
  restartCount: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** IP on each attached network, by network name. */
  networkIps: Record<string, string>;
  /** Swarm backend: the node of the engine's task. */
  node?: EngineNode;
}

export interface ContainerSummary {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: ContainerState;
  createdAt: Date;
}

export type DockerEventAction = 'create' | 'start' | 'kill' | 'die' | 'stop' | 'oom' | 'destroy';

export interface DockerEvent {
  action: DockerEventAction;
  containerId: string;
  labels: Record<string, string>;
  /** From the die event. */
  exitCode: number | null;
  /** From the kill event. */
  signal: string | null;
  /** Unix nanoseconds as reported by the daemon (for `since` on reconnect). */
  timeNano: bigint;
}

export interface DockerEventsQuery {
  /** Unix seconds (may be fractional); replay events since then. */
  since?: number;
  signal: AbortSignal;
}

export type EngineLogStream = 'stdout' | 'stderr';

/** One line an engine printed (CONTRACT §11 logs). */
export interface EngineLogLine {
  /** When Docker received it: RFC 3339 UTC with a nine-digit fraction. */
  ts: string;
  stream: EngineLogStream;
  /** Without its newline; bytes that are not UTF-8 are U+FFFD. */
  line: string;
}

export interface ContainerLogsQuery {
  /** The last N lines (then, with follow, the new ones). */
  tail: number;
  /**
   * Only lines from then on: Unix seconds as a decimal string with up to nine fraction
   * digits (Docker's own format; a double would round a nanosecond timestamp).
   */
  since?: string;
  follow: boolean;
  /** Ends the iteration (caller gone, RTM shutting down). */
  signal: AbortSignal;
}

export type { CpuReading };

/** One stats reading of a container, as Docker reports it. */
/** `memoryBytes` is in use as `docker stats` shows it: usage minus the inactive file cache (cgroup v1 and v2). */
export interface ContainerStatsSample extends ResourceFigures {
  readAt: Date;
  cpu: CpuReading;
  /** The daemon's previous reading (its `precpu_stats`); null for a one-shot reading. */
  previousCpu: CpuReading | null;
  onlineCpus: number;
}

/** Limits changed in place (`docker update`); absent fields are left as they are. */
export interface ContainerLimitsUpdate {
  cpus?: number;
  memoryBytes?: number;
  pidsLimit?: number;
}

export interface DockerRuntime {
  ping(): Promise<void>;
  /** The daemon host's CPUs and memory (`docker info`); the adapter may cache it between outages. */
  hostResources(): Promise<HostResources>;
  networkExists(name: string): Promise<boolean>;
  /** null when the image is not present locally. */
  inspectImage(ref: string): Promise<ImageInfo | null>;
  /** Throws DockerError('not_found') for an image that cannot be pulled. */
  pullImage(ref: string): Promise<void>;
  /** Creates (does not start). Returns the engine's id (one daemon: the container's). */
  createContainer(spec: ContainerSpec): Promise<string>;
  /**
   * Starts it; returns the id of the running container, the one to record. One daemon: `id`
   * itself. Swarm: `id` names the game's service, the answer is its task's container.
   */
  startContainer(id: string): Promise<string>;
  /**
   * Replaces an owned engine (a stopped game, a leftover) by one of `spec` under the same name;
   * returns the id to start. One daemon: force-remove and create (not started). Swarm: one update
   * of the existing service (new spec, ForceUpdate+1), compare-and-swap on its version; a running
   * engine is replaced in place (its task stopped with the grace period, the new one running:
   * restart and patch on Swarm, LifecycleSettings.replaceRunningInPlace), otherwise 0 replicas.
   */
  replaceContainer(existingId: string, spec: ContainerSpec): Promise<string>;
  /** null when no such container. */
  inspectContainer(idOrName: string): Promise<ContainerInfo | null>;
  /**
   * Graceful stop; an already stopped container is fine. The stopped container stays (logs,
   * inspect by id) until removed. Swarm: the task is retired into the service's history.
   */
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  /** force kills a running one. A missing container is fine. */
  removeContainer(id: string, opts?: { force?: boolean }): Promise<void>;
  /** Containers labelled com.galaxy.owner=rtmanager, any state. */
  listOwnedContainers(): Promise<ContainerSummary[]>;
  /** Label-filtered (owned) container events; ends when the stream breaks or signal aborts. */
  events(query: DockerEventsQuery): AsyncIterable<DockerEvent>;
  /**
   * A container's output, in batches of lines as they arrive (never empty). Connecting is a
   * normal call (deadline, DockerError('not_found') for no such container,
   * DockerError('conflict') when its log driver cannot be read back); the lines are then
   * read only as fast as the caller iterates, until the output ends (the container
   * stopped, when following) or `query.signal` aborts.
   */
  containerLogs(id: string, query: ContainerLogsQuery): Promise<AsyncIterable<readonly EngineLogLine[]>>;
  /**
   * One stats reading. `oneShot` answers at the daemon's next collection (no previous
   * reading); otherwise the daemon waits for two, and `previousCpu` is set. null when no
   * such container.
   */
  containerStats(id: string, opts: { oneShot: boolean }): Promise<ContainerStatsSample | null>;
  /** Changes limits in place (no restart). DockerError('failed') when the daemon refuses the values. */
  updateContainer(id: string, update: ContainerLimitsUpdate): Promise<void>;
}
