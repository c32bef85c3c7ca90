// Request spans, request logs with game_id / op_kind, quiet probes, and the envelope
// while shutting down.
import { context, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { succeeded } from '../../src/domain/operation-result.js';
import { createApiHarness } from './support/api-harness.js';

const BASE = '/api/v1/internal/runtimes';
const GM = { 'x-galaxy-caller': 'game_master' };

describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('test');

  beforeAll(() => {
    // The async context manager makes spans started inside a handler nest under the request span.
    provider.register({ propagator: new W3CTraceContextPropagator() });
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it('one server span per request with method, route, status and game_id; service work nests under it', async () => {
    exporter.reset();
    let activeInService: string | undefined;
    const a = createApiHarness({
      tracer,
      services: {
        stop: {
          execute: async () => {
            activeInService = trace.getActiveSpan()?.spanContext().spanId;
            tracer.startSpan('inner docker call').end();
            return succeeded(null, true);
          },
        },
      },
    });
    await a.call('internalStopRuntime', { method: 'POST', url: `${BASE}/g1/stop`, headers: GM, payload: { reason: 'finished' } });
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'POST /api/v1/internal/runtimes/:game_id/stop');
    expect(server, spans.map((s) => s.name).join(', ')).toBeDefined();
    expect(server!.attributes).toMatchObject({
      'http.request.method': 'POST',
      'url.path': '/api/v1/internal/runtimes/g1/stop',
      'http.route': '/api/v1/internal/runtimes/:game_id/stop',
      'http.response.status_code': 200,
      game_id: 'g1',
    });
    expect(activeInService).toBe(server!.spanContext().spanId);
    const inner = spans.find((s) => s.name === 'inner docker call');
    expect(inner?.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);
  });

  it('rejected and failed requests get spans too (5xx marked as error); no game_id for an invalid one', async () => {
    exporter.reset();
    const a = createApiHarness({ tracer, tokens: ['t'] });
    await a.call('internalGetRuntime', { method: 'GET', url: `${BASE}/g1` });
    await a.call('internalGetRuntime', { method: 'GET', url: `${BASE}/BAD`, headers: { authorization: 'Bearer t' } });
    a.records.get = async () => {
      throw new Error('bug');
    };
    await a.call('internalGetRuntime', { method: 'GET', url: `${BASE}/g2`, headers: { authorization: 'Bearer t' } });
    await a.call(null, { method: 'GET', url: '/nowhere' });
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => [s.attributes['http.response.status_code'], s.attributes.game_id ?? null, s.status.code])).toEqual([
      [401, 'g1', 0],
      [400, null, 0],
      [500, 'g2', 2],
      [404, null, 0],
    ]);
    expect(spans[3]!.name).toBe('GET unmatched route');
  });

  it('continues the caller trace from a traceparent header', async () => {
    exporter.reset();
    const a = createApiHarness({ tracer });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await a.call('internalHealthz', { method: 'GET', url: '/healthz', headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    const [span] = exporter.getFinishedSpans();
    expect(span?.spanContext().traceId).toBe(traceId);
    expect(span?.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
  });
});

describe('logs', () => {
  it('request logs of a mutation carry game_id and op_kind', async () => {
    const a = createApiHarness();
    a.docker.addImage('galaxy/game:1.0.0');
    await a.call('internalStartRuntime', { method: 'POST', url: `${BASE}/g7/start`, headers: GM, payload: { image_ref: 'galaxy/game:1.0.0' } });
    const completed = a.logs.lines.find((l) => l.msg === 'request completed');
    expect(completed).toMatchObject({ game_id: 'g7', op_kind: 'start' });
  });

  it('reads carry game_id, cleanup carries op_kind cleanup_container', async () => {
    const a = createApiHarness();
    await a.call('internalGetRuntime', { method: 'GET', url: `${BASE}/g8` });
    await a.call('internalCleanupRuntimeContainer', { method: 'DELETE', url: `${BASE}/g9/container`, headers: GM });
    const completed = a.logs.lines.filter((l) => l.msg === 'request completed');
    expect(completed.map((l) => [l.game_id, l.op_kind ?? null])).toEqual([
      ['g8', null],
      ['g9', 'cleanup_container'],
    ]);
  });

  it('a rejected request says why in the log', async () => {
    const a = createApiHarness();
    await a.call('internalStartRuntime', { method: 'POST', url: `${BASE}/g1/start`, headers: GM, payload: { image: 'x' } });
    expect(a.logs.lines.find((l) => l.msg === 'rejected request')).toMatchObject({ game_id: 'g1', op_kind: 'start', reason: expect.stringContaining('unknown field "image"') });
  });

  it('probes and metrics are not logged per request', async () => {
    const a = createApiHarness();
    await a.call('internalHealthz', { method: 'GET', url: '/healthz' });
    await a.call('internalReadyz', { method: 'GET', url: '/readyz' });
    await a.app.inject({ method: 'GET', url: '/metrics' });
    expect(a.logs.lines.filter((l) => l.msg === 'incoming request' || l.msg === 'request completed')).toEqual([]);
  });
});

/** One request on its own connection (no keep-alive), so closing the server never waits on an idle socket. */
function httpCall(port: number, method: string, path: string, body?: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: { 'x-galaxy-caller': 'game_master', ...(body ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('shutdown', () => {
  it('once closing has begun, new requests get the service_unavailable envelope; in-flight ones finish', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const a = createApiHarness({
      services: {
        stop: {
          execute: async () => {
            await gate;
            return succeeded(null, true);
          },
        },
      },
    });
    // A later preClose hook (another component draining) holds the listener open for a while.
    let preCloseEntered!: () => void;
    const entered = new Promise<void>((r) => (preCloseEntered = r));
    let finishDraining!: () => void;
    const draining = new Promise<void>((r) => (finishDraining = r));
    a.app.addHook('preClose', async () => {
      preCloseEntered();
      await draining;
    });
    await a.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = a.app.server.address() as AddressInfo;

    const inFlight = httpCall(port, 'POST', `${BASE}/g1/stop`, '{"reason":"finished"}');
    while (a.serviceCalls.length === 0) await new Promise((r) => setImmediate(r));
    const closed = a.app.close();
    await entered;

    const late = await httpCall(port, 'GET', `${BASE}/g1`);
    expect(late.status).toBe(503);
    expect(late.headers.connection).toBe('close');
    expect(JSON.parse(late.body)).toEqual({ error: { code: 'service_unavailable', message: 'shutting down' } });

    release();
    finishDraining();
    const done = await inFlight;
    expect([done.status, JSON.parse(done.body)]).toEqual([200, { runtime: null, error_code: 'replay_no_op' }]);
    await closed;
  });
});
