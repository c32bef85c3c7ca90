import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { otlpTracesUrl, rtmTracer, startTracing, tracingResourceAttributes, withSpan } from '../../../src/adapters/telemetry/tracing.js';
import { eventually } from '../../support/test-env.js';

const silent = pino({ level: 'silent' });

interface Received {
  path: string;
  body: Buffer;
}

/** A stand-in OTLP/HTTP collector that records what it receives. */
async function startCollector(): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body: Buffer.concat(chunks) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('withSpan', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('test');
  afterEach(() => exporter.reset());

  it('wraps a job in a span with its attributes and returns its value', async () => {
    const value = await withSpan(tracer, 'start_jobs process', { game_id: 'g1', job_id: '1-0' }, async (span) => {
      span.setAttribute('outcome', 'success');
      return 42;
    });

    expect(value).toBe(42);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('start_jobs process');
    expect(span?.attributes).toMatchObject({ game_id: 'g1', job_id: '1-0', outcome: 'success' });
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('records a thrown error on the span, ends it and rethrows', async () => {
    await expect(
      withSpan(tracer, 'stop_jobs process', {}, async () => {
        throw new Error('redis unreachable');
      }),
    ).rejects.toThrow('redis unreachable');

    const [span] = exporter.getFinishedSpans();
    expect(span?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'redis unreachable' });
    expect(span?.events.map((e) => e.name)).toContain('exception');
  });
});

const IDENTITY = { serviceName: 'rtmanager', serviceVersion: '1.2.3', instanceId: 'rtm-a', extraResourceAttributes: {} };

/** The resource attributes of an OTLP/HTTP JSON export, as key -> string value. */
function exportedResource(body: Buffer): Record<string, string> {
  const parsed = JSON.parse(body.toString('utf8')) as { resourceSpans: Array<{ resource: { attributes: Array<{ key: string; value: { stringValue?: string } }> } }> };
  return Object.fromEntries((parsed.resourceSpans[0]?.resource.attributes ?? []).map((a) => [a.key, a.value.stringValue ?? '']));
}

describe('trace resource', () => {
  it('names the service, its version and instance; the operator\'s attributes are added, never replace those', () => {
    const attributes = tracingResourceAttributes({
      ...IDENTITY,
      extraResourceAttributes: { 'deployment.environment.name': 'prod', 'service.instance.id': 'from-env', 'service.name': 'other' },
    });
    expect(attributes).toEqual({ 'deployment.environment.name': 'prod', 'service.name': 'rtmanager', 'service.version': '1.2.3', 'service.instance.id': 'rtm-a' });
  });

  it('is what the exporter sends', async () => {
    const collector = await startCollector();
    try {
      const handle = startTracing({ otlpEndpoint: collector.url, ...IDENTITY, extraResourceAttributes: { 'deployment.environment.name': 'staging eu' } }, silent);
      await withSpan(rtmTracer(), 'resource-probe', {}, async () => {});
      await handle.shutdown();
      const request = await eventually(() => collector.received[0]);
      expect(exportedResource(request.body)).toMatchObject({
        'service.name': 'rtmanager',
        'service.version': '1.2.3',
        'service.instance.id': 'rtm-a',
        'deployment.environment.name': 'staging eu',
      });
    } finally {
      await collector.close();
    }
  });
});

describe('startTracing', () => {
  it('exports spans over OTLP/HTTP to the configured endpoint and unregisters on shutdown', async () => {
    const collector = await startCollector();
    try {
      const handle = startTracing({ otlpEndpoint: collector.url, ...IDENTITY, serviceName: 'rtmanager-test' }, silent);
      await withSpan(rtmTracer(), 'traced-job-xyz', { game_id: 'g-traced' }, async (span) => {
        expect(span.isRecording()).toBe(true);
      });
      await handle.shutdown(); // flushes the batch processor

      const request = await eventually(() => collector.received[0]);
      expect(request.path).toBe('/v1/traces');
      const body = request.body.toString('latin1');
      expect(body).toContain('traced-job-xyz');
      expect(body).toContain('rtmanager-test');

      // After shutdown the global API is a no-op again.
      await withSpan(rtmTracer(), 'after-shutdown', {}, async (span) => {
        expect(span.isRecording()).toBe(false);
      });
      await handle.shutdown();
    } finally {
      await collector.close();
    }
  });

  it('registers nothing without an endpoint', async () => {
    const handle = startTracing({ otlpEndpoint: null, ...IDENTITY }, silent);
    const span = trace.getTracer('probe').startSpan('x');
    expect(span.isRecording()).toBe(false);
    span.end();
    await handle.shutdown();
  });

  it('appends /v1/traces to a base endpoint only', () => {
    expect(otlpTracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(otlpTracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(otlpTracesUrl('http://collector:4318/v1/traces')).toBe('http://collector:4318/v1/traces');
  });
});
