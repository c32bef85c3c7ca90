// In-memory Docker. Models images, containers (by id and unique name) and an event feed.
// Failure injection: `failOn[method] = DockerError` makes the next call of that method throw.
import { DependencyUnavailable } from '../../src/ports/infrastructure-fault.js';
import { randomBytes } from 'node:crypto';
import type { ContainerSpec, HostResources } from '../../src/domain/container-spec.js';
import {
  type EngineNode,
  DockerError,
  type ContainerLimitsUpdate,
  type ContainerLogsQuery,
  type ContainerStatsSample,
  type CpuReading,
  type EngineLogLine,
  type EngineLogStream,
  type ContainerInfo,
  type ContainerState,
  type ContainerSummary,
  type DockerEvent,
  type DockerEventsQuery,
  type DockerRuntime,
  type ImageInfo,
} from '../../src/ports/docker-runtime.js';

export interface FakeContainer {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: ContainerState;
  exitCode: number | null;
  oomKilled: boolean;
  restartCount: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  spec: ContainerSpec | null;
  ip: string;
  /** What the engine printed (print()). */
  logs: EngineLogLine[];
  /** What containerStats reports (set by a test). */
  usage: FakeUsage;
  /** Swarm backend: the node of the engine's task (tests set it to play a node going down). */
  node?: EngineNode;
}

export interface FakeUsage {
  cpu: CpuReading;
  previousCpu: CpuReading;
  memoryBytes: number;
  pids: number;
  networkRxBytes: number;
  networkTxBytes: number;
}

type Method = keyof DockerRuntime;

export class FakeDockerRuntime implements DockerRuntime {
  readonly images = new Map<string, ImageInfo>();
  /** Refs that pullImage can fetch (simulating a registry). */
  readonly pullable = new Map<string, Record<string, string>>();
  readonly containers = new Map<string, FakeContainer>();
  readonly networks = new Set<string>(['galaxy-net']);
  readonly calls: Array<{ method: Method; args: unknown[] }> = [];
  readonly failOn: Partial<Record<Method, DockerError | Error>> = {};
  private readonly listeners = new Set<(e: DockerEvent) => void>();
  private readonly logListeners = new Set<(containerId: string) => void>();
  private ipCounter = 2;
  down = false;
  /** What `docker info` reports (the default CPU and memory ceilings). */
  host: HostResources = { cpus: 4, memoryBytes: 16 * 1024 ** 3 };

  /** user: the image's USER; non-root unless a test says otherwise ("" runs as root). */
  addImage(ref: string, labels: Record<string, string> = {}, user = '10001:10001'): void {
    this.images.set(ref, { id: `sha256:${randomBytes(32).toString('hex')}`, labels, user });
  }

  /** Adds a container as if created outside RTM (or left over). */
  addContainer(partial: Partial<FakeContainer> & { name: string }): FakeContainer {
    const c: FakeContainer = {
      id: randomBytes(32).toString('hex'),
      image: 'unknown:latest',
      labels: {},
      state: 'running',
      exitCode: null,
      oomKilled: false,
      restartCount: 0,
      createdAt: new Date(),
      startedAt: new Date(),
      finishedAt: null,
      spec: null,
      ip: `172.30.0.${this.ipCounter++}`,
      logs: [],
      usage: { cpu: { containerNs: 0, systemNs: 0 }, previousCpu: { containerNs: 0, systemNs: 0 }, memoryBytes: 8 * 1024 ** 2, pids: 3, networkRxBytes: 0, networkTxBytes: 0 },
      ...partial,
    };
    this.containers.set(c.id, c);
    return c;
  }

  byName(name: string): FakeContainer | undefined {
    return [...this.containers.values()].find((c) => c.name === name);
  }

  /** Simulate the daemon: container exits (crash or engine exit). */
  exit(id: string, exitCode: number, opts: { oom?: boolean } = {}): void {
    const c = this.mustGet(id);
    if (opts.oom) this.emit('oom', c);
    c.state = 'exited';
    c.exitCode = exitCode;
    c.oomKilled = !!opts.oom;
    c.finishedAt = new Date();
    this.emit('die', c, exitCode);
  }

  /** Simulate `docker rm -f` by someone else. */
  destroy(id: string): void {
    const c = this.mustGet(id);
    if (c.state === 'running') this.exit(id, 137);
    this.containers.delete(id);
    this.emit('destroy', c);
  }

