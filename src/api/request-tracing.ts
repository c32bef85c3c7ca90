// One server span per REST request (CONTRACT §10): opened in onRequest, closed when the
// response is sent (or the client goes away). Incoming W3C trace context is honoured so
// a caller's trace continues here, and handlers run their work inside the span so the
// service, store and Docker spans nest under it.
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest } from 'fastify';

export class RequestTracing {
  private readonly spans = new WeakMap<FastifyRequest, Span>();

  constructor(private readonly tracer: Tracer | undefined) {}

  start(request: FastifyRequest, attributes: { route: string | null; gameId: string | null }): void {
    if (!this.tracer) return;
    const parent = propagation.extract(context.active(), request.headers);
    const span = this.tracer.startSpan(
      `${request.method} ${attributes.route ?? 'unmatched route'}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.method': request.method,
          'http.route': attributes.route ?? '',
          ...(attributes.gameId !== null ? { game_id: attributes.gameId } : {}),
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
    span.setAttribute('http.status_code', reply.statusCode);
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

  inSpan<T>(request: FastifyRequest, work: () => Promise<T>): Promise<T> {
    const span = this.spans.get(request);
    if (!span) return work();
    return context.with(trace.setSpan(context.active(), span), work);
  }
}
