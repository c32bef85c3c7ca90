// DockerRuntime over dockerode. Every call runs under an explicit deadline (dockerode's
// own `timeout` is a socket idle timeout and would also cut the events stream): when it
// passes, the HTTP request is aborted and the call fails with DependencyUnavailable('docker').
// Errors are mapped once, in docker-error.mapper.ts. Metrics and spans of the calls: one
// decorator, src/adapters/telemetry/observed-docker-runtime.decorator.ts.
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import type { Logger } from 'pino';
import { OWNER_LABEL, OWNER_VALUE, type ContainerSpec, type HostResources } from '../../domain/container-spec.js';
import {
  DockerError,
  type ContainerLimitsUpdate,
  type ContainerLogsQuery,
  type ContainerStatsSample,
  type EngineLogLine,
  type ContainerInfo,
  type ContainerSummary,
  type DockerEvent,
  type DockerEventsQuery,
  type DockerRuntime,
  type ImageInfo,
} from '../../ports/docker-runtime.js';
import { containerCreateOptions } from './container-create.mapper.js';
import { decodeDockerEvent, parseEventLine, WATCHED_EVENT_ACTIONS } from './docker-event.decoder.js';
import { dockerCall, dockerDial, type StatusCodes } from './docker-call.js';
import { daemonMessageOf, dockerStatusOf } from './docker-error.mapper.js';
import { connectLogs, logsQueryOf } from './container-logs.reader.js';
import { containerStatsOf, type RawContainerStats } from './container-stats.mapper.js';
import { containerInfoOf, containerSummaryOf, hostResourcesOf, imageInfoOf, pullFailureOf } from './docker-inspect.mapper.js';
import { decodeNdjson } from './ndjson-stream.decoder.js';

export { createDockerClient, dockerClientOptions } from './docker-client.factory.js';

export interface DockerodeRuntimeOptions {
  /** Deadline of every API call (stop gets its grace period on top). */
  apiTimeoutMs: number;
  /** Deadline of a whole image pull, progress stream included. */
  pullTimeoutMs: number;
  logger: Logger;
}

const OWNER_FILTER = `${OWNER_LABEL}=${OWNER_VALUE}`;

export class DockerodeRuntime implements DockerRuntime {
  private readonly logger: Logger;
  private hostResourcesRead: Promise<HostResources> | null = null;

  constructor(
    private readonly docker: Dockerode,
    private readonly options: DockerodeRuntimeOptions,
  ) {
    this.logger = options.logger.child({ component: 'docker' });
  }

  async ping(): Promise<void> {
    // Docker.ping takes no options (no abort signal): dial directly.
    await this.call('ping', this.options.apiTimeoutMs, (signal) => this.dial('/_ping', signal, { 200: true, 500: 'server error' }));
  }

  /**
   * Read once, then cached until a call finds the daemon unavailable: the next read after
   * an outage sees the daemon as it came back (restarted elsewhere, resized).
   */
  async hostResources(): Promise<HostResources> {
    this.hostResourcesRead ??= this.call('hostResources', this.options.apiTimeoutMs, async (signal) =>
      hostResourcesOf(await this.dial<{ NCPU?: unknown; MemTotal?: unknown }>('/info', signal, { 200: true, 500: 'server error' })),
    );
    const read = this.hostResourcesRead;
    read.catch(() => {
      if (this.hostResourcesRead === read) this.hostResourcesRead = null;
    });
    return read;
  }

  async networkExists(name: string): Promise<boolean> {
    return this.call('networkExists', this.options.apiTimeoutMs, async (signal) => {
      try {
        // dockerode's Network.inspect does not forward an abort signal: dial directly.
        await this.dial(`/networks/${encodeURIComponent(name)}`, signal, { 200: true, 404: 'no such network', 500: 'server error' });
        return true;
      } catch (err) {
        if (dockerStatusOf(err) === 404) return false;
        throw err;
      }
    });
  }

  async inspectImage(ref: string): Promise<ImageInfo | null> {
    return this.call('inspectImage', this.options.apiTimeoutMs, async (signal) => {
      let raw: Dockerode.ImageInspectInfo;
      try {
        // Image.inspect does not forward an abort signal either. The name goes unescaped,
        // as the Docker CLI sends it (the daemon routes on the slashes of a repository).
        raw = await this.dial<Dockerode.ImageInspectInfo>(`/images/${ref}/json`, signal, { 200: true, 404: 'no such image', 500: 'server error' });
      } catch (err) {
        if (dockerStatusOf(err) === 404) return null;
        throw err;
      }
      return imageInfoOf(raw);
    });
  }

