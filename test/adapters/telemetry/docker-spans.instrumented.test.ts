// Issue 23: Docker spans are INTERNAL around the HTTP CLIENT span of the request itself.
// The real adapter under its telemetry decorator, against the real daemon, with the HTTP
// instrumentation RTM registers when tracing is on (src/adapters/telemetry/instrumentation.ts)
// and an in-memory exporter: each port call is `docker.<operation>` (the metric's label),
// kind INTERNAL, and docker-modem's HTTP request is a CLIENT span inside it.
import { createRequire } from 'node:module';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DockerRuntime } from '../../../src/ports/docker-runtime.js';
import { FakeMetrics } from '../../fakes/misc.fake.js';
import { TEST_DOCKER_HOST, testGameId } from '../../support/test-env.js';
import { inMemoryTracing } from './in-memory-tracing.js';

const { exporter, provider, tracer, underParent } = inMemoryTracing();
let disableInstrumentation: () => void = () => undefined;
let runtime: DockerRuntime;

beforeAll(async () => {
  disableInstrumentation = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new HttpInstrumentation({ requireParentforOutgoingSpans: true })],
  });
  // Core modules are patched when required after the instrumentation is enabled; docker-modem
  // reads `http.request` from the same module object at call time.
  createRequire(import.meta.url)('node:http');
  // Imported now, so nothing of dockerode was loaded before the instrumentation.
  const { createDockerClient, DockerodeRuntime } = await import('../../../src/adapters/docker/docker-runtime.adapter.js');
  const { ObservedDockerRuntime } = await import('../../../src/adapters/telemetry/observed-docker-runtime.decorator.js');
  const adapter = new DockerodeRuntime(createDockerClient(TEST_DOCKER_HOST), { apiTimeoutMs: 15_000, pullTimeoutMs: 30_000, logger: pino({ level: 'silent' }) });
  runtime = new ObservedDockerRuntime(adapter, new FakeMetrics(), tracer);
});

afterAll(() => {
  disableInstrumentation();
});

const childrenOf = (spans: readonly ReadableSpan[], parent: ReadableSpan | undefined) => spans.filter((s) => parent !== undefined && s.parentSpanContext?.spanId === parent.spanContext().spanId);

describe('Docker spans around the HTTP client span (real daemon, instrumentation-http)', () => {
  it('each call: INTERNAL docker.<operation> under the caller, one HTTP CLIENT span inside it', async () => {
    await underParent(async () => {
      await runtime.ping();
      await runtime.listOwnedContainers();
      // A 404 the port answers as null: no error on the INTERNAL span; the CLIENT span says 404.
      expect(await runtime.inspectContainer(`galaxy-game-${testGameId('perf19-nospan')}`)).toBeNull();
    });
    const spans = exporter.getFinishedSpans();
    const parent = spans.find((s) => s.name === 'parent');
    const internal = childrenOf(spans, parent);
    expect(internal.map((s) => [s.name, s.kind])).toEqual([
      ['docker.ping', SpanKind.INTERNAL],
      ['docker.container_list', SpanKind.INTERNAL],
      ['docker.container_inspect', SpanKind.INTERNAL],
    ]);
    for (const call of internal) {
      const http = childrenOf(spans, call);
      expect(http.map((s) => s.kind), `${call.name}: ${spans.map((s) => s.name).join(', ')}`).toEqual([SpanKind.CLIENT]);
      expect(http[0]?.attributes['http.request.method'] ?? http[0]?.attributes['http.method']).toBe('GET');
      expect(call.status.code).toBe(SpanStatusCode.UNSET);
    }
    const inspectHttp = childrenOf(spans, internal[2])[0];
    expect(inspectHttp?.attributes['http.response.status_code'] ?? inspectHttp?.attributes['http.status_code']).toBe(404);
  });

  it('a refused call: the INTERNAL span is the error (docker.error_kind), the CLIENT span carries the status', async () => {
    await underParent(() => runtime.startContainer(`galaxy-game-${testGameId('perf19-nospan')}`).catch(() => undefined));
    const spans = exporter.getFinishedSpans();
    const start = spans.find((s) => s.name === 'docker.container_start');
    expect(start?.kind).toBe(SpanKind.INTERNAL);
    expect(start?.status.code).toBe(SpanStatusCode.ERROR);
    expect(start?.attributes['docker.error_kind']).toBe('not_found');
    const http = childrenOf(spans, start);
    expect(http.map((s) => s.kind)).toEqual([SpanKind.CLIENT]);
    expect(http[0]?.attributes['http.response.status_code'] ?? http[0]?.attributes['http.status_code']).toBe(404);
  });

  it('no caller span: neither the INTERNAL nor the HTTP span is made', async () => {
    await runtime.ping();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
