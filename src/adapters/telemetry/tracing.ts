// OpenTelemetry tracing (CONTRACT §10). With an OTLP endpoint configured, a NodeTracerProvider
// exporting over OTLP/HTTP is registered as the global provider, so REST, stream and Docker
// spans created through @opentelemetry/api are exported. Without one, nothing is registered
// and the API stays a no-op (spans cost almost nothing).
//
// The SDK and the OTLP exporter (protobufjs, semantic conventions...) are loaded only when
// tracing is on: loaded eagerly they cost ~18 MB of RSS and ~150 ms of every cold start
// (npm run bench, docs/benchmark.md). Synchronously, with require (they are CommonJS), so
// startTracing stays synchronous and no span of the first milliseconds is lost.
import { createRequire } from 'node:module';
import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type * as OtlpHttp from '@opentelemetry/exporter-trace-otlp-http';
import type * as Resources from '@opentelemetry/resources';
import type * as TraceBase from '@opentelemetry/sdk-trace-base';
import type * as TraceNode from '@opentelemetry/sdk-trace-node';
import type { Logger } from 'pino';

const requireSdk = createRequire(import.meta.url);

/** Instrumentation scope name of every span RTM creates. */
export const RTM_TRACER_NAME = 'rtmanager';

export interface TracingSettings {
  /** Collector base URL (e.g. http://otel-collector:4318) or a full .../v1/traces URL; null = off. */
  otlpEndpoint: string | null;
  serviceName: string;
  serviceVersion: string;
  /** RTMANAGER_INSTANCE_ID: tells the instances' traces apart. */
  instanceId: string;
  /** OTEL_RESOURCE_ATTRIBUTES, decoded (deployment.environment.name, host.name, ...). */
  extraResourceAttributes: Record<string, string>;
}

/**
 * The trace resource: the operator's OTEL_RESOURCE_ATTRIBUTES, then RTM's own identity,
 * which wins (service.instance.id is also the instance's name among the instances).
 */
export function tracingResourceAttributes(settings: Omit<TracingSettings, 'otlpEndpoint'>): Record<string, string> {
  return {
    ...settings.extraResourceAttributes,
    'service.name': settings.serviceName,
    'service.version': settings.serviceVersion,
    'service.instance.id': settings.instanceId,
  };
}

export interface TracingHandle {
  /** Flush pending spans and unregister the global provider. Safe to call twice. */
  shutdown(): Promise<void>;
}

/** The collector's traces URL: the OTLP/HTTP convention appends /v1/traces to a base URL. */
export function otlpTracesUrl(endpoint: string): string {
  const trimmed = endpoint.replace(/\/+$/, '');
  return trimmed.endsWith('/v1/traces') ? trimmed : `${trimmed}/v1/traces`;
}

export function startTracing(settings: TracingSettings, logger: Logger): TracingHandle {
  if (settings.otlpEndpoint === null) {
    logger.debug('tracing disabled: no OTLP endpoint configured');
    return { shutdown: async () => {} };
  }
  const url = otlpTracesUrl(settings.otlpEndpoint);
  const { OTLPTraceExporter } = requireSdk('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttp;
  const { resourceFromAttributes } = requireSdk('@opentelemetry/resources') as typeof Resources;
  const { BatchSpanProcessor } = requireSdk('@opentelemetry/sdk-trace-base') as typeof TraceBase;
  const { NodeTracerProvider } = requireSdk('@opentelemetry/sdk-trace-node') as typeof TraceNode;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes(tracingResourceAttributes(settings)),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }))],
  });
  provider.register();
  logger.info({ otlp_traces_url: url, resource: tracingResourceAttributes(settings) }, 'tracing enabled');

  let done: Promise<void> | null = null;
  return {
    shutdown() {
      done ??= (async () => {
        try {
          await provider.shutdown();
        } catch (err) {
          // Losing the last spans must not fail the process shutdown.
          logger.warn({ err }, 'tracing: flushing spans on shutdown failed');
        } finally {
          trace.disable();
          context.disable();
          propagation.disable();
        }
      })();
      return done;
    },
  };
}

/** The tracer RTM code uses (the global one: a no-op until startTracing registers a provider). */
export function rtmTracer(): Tracer {
  return trace.getTracer(RTM_TRACER_NAME);
}

/**
 * Run `fn` inside an active span: the span ends when `fn` settles, and a thrown error is
 * recorded and marks the span as an error (then rethrown). Expected failures returned as
 * results are the caller's to annotate on the span it receives.
 */
export async function withSpan<T>(
  tracer: Tracer,
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
  kind: SpanKind = SpanKind.INTERNAL,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes, kind }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}
