// The Docker port's telemetry decorator: every call observed once under its operation label
// (metric) and, under an RTM span, an INTERNAL span named after the same label; failures
// counted and marked by the same reason; results and errors passed through unchanged.
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { DOCKER_OPERATIONS, ObservedDockerRuntime } from '../../../src/adapters/telemetry/observed-docker-runtime.decorator.js';
import { DockerError } from '../../../src/ports/docker-runtime.js';
import { FakeDockerRuntime } from '../../fakes/docker-runtime.fake.js';
import { FakeMetrics } from '../../fakes/misc.fake.js';
import { inMemoryTracing } from './in-memory-tracing.js';

// Registered globally: the decorator finds the caller's span and nests under it.
const { exporter, tracer, underParent } = inMemoryTracing();

function observed() {
  const docker = new FakeDockerRuntime();
  const metrics = new FakeMetrics();
  let clock = 0;
  const runtime = new ObservedDockerRuntime(docker, metrics, tracer, () => (clock += 250));
  return { docker, metrics, runtime };
}

describe('ObservedDockerRuntime: metrics', () => {
  it('observes a successful call under its operation label with its duration, and returns its result', async () => {
    const { docker, metrics, runtime } = observed();
    docker.addImage('galaxy/game:1.0.0', { a: 'b' });
    expect(await runtime.inspectImage('galaxy/game:1.0.0')).toMatchObject({ labels: { a: 'b' } });
    expect(await runtime.inspectImage('galaxy/missing:1')).toBeNull();
    expect(metrics.dockerCalls).toEqual([
      { operation: 'image_inspect', seconds: 0.25, errorReason: null },
      { operation: 'image_inspect', seconds: 0.25, errorReason: null },
    ]);
  });

  it('counts a failure by the DockerError kind (unavailable for an unreachable daemon) and rethrows the same error', async () => {
    const { docker, metrics, runtime } = observed();
    const refused = new DockerError('conflict', 'name in use');
    docker.failOn.createContainer = refused;
    await expect(runtime.createContainer({ name: 'galaxy-game-g1' } as never)).rejects.toBe(refused);
    docker.down = true;
    await expect(runtime.ping()).rejects.toMatchObject({ name: 'DependencyUnavailable', dependency: 'docker' });
    docker.down = false;
    docker.failOn.listOwnedContainers = new Error('bug');
    await expect(runtime.listOwnedContainers()).rejects.toThrow('bug');
    expect(metrics.dockerCalls.map((c) => [c.operation, c.errorReason])).toEqual([
      ['container_create', 'conflict'],
      ['ping', 'unavailable'],
      ['container_list', 'other'],
    ]);
  });

  it('labels each port method once; the pull keeps the label the alert rules exclude', () => {
    const labels = Object.values(DOCKER_OPERATIONS);
    expect(new Set(labels).size).toBe(labels.length);
    expect(DOCKER_OPERATIONS.pullImage).toBe('pull');
  });
});

describe('ObservedDockerRuntime: spans', () => {
  it('under an RTM span each call is an INTERNAL child span named docker.<operation label>, with the call attributes', async () => {
    const { docker, runtime } = observed();
    docker.addImage('galaxy/game:1.0.0');
    await underParent(async () => {
      const id = await runtime.createContainer({ name: 'galaxy-game-g1', image: 'galaxy/game:1.0.0' } as never);
      await runtime.startContainer(id);
      await runtime.stopContainer(id, 2.5);
      await runtime.removeContainer(id, { force: true });
      await runtime.networkExists('galaxy-net');
    });
    const spans = exporter.getFinishedSpans();
    const parent = spans.find((s) => s.name === 'parent');
    const calls = spans.filter((s) => s.name !== 'parent');
    expect(calls.map((s) => s.name)).toEqual(['docker.container_create', 'docker.container_start', 'docker.container_stop', 'docker.container_remove', 'docker.network_inspect']);
    for (const s of calls) {
      expect(s.kind).toBe(SpanKind.INTERNAL);
      expect(s.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
      expect(s.status.code).toBe(SpanStatusCode.UNSET);
    }
    expect(calls[0]?.attributes).toEqual({ 'container.name': 'galaxy-game-g1', 'container.image.name': 'galaxy/game:1.0.0' });
    expect(calls[2]?.attributes).toMatchObject({ 'docker.stop_timeout_s': 3 });
    expect(calls[3]?.attributes).toMatchObject({ 'docker.force': true });
    expect(calls[4]?.attributes).toEqual({ 'network.name': 'galaxy-net' });
    // Every span name is the metric's operation label, prefixed.
    expect(calls.map((s) => s.name.slice('docker.'.length)).every((label) => (Object.values(DOCKER_OPERATIONS) as string[]).includes(label))).toBe(true);
  });

  it('a failed call marks its span ERROR with docker.error_kind = the metric reason and the exception', async () => {
    const { docker, metrics, runtime } = observed();
    docker.failOn.startContainer = new DockerError('not_found', 'no such container');
    await underParent(() => runtime.startContainer('c-missing').catch(() => undefined));
    const span = exporter.getFinishedSpans().find((s) => s.name === 'docker.container_start');
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'no such container' });
    expect(span?.attributes).toMatchObject({ 'container.id': 'c-missing', 'docker.error_kind': 'not_found' });
    expect(span?.events.map((e) => e.name)).toEqual(['exception']);
    expect(metrics.dockerCalls.map((c) => c.errorReason)).toEqual(['not_found']);
  });

  it('a 404 the port answers as null is no error', async () => {
    const { runtime } = observed();
    await underParent(() => runtime.inspectContainer('c-missing'));
    expect(exporter.getFinishedSpans().find((s) => s.name === 'docker.container_inspect')?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('without an active span (periodic inspects, readiness pings) no span is made, yet the call is measured', async () => {
    const { metrics, runtime } = observed();
    await runtime.ping();
    await runtime.listOwnedContainers();
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(metrics.dockerCalls.map((c) => c.operation)).toEqual(['ping', 'container_list']);
  });

  it('the inner call runs inside its span: what it starts nests under docker.<operation>', async () => {
    const { docker, runtime } = observed();
    const inspect = docker.inspectContainer.bind(docker);
    docker.inspectContainer = async (id) => {
      tracer.startSpan('GET', { kind: SpanKind.CLIENT }).end();
      return inspect(id);
    };
    await underParent(() => runtime.inspectContainer('c1'));
    const spans = exporter.getFinishedSpans();
    const internal = spans.find((s) => s.name === 'docker.container_inspect');
    expect(spans.find((s) => s.name === 'GET')?.parentSpanContext?.spanId).toBe(internal?.spanContext().spanId);
  });
});
