// The one telemetry decorator of the DockerRuntime port: every call is measured for the
// Metrics port and, under an RTM span, is an INTERNAL span of its own, both named by the
// call's `operation` label (docs/observability.md):
//   rtmanager_docker_api_request_duration_seconds{operation} (its _count counts calls),
//   rtmanager_docker_api_errors_total{operation,reason}, reason = `unavailable` (no answer),
//   the DockerError kind the daemon refused with, or `other`;
//   span `docker.<operation>`, kind INTERNAL, around the HTTP CLIENT span of the request
//   itself (instrumentation-http, when tracing is on), `docker.error_kind` = the reason.
// Calls without an active span (periodic inspects, readiness pings) make no span. The events
// stream is long-lived: its connection state and reconnects are reported by the events worker
// (rtmanager_docker_events_*), and it is not a span. The Docker adapter carries no telemetry.
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Tracer } from '@opentelemetry/api';
import type { ContainerSpec } from '../../domain/container-spec.js';
import {
  DockerError,
  type ContainerLimitsUpdate,
  type ContainerLogsQuery,
  type DockerEvent,
  type DockerEventsQuery,
  type DockerRuntime,
  type EngineLogLine,
} from '../../ports/docker-runtime.js';
import { isDependencyUnavailable } from '../../ports/infrastructure-fault.js';
import type { Metrics } from '../../ports/metrics.js';
import { rtmTracer } from './tracing.js';

/** The `operation` label of each call, and the name of its span (`docker.<operation>`). */
export const DOCKER_OPERATIONS = {
  ping: 'ping',
  networkExists: 'network_inspect',
  inspectImage: 'image_inspect',
  pullImage: 'pull',
  createContainer: 'container_create',
  replaceContainer: 'container_replace',
  startContainer: 'container_start',
  inspectContainer: 'container_inspect',
  stopContainer: 'container_stop',
  removeContainer: 'container_remove',
  listOwnedContainers: 'container_list',
  hostResources: 'info',
  containerLogs: 'container_logs',
  containerStats: 'container_stats',
  updateContainer: 'container_update',
} as const satisfies Partial<Record<keyof DockerRuntime, string>>;

type Method = keyof typeof DOCKER_OPERATIONS;

export function dockerSpanName(method: Method): string {
  return `docker.${DOCKER_OPERATIONS[method]}`;
}

/** Why a call failed, as the metric's `reason` label and the span's `docker.error_kind`. */
export function dockerFailureReason(err: unknown): string {
  return isDependencyUnavailable(err, 'docker') ? 'unavailable' : err instanceof DockerError ? err.kind : 'other';
}

export class ObservedDockerRuntime implements DockerRuntime {
  constructor(
    private readonly inner: DockerRuntime,
    private readonly metrics: Pick<Metrics, 'dockerCallCompleted'>,
    private readonly tracer: Tracer = rtmTracer(),
    private readonly now: () => number = () => performance.now(),
  ) {}

  ping(): Promise<void> {
    return this.observe('ping', {}, () => this.inner.ping());
  }
  networkExists(name: string): Promise<boolean> {
    return this.observe('networkExists', { 'network.name': name }, () => this.inner.networkExists(name));
  }
  inspectImage(ref: string) {
    return this.observe('inspectImage', { 'container.image.name': ref }, () => this.inner.inspectImage(ref));
  }
  pullImage(ref: string): Promise<void> {
    return this.observe('pullImage', { 'container.image.name': ref }, () => this.inner.pullImage(ref));
  }
  createContainer(spec: ContainerSpec): Promise<string> {
    return this.observe('createContainer', { 'container.name': spec.name, 'container.image.name': spec.image }, () => this.inner.createContainer(spec));
  }
  replaceContainer(existingId: string, spec: ContainerSpec): Promise<string> {
    const attributes = { 'container.id': existingId, 'container.name': spec.name, 'container.image.name': spec.image };
    return this.observe('replaceContainer', attributes, () => this.inner.replaceContainer(existingId, spec));
  }
  startContainer(id: string): Promise<string> {
    return this.observe('startContainer', { 'container.id': id }, () => this.inner.startContainer(id));
  }
  inspectContainer(idOrName: string) {
    return this.observe('inspectContainer', { 'container.id': idOrName }, () => this.inner.inspectContainer(idOrName));
  }
  stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    const attributes = { 'container.id': id, 'docker.stop_timeout_s': Math.max(0, Math.ceil(timeoutSeconds)) };
    return this.observe('stopContainer', attributes, () => this.inner.stopContainer(id, timeoutSeconds));
  }
  removeContainer(id: string, opts?: { force?: boolean }): Promise<void> {
    return this.observe('removeContainer', { 'container.id': id, 'docker.force': opts?.force ?? false }, () => this.inner.removeContainer(id, opts));
  }
  listOwnedContainers() {
    return this.observe('listOwnedContainers', {}, () => this.inner.listOwnedContainers());
  }
  /** The adapter caches the answer: only calls that reach the daemon are slow, all are counted. */
  hostResources() {
    return this.observe('hostResources', {}, () => this.inner.hostResources());
  }
  events(query: DockerEventsQuery): AsyncIterable<DockerEvent> {
    return this.inner.events(query);
  }
  /** Measures the connect (the answer's headers); the lines are read at the caller's pace, unmeasured. */
  containerLogs(id: string, query: ContainerLogsQuery): Promise<AsyncIterable<readonly EngineLogLine[]>> {
    return this.observe('containerLogs', { 'container.id': id, 'docker.logs.follow': query.follow }, () => this.inner.containerLogs(id, query));
  }
  containerStats(id: string, opts: { oneShot: boolean }) {
    return this.observe('containerStats', { 'container.id': id, 'docker.stats.one_shot': opts.oneShot }, () => this.inner.containerStats(id, opts));
  }
  updateContainer(id: string, update: ContainerLimitsUpdate): Promise<void> {
    return this.observe('updateContainer', { 'container.id': id }, () => this.inner.updateContainer(id, update));
  }

  private async observe<T>(method: Method, attributes: Attributes, call: () => Promise<T>): Promise<T> {
    const started = this.now();
    // Only under an RTM span: background calls would each be a trace of their own.
    const span = trace.getActiveSpan() ? this.tracer.startSpan(dockerSpanName(method), { kind: SpanKind.INTERNAL, attributes }) : undefined;
    let reason: string | null = null;
    try {
      return await (span ? context.with(trace.setSpan(context.active(), span), call) : call());
    } catch (err) {
      reason = dockerFailureReason(err);
      if (span) {
        span.setAttribute('docker.error_kind', reason);
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      }
      throw err;
    } finally {
      span?.end();
      this.metrics.dockerCallCompleted(DOCKER_OPERATIONS[method], (this.now() - started) / 1000, reason);
    }
  }
}
