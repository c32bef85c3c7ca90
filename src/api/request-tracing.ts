// The REST request's span (CONTRACT §10), current HTTP semantic conventions. With tracing on,
// @opentelemetry/instrumentation-http opens the SERVER span and @fastify/otel nests the
// request and handler spans under it (src/adapters/telemetry/instrumentation.ts): this class
// only adds `game_id` to that server span. Without that instrumentation (an RTM embedded in a
// test with a tracer of its own) it opens the SERVER span itself, honouring W3C trace context.
import { createRequire } from 'node:module';
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type * as Core from '@opentelemetry/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GAME_ID_ATTRIBUTE } from '../ports/span-vocabulary.js';

const requireCore = createRequire(import.meta.url);

/**
 * The HTTP SERVER span of the request being handled, when @opentelemetry/instrumentation-http
 * made one (tracing on): it leaves it in the context's RPC metadata (@opentelemetry/core's
 * public getRPCMetadata). @opentelemetry/core is loaded only then: with no active span there
 * is nothing to look up.
 */
function activeHttpServerSpan(): Span | undefined {
  const ctx = context.active();
  if (!trace.getSpan(ctx)) return undefined;
  const { getRPCMetadata } = requireCore('@opentelemetry/core') as typeof Core;
  return getRPCMetadata(ctx)?.span;
}

export class RequestTracing {
  /** Spans this class opened (and must end); an instrumentation's server span is not among them. */
  private readonly spans = new WeakMap<FastifyRequest, Span>();

  constructor(private readonly tracer: Tracer | undefined) {}

  start(request: FastifyRequest, attributes: { route: string | null; gameId: string | null }): void {
    const gameId = attributes.gameId !== null ? { [GAME_ID_ATTRIBUTE]: attributes.gameId } : {};
    const instrumented = activeHttpServerSpan();
    if (instrumented) {
      instrumented.setAttributes(gameId);
      return;
    }
    if (!this.tracer) return;
    const parent = propagation.extract(context.active(), request.headers);
    const span = this.tracer.startSpan(
      `${request.method} ${attributes.route ?? 'unmatched route'}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?')[0] ?? request.url,
          ...(attributes.route !== null ? { 'http.route': attributes.route } : {}),
          ...gameId,
        },
      },
      parent,
    );
    this.spans.set(request, span);
  }

  end(request: FastifyRequest, reply: FastifyReply): void {
    const span = this.spans.get(request);
    if (!span) return;
    this.spans.delete(request);
    span.setAttribute('http.response.status_code', reply.statusCode);
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${reply.statusCode}` });
    span.end();
  }

  aborted(request: FastifyRequest): void {
    const span = this.spans.get(request);
    if (!span) return;
    this.spans.delete(request);
    span.setStatus({ code: SpanStatusCode.ERROR, message: 'client closed the connection' });
    span.end();
  }

  /** Runs the handler's work in the request's span (an instrumented request already is). */
  inSpan<T>(request: FastifyRequest, work: () => Promise<T>): Promise<T> {
    const span = this.spans.get(request);
    if (!span) return work();
    return context.with(trace.setSpan(context.active(), span), work);
  }
}