  private record(method: Method, args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.down) throw new DependencyUnavailable('docker', 'fake docker daemon is down');
    const f = this.failOn[method];
    if (f) {
      delete this.failOn[method];
      throw f;
    }
  }

  callsOf(method: Method): unknown[][] {
    return this.calls.filter((c) => c.method === method).map((c) => c.args);
  }

  private mustGet(idOrName: string): FakeContainer {
    const c = this.containers.get(idOrName) ?? this.byName(idOrName);
    if (!c) throw new DockerError('not_found', `No such container: ${idOrName}`, 404);
    return c;
  }

  private emit(action: DockerEvent['action'], c: FakeContainer, exitCode: number | null = null, signal: string | null = null): void {
    const e: DockerEvent = {
      action,
      containerId: c.id,
      labels: { ...c.labels },
      exitCode,
      signal,
      timeNano: BigInt(Date.now()) * 1_000_000n,
    };
    for (const l of this.listeners) l(e);
  }

  async ping(): Promise<void> {
    this.record('ping', []);
  }

  async hostResources(): Promise<HostResources> {
    this.record('hostResources', []);
    return { ...this.host };
  }

  async networkExists(name: string): Promise<boolean> {
    this.record('networkExists', [name]);
    return this.networks.has(name);
  }

  async inspectImage(ref: string): Promise<ImageInfo | null> {
    this.record('inspectImage', [ref]);
    const i = this.images.get(ref);
    return i ? structuredClone(i) : null;
  }

  async pullImage(ref: string): Promise<void> {
    this.record('pullImage', [ref]);
    const labels = this.pullable.get(ref);
    if (!labels) throw new DockerError('not_found', `pull access denied for ${ref}, repository does not exist`, 404);
    this.addImage(ref, labels);
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    this.record('createContainer', [spec]);
    if (!this.images.has(spec.image)) throw new DockerError('not_found', `No such image: ${spec.image}`, 404);
    if (this.byName(spec.name)) throw new DockerError('conflict', `Conflict. The container name "/${spec.name}" is already in use`, 409);
    const c = this.addContainer({
      name: spec.name,
      image: spec.image,
      // Like Docker: a container inherits its image's labels; the create request's win.
      labels: { ...this.images.get(spec.image)?.labels, ...spec.labels },
      state: 'created',
      startedAt: null,
      spec: structuredClone(spec),
    });
    this.emit('create', c);
    return c.id;
  }

  /** Like the container adapter: force-remove, then create (both calls recorded too). */
  async replaceContainer(existingId: string, spec: ContainerSpec): Promise<string> {
    this.record('replaceContainer', [existingId, spec]);
    await this.removeContainer(existingId, { force: true });
    return this.createContainer(spec);
  }

  async startContainer(id: string): Promise<string> {
    this.record('startContainer', [id]);
    const c = this.mustGet(id);
    if (c.state === 'running') return c.id; // Docker: 304, no event
    c.state = 'running';
    c.startedAt = new Date();
    c.exitCode = null;
    this.emit('start', c);
    // Like the test engine: a line on start (the logs contract reads it).
    this.print(c.id, 'engine listening');
    return c.id;
  }

  async inspectContainer(idOrName: string): Promise<ContainerInfo | null> {
    this.record('inspectContainer', [idOrName]);
    const c = this.containers.get(idOrName) ?? this.byName(idOrName);
    if (!c) return null;
    return {
      id: c.id,
      name: c.name,
      image: c.image,
      labels: { ...c.labels },
      state: c.state,
      running: c.state === 'running',
      exitCode: c.exitCode,
      oomKilled: c.oomKilled,
      restartCount: c.restartCount,
      startedAt: c.startedAt,
      finishedAt: c.finishedAt,
      // Docker clears the endpoint address when the container stops.
      networkIps: c.state === 'running' ? { 'galaxy-net': c.ip } : {},
      ...(c.node === undefined ? {} : { node: { ...c.node } }),
    };
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    this.record('stopContainer', [id, timeoutSeconds]);
    const c = this.mustGet(id);
    if (c.state !== 'running') return;
    this.emit('kill', c, null, '15');
    c.state = 'exited';
    c.exitCode = 0;
    c.finishedAt = new Date();
    this.emit('die', c, 0);
    this.emit('stop', c);
  }

  async removeContainer(id: string, opts: { force?: boolean } = {}): Promise<void> {
    this.record('removeContainer', [id, opts]);
    const c = this.containers.get(id) ?? this.byName(id);
    if (!c) return;
    if (c.state === 'running' && !opts.force)
      throw new DockerError('conflict', `You cannot remove a running container ${c.id}`, 409);
    if (c.state === 'running') {
      this.emit('kill', c, null, '9');
      this.exit(c.id, 137);
    }
    this.containers.delete(c.id);
    this.emit('destroy', c);
  }

  async listOwnedContainers(): Promise<ContainerSummary[]> {
    this.record('listOwnedContainers', []);
    return [...this.containers.values()]
      .filter((c) => c.labels['com.galaxy.owner'] === 'rtmanager')
      .map((c) => ({ id: c.id, name: c.name, labels: { ...c.labels }, state: c.state, createdAt: c.createdAt }));
  }

  events(query: DockerEventsQuery): AsyncIterable<DockerEvent> {
    const listeners = this.listeners;
    return {
      [Symbol.asyncIterator]() {
        const queue: DockerEvent[] = [];
        let wake: (() => void) | null = null;
        const onEvent = (e: DockerEvent) => {
          if (e.labels['com.galaxy.owner'] !== 'rtmanager') return;
          queue.push(e);
          wake?.();
        };
        listeners.add(onEvent);
        const onAbort = () => wake?.();
        query.signal.addEventListener('abort', onAbort);
        return {
          async next(): Promise<IteratorResult<DockerEvent>> {
            for (;;) {
              if (query.signal.aborted) {
                listeners.delete(onEvent);
                return { done: true, value: undefined };
              }
              const e = queue.shift();
              if (e) return { done: false, value: e };
              await new Promise<void>((r) => (wake = r));
              wake = null;
            }
          },
          async return(): Promise<IteratorResult<DockerEvent>> {
            listeners.delete(onEvent);
            query.signal.removeEventListener('abort', onAbort);
            return { done: true, value: undefined };
          },
        };
      },
    };
  }

  /** Simulate the engine printing (stored, and delivered to followers). */
  print(id: string, line: string, stream: EngineLogStream = 'stdout', ts = new Date()): void {
    const c = this.mustGet(id);
    const entry: EngineLogLine = { ts: ts.toISOString().replace('Z', '000000Z'), stream, line };
    c.logs.push(entry);
    for (const l of this.logListeners) l(c.id);
  }

  async containerLogs(id: string, query: ContainerLogsQuery): Promise<AsyncIterable<readonly EngineLogLine[]>> {
    this.record('containerLogs', [id, { tail: query.tail, since: query.since, follow: query.follow }]);
    const c = this.mustGet(id);
    if (c.spec?.logDriver === 'none') throw new DockerError('conflict', 'configured logging driver does not support reading', 501);
    const since = query.since === undefined ? -Infinity : Number(query.since) * 1000;
    const shown = (l: EngineLogLine) => Date.parse(l.ts) >= since;
    const listeners = this.logListeners;
    const fake = this;
    return (async function* () {
      let next = Math.max(0, c.logs.length - query.tail);
      for (;;) {
        while (next < c.logs.length && !query.signal.aborted) {
          const l = c.logs[next++]!;
          if (shown(l)) yield [{ ...l }];
        }
        const ended = () => query.signal.aborted || !fake.containers.has(c.id) || c.state !== 'running';
        if (!query.follow || ended()) return;
        await new Promise<void>((resolve) => {
          const wake = () => {
            listeners.delete(wake);
            fake.listeners.delete(onEvent);
            query.signal.removeEventListener('abort', wake);
            resolve();
          };
          const onEvent = (e: DockerEvent) => {
            if (e.containerId === c.id) wake();
          };
          listeners.add(wake);
          fake.listeners.add(onEvent);
          query.signal.addEventListener('abort', wake, { once: true });
        });
      }
    })();
  }

  async containerStats(id: string, opts: { oneShot: boolean }): Promise<ContainerStatsSample | null> {
    this.record('containerStats', [id, opts]);
    const c = this.containers.get(id) ?? this.byName(id);
    if (!c) return null;
    const running = c.state === 'running';
    const limits = c.spec?.limits;
    return {
      readAt: new Date(),
      cpu: { ...c.usage.cpu },
      previousCpu: opts.oneShot || !running ? null : { ...c.usage.previousCpu },
      onlineCpus: this.host.cpus,
      memoryBytes: running ? c.usage.memoryBytes : 0,
      memoryLimitBytes: limits?.memoryBytes ?? null,
      pids: running ? c.usage.pids : 0,
      pidsLimit: limits?.pidsLimit ?? null,
      networkRxBytes: c.usage.networkRxBytes,
      networkTxBytes: c.usage.networkTxBytes,
    };
  }

  async updateContainer(id: string, update: ContainerLimitsUpdate): Promise<void> {
    this.record('updateContainer', [id, update]);
    const c = this.mustGet(id);
    // Like runc on cgroup v1: a memory limit below what the engine uses is refused.
    if (update.memoryBytes !== undefined && c.state === 'running' && update.memoryBytes < c.usage.memoryBytes)
      throw new DockerError('failed', `Cannot update container ${c.id}: unable to set memory limit to ${update.memoryBytes} (current usage: ${c.usage.memoryBytes})`, 500);
    if (!c.spec) return;
    c.spec.limits = {
      cpus: update.cpus ?? c.spec.limits.cpus,
      memoryBytes: update.memoryBytes ?? c.spec.limits.memoryBytes,
      pidsLimit: update.pidsLimit ?? c.spec.limits.pidsLimit,
    };
  }
}