  async pullImage(ref: string): Promise<void> {
    await this.call('pullImage', this.options.pullTimeoutMs, async (abortSignal) => {
      const stream = (await this.docker.pull(ref, { abortSignal })) as Readable;
      const stop = () => stream.destroy();
      abortSignal.addEventListener('abort', stop, { once: true });
      try {
        // The daemon answers 200 and reports a failed pull inside the progress stream.
        for await (const message of decodeNdjson(stream)) {
          const failure = pullFailureOf(message);
          if (failure !== null) throw new DockerError('failed', failure);
        }
      } finally {
        abortSignal.removeEventListener('abort', stop);
        stream.destroy();
      }
    });
  }

  async createContainer(spec: ContainerSpec): Promise<string> {
    return this.call('createContainer', this.options.apiTimeoutMs, async (abortSignal) => {
      const container = await this.docker.createContainer({ ...containerCreateOptions(spec), abortSignal });
      return container.id;
    });
  }

  async replaceContainer(existingId: string, spec: ContainerSpec): Promise<string> {
    await this.removeContainer(existingId, { force: true });
    return this.createContainer(spec);
  }

  async startContainer(id: string): Promise<string> {
    await this.call('startContainer', this.options.apiTimeoutMs, async (abortSignal) => {
      try {
        await this.docker.getContainer(id).start({ abortSignal });
      } catch (err) {
        if (dockerStatusOf(err) === 304) return; // already running
        throw err;
      }
    });
    return id;
  }

  async inspectContainer(idOrName: string): Promise<ContainerInfo | null> {
    const raw = await this.call('inspectContainer', this.options.apiTimeoutMs, async (abortSignal) => {
      try {
        return await this.docker.getContainer(idOrName).inspect({ abortSignal });
      } catch (err) {
        if (dockerStatusOf(err) === 404) return null;
        throw err;
      }
    });
    return raw === null ? null : containerInfoOf(raw);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const t = Math.max(0, Math.ceil(timeoutSeconds));
    const deadlineMs = t * 1000 + this.options.apiTimeoutMs; // the daemon answers after the grace period (and the kill)
    await this.call('stopContainer', deadlineMs, async (abortSignal) => {
      try {
        await this.docker.getContainer(id).stop({ t, abortSignal });
      } catch (err) {
        if (dockerStatusOf(err) === 304) return; // already stopped
        throw err;
      }
    });
  }

  async removeContainer(id: string, opts: { force?: boolean } = {}): Promise<void> {
    const force = opts.force ?? false;
    await this.call('removeContainer', this.options.apiTimeoutMs, async (abortSignal) => {
      try {
        // v: anonymous volumes an image may declare go with the container (the state
        // directory is a bind mount and is never touched).
        await this.docker.getContainer(id).remove({ force, v: true, abortSignal });
      } catch (err) {
        if (dockerStatusOf(err) === 404) return; // already gone
        throw err;
      }
    });
  }

  async listOwnedContainers(): Promise<ContainerSummary[]> {
    const raw = await this.call('listOwnedContainers', this.options.apiTimeoutMs, (abortSignal) =>
      this.docker.listContainers({ all: true, filters: { label: [OWNER_FILTER] }, abortSignal }),
    );
    return raw.map(containerSummaryOf);
  }

