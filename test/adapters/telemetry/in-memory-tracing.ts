// One in-memory tracer provider per test file, registered globally (with the async context
// manager, so spans nest across awaits) for the file's duration and reset before each test.
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export interface InMemoryTracing {
  exporter: InMemorySpanExporter;
  provider: NodeTracerProvider;
  tracer: Tracer;
  /** Runs `fn` under a parent span named `parent`, as a REST request or a stream job does. */
  underParent<T>(fn: () => Promise<T>): Promise<T>;
}


export function inMemoryTracing(): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('test');
  beforeAll(() => {
    provider.register();
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });
  beforeEach(() => exporter.reset());
  const underParent = <T>(fn: () => Promise<T>): Promise<T> =>
    tracer.startActiveSpan('parent', async (parent) => {
      try {
        return await fn();
      } finally {
        parent.end();
      }
    });
  return { exporter, provider, tracer, underParent };
}
