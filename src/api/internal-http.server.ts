// The internal REST listener (CONTRACT §5) as a fastify instance, not yet listening: the
// composition root calls listen(). Every operation of the ts-rest contract generated from
// api/internal-openapi.yaml, plus /metrics. Request order (request-hooks.ts): trace span
// and log bindings -> bearer token (401) -> body parsing (400) -> guard: game_id, caller,
// query, body (400) -> handler. Errors of routing and of the HTTP parser answer the
// envelope too (error-envelope.ts). Decisions: docs/examples.md "REST API behaviour notes".
import { initServer } from '@ts-rest/fastify';
import type { Tracer } from '@opentelemetry/api';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { rtmInternalContract } from '../../generated/openapi/contract.js';
import type { DiagnosticsReport } from '../ports/diagnostics.js';
import type { ReadinessReport } from '../ports/readiness-check.js';
import type { HealthSnapshotStore } from '../ports/health-snapshot.store.js';
import type { Metrics } from '../ports/metrics.js';
import type { OperationLogStore } from '../ports/operation-log.store.js';
import type { RuntimeReadStore } from '../ports/runtime-read.store.js';
import { BearerTokens } from './bearer-auth.js';
import { InvalidRequestError, handleFrameworkError, handleHttpParserError, handleUnexpectedError, sendError } from './error-envelope.js';
import { createInternalApiRouter, type InternalApiRouterDeps, type InternalApiServices } from './internal-api.router.js';
import type { EngineOutputServices } from './engine-output.routes.js';
import { registerHttpMetrics } from './http-metrics.hook.js';
import { registerRequestHooks } from './request-hooks.js';
import { RequestTracing } from './request-tracing.js';

export type { InternalApiServices } from './internal-api.router.js';

export interface InternalHttpServerDeps {
  logger: Logger;
  services: InternalApiServices;
  /** Logs and stats; the server ends followed log answers itself when it closes. */
  engineOutput: Omit<EngineOutputServices, 'shutdown'>;
  /** Records with their latest health, for the list and get reads. */
  reads: RuntimeReadStore;
  operations: OperationLogStore;
  snapshots: HealthSnapshotStore;
  /** RTMANAGER_INTERNAL_API_TOKENS; empty = the internal API is open. */
  apiTokens: readonly string[];
  readiness: () => Promise<ReadinessReport>;
  diagnostics: () => Promise<DiagnosticsReport>;
  metrics: { render(): Promise<{ contentType: string; body: string }> };
  /** Observes every answered request (rtmanager_http_request_duration_seconds); none when absent. */
  httpMetrics?: Pick<Metrics, 'httpRequestCompleted'>;
  tracer?: Tracer;
  /** Largest accepted request body; the API's bodies are tiny. Default 64 KiB. */
  bodyLimitBytes?: number;
  /** GET /api/v1/internal/events (runtime-events.feed.ts). */
  events: InternalApiRouterDeps['events'];
}

/** Fastify with RTM's settings: the contract's limits and errors, RTM's own request logs. */
function createFastify(deps: InternalHttpServerDeps): FastifyInstance {
  return Fastify({
    loggerInstance: deps.logger,
    bodyLimit: deps.bodyLimitBytes ?? 64 * 1024,
    // Long ids must reach the guard (400 invalid_request); longer ones are refused by
    // routing (frameworkErrors), with the same code.
    routerOptions: { maxParamLength: 512 },
    frameworkErrors: handleFrameworkError,
    clientErrorHandler: handleHttpParserError,
    // fastify's request lines log the raw URL (query strings included): RTM logs its own.
    // (Through a log controller: the top-level disableRequestLogging is deprecated, FSTDEP023.)
    logController: new LogController({ disableRequestLogging: true }),
    // While closing, fastify would answer its own non-envelope 503; we answer ours (below).
    return503OnClosing: false,
    // Replacing an error handler in the same scope is a startup error, not a silent swap.
    allowErrorHandlerOverride: false,
    // Bodies are checked by the generated validators (guard); should a fastify schema ever
    // be attached, it must reject unknown fields and wrong types, not strip or coerce them.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    // Typed with pino's Logger, the instance is not assignable to the plain FastifyInstance
    // the composition root and @ts-rest/fastify expect; the logger is pino either way.
  }) as unknown as FastifyInstance;
}

export function buildInternalHttpServer(deps: InternalHttpServerDeps): FastifyInstance {
  const app = createFastify(deps);
  if (deps.httpMetrics) registerHttpMetrics(app, deps.httpMetrics);

  const tracing = new RequestTracing(deps.tracer);

  registerJsonBodyParser(app);
  registerRequestHooks(app, { tokens: new BearerTokens(deps.apiTokens), tracing });

  // ts-rest's registerRouter installs its own error handler (which re-sends every
  // non-validation error). Registered in a child context it sits below ours instead of
  // replacing it: what it re-sends bubbles up to this root handler, the one place faults
  // become envelopes.
  app.setErrorHandler(handleUnexpectedError);
  app.setNotFoundHandler((_request: FastifyRequest, reply: FastifyReply) => {
    void sendError(reply, 'not_found', 'no such endpoint (see api/internal-openapi.yaml)');
  });

  // fastify's close waits for open answers: followed log answers must end first.
  const closing = new AbortController();
  app.addHook('preClose', (done) => {
    closing.abort();
    done();
  });
  // Open events answers never end by themselves: closing the server ends them first.
  const openStreams = new Set<AbortController>();
  app.addHook('preClose', async () => {
    for (const controller of openStreams) controller.abort();
  });
  const router = createInternalApiRouter({
    events: deps.events,
    openStreams,
    services: deps.services,
    engineOutput: { ...deps.engineOutput, shutdown: closing.signal },
    reads: deps.reads,
    operations: deps.operations,
    snapshots: deps.snapshots,
    readiness: deps.readiness,
    diagnostics: deps.diagnostics,
    inRequestSpan: (request, work) => tracing.inSpan(request, work),
  });
  app.register(async (child) => {
    initServer().registerRouter(rtmInternalContract, router, child, { logInitialization: false });
  });

  // Not part of the OpenAPI contract (Prometheus text, not JSON).
  app.get('/metrics', async (_request, reply) => {
    const rendered = await deps.metrics.render();
    return reply.type(rendered.contentType).send(rendered.body);
  });

  return app;
}

/**
 * JSON only; an empty body counts as no body (`curl -X POST .../restart` with a JSON
 * content type and nothing else). Any other content type is rejected by fastify (415,
 * answered as invalid_request).
 */
function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new InvalidRequestError('request body is not valid JSON'), undefined);
    }
  });

}