  /**
   * Owned container events, in daemon order. Connecting is a normal call (deadline,
   * DockerError on failure); once connected the iteration simply ends when the stream
   * ends or breaks or `signal` aborts. Reconnecting is the caller's policy.
   */
  async *events(query: DockerEventsQuery): AsyncGenerator<DockerEvent, void, undefined> {
    if (query.signal.aborted) return;
    let stream: Readable;
    try {
      stream = await this.call('events.connect', this.options.apiTimeoutMs, async (signal) => {
        const options: Dockerode.GetEventsOptions & { abortSignal: AbortSignal } = {
          filters: { type: ['container'], label: [OWNER_FILTER], event: [...WATCHED_EVENT_ACTIONS] },
          // The deadline aborts a connect that gets no answer; once connected, only the caller's signal ends it.
          abortSignal: AbortSignal.any([signal, query.signal]),
        };
        if (query.since !== undefined) options.since = query.since;
        return (await this.docker.getEvents(options)) as Readable;
      });
    } catch (err) {
      if (query.signal.aborted) return;
      throw err;
    }
    if (query.signal.aborted) {
      // Aborted while connecting: the abort listener below would never fire.
      stream.destroy();
      return;
    }
    const close = () => stream.destroy();
    query.signal.addEventListener('abort', close, { once: true });
    try {
      const onMalformed = (line: string) => this.logger.warn({ line: line.slice(0, 500) }, 'docker events: undecodable line skipped');
      const lines = decodeNdjson(stream, onMalformed, parseEventLine);
      for await (const value of lines) {
        if (query.signal.aborted) return;
        const event = decodeDockerEvent(value);
        if (event) yield event;
      }
      if (!query.signal.aborted) this.logger.info('docker events stream ended');
    } catch (err) {
      if (!query.signal.aborted) this.logger.warn({ err }, 'docker events stream broke');
    } finally {
      query.signal.removeEventListener('abort', close);
      stream.destroy();
    }
  }

  async containerLogs(id: string, query: ContainerLogsQuery): Promise<AsyncIterable<readonly EngineLogLine[]>> {
    const statusCodes = { 200: true, 404: 'no such container', 501: 'log driver cannot be read', 500: 'server error' };
    return connectLogs(query.signal, () =>
      this.call('containerLogs', this.options.apiTimeoutMs, async (signal) => {
        try {
          // Not dockerode's logs(): it buffers a non-follow answer whole (and a Date `since` is JSON-encoded).
          // Once connected only the caller's signal ends the answer; the deadline covers the connect.
          const path = `/containers/${encodeURIComponent(id)}/logs`;
          return await dockerDial<Readable>(this.docker, { path, query: logsQueryOf(query), signal: AbortSignal.any([signal, query.signal]), statusCodes, stream: true });
        } catch (err) {
          if (dockerStatusOf(err) === 501) throw new DockerError('conflict', daemonMessageOf(err), 501);
          throw err;
        }
      }),
    );
  }

  async containerStats(id: string, opts: { oneShot: boolean }): Promise<ContainerStatsSample | null> {
    // stream=false waits for the daemon's next two collections (~1 s apart); one-shot for one.
    const raw = await this.call('containerStats', this.options.apiTimeoutMs + 2_000, async (signal) => {
      const query = { stream: '0', ...(opts.oneShot ? { 'one-shot': '1' } : {}) };
      try {
        return await dockerDial<RawContainerStats>(this.docker, { path: `/containers/${encodeURIComponent(id)}/stats`, query, signal, statusCodes: { 200: true, 404: 'no such container', 500: 'server error' } });
      } catch (err) {
        if (dockerStatusOf(err) === 404) return null;
        throw err;
      }
    });
    return raw === null ? null : containerStatsOf(raw);
  }

  async updateContainer(id: string, update: ContainerLimitsUpdate): Promise<void> {
    const body: Record<string, number> = {};
    if (update.cpus !== undefined) body.NanoCpus = Math.round(update.cpus * 1e9);
    // Swap stays equal to memory (no swap beyond the limit), as at create.
    if (update.memoryBytes !== undefined) body.Memory = body.MemorySwap = update.memoryBytes;
    if (update.pidsLimit !== undefined) body.PidsLimit = update.pidsLimit;
    const statusCodes = { 200: true, 400: 'bad parameter', 404: 'no such container', 500: 'server error' };
    await this.call('updateContainer', this.options.apiTimeoutMs, (signal) =>
      dockerDial(this.docker, { path: `/containers/${encodeURIComponent(id)}/update`, method: 'POST', body, signal, statusCodes }),
    );
  }

  /** One Docker call: a deadline that aborts the request, errors mapped; an outage drops the cached host resources. */
  private call<T>(method: string, timeoutMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return dockerCall(method, timeoutMs, work, () => {
      this.hostResourcesRead = null;
    });
  }

  private dial<T>(path: string, signal: AbortSignal, statusCodes: StatusCodes): Promise<T> {
    return dockerDial<T>(this.docker, { path, signal, statusCodes });
  }
}
