// The internal REST listener (CONTRACT §5) as a fastify instance, not yet listening: the
// composition root calls listen(). Every operation of the ts-rest contract generated from
// api/internal-openapi.yaml, plus /metrics. Request order: trace span and log bindings ->
// bearer token (401) -> body parsing (400) -> guard: game_id, caller, query, body (400)
// -> handler. Decisions: docs/examples.md "REST API behaviour notes".
import type { AppRoute } from '@ts-rest/core';
import { initServer } from '@ts-rest/fastify';
import type { Tracer } from '@opentelemetry/api';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { rtmInternalContract, type RtmOperationId, type RtmRouteMetadata } from '../../generated/openapi/contract.js';
import type { DiagnosticsReport } from '../ports/diagnostics.js';
import type { ReadinessReport } from '../ports/readiness-check.js';
import { isValidGameId } from '../domain/game-id.js';
import type { OpKind } from '../domain/operation.js';
import type { HealthSnapshotStore } from '../ports/health-snapshot.store.js';
import type { OperationLogStore } from '../ports/operation-log.store.js';
import type { RuntimeRecordStore } from '../ports/runtime-record.store.js';
import { BearerTokens } from './bearer-auth.js';
import { InvalidRequestError, handleUnexpectedError, sendError } from './error-envelope.js';
import { createInternalApiRouter, type InternalApiServices } from './internal-api.router.js';
import { guardInternalRequest, type ValidatedRequest } from './internal-request.guard.js';
import { RequestTracing } from './request-tracing.js';

export type { InternalApiServices } from './internal-api.router.js';

export interface InternalHttpServerDeps {
  logger: Logger;
  services: InternalApiServices;
  records: RuntimeRecordStore;
  operations: OperationLogStore;
  snapshots: HealthSnapshotStore;
  /** RTMANAGER_INTERNAL_API_TOKENS; empty = the internal API is open. */
  apiTokens: readonly string[];
  readiness: () => Promise<ReadinessReport>;
  diagnostics: () => Promise<DiagnosticsReport>;
  metrics: { render(): Promise<{ contentType: string; body: string }> };
  tracer?: Tracer;
  /** Largest accepted request body; the API's bodies are tiny. Default 64 KiB. */
  bodyLimitBytes?: number;
}

/** The prefix CONTRACT §5 protects with bearer tokens (also for paths that match no route). */
const PROTECTED_PREFIX = '/api/v1/internal';
/** Polled by orchestrators and scrapers every few seconds: logged only when something is wrong. */
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

const OP_KIND_BY_OPERATION: Partial<Record<RtmOperationId, OpKind>> = {
  internalStartRuntime: 'start',
  internalStopRuntime: 'stop',
  internalRestartRuntime: 'restart',
  internalPatchRuntime: 'patch',
  internalCleanupRuntimeContainer: 'cleanup_container',
};

function routeMetadata(request: FastifyRequest): RtmRouteMetadata | undefined {
  const config = request.routeOptions.config as { tsRestRoute?: AppRoute } | undefined;
  return config?.tsRestRoute?.metadata as RtmRouteMetadata | undefined;
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function buildInternalHttpServer(deps: InternalHttpServerDeps): FastifyInstance {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: deps.bodyLimitBytes ?? 64 * 1024,
    // Long ids must reach the guard (400 invalid_request), not fall out of routing as 404.
    routerOptions: { maxParamLength: 512 },
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

  const tokens = new BearerTokens(deps.apiTokens);
  const tracing = new RequestTracing(deps.tracer);
  const validatedByRequest = new WeakMap<FastifyRequest, ValidatedRequest>();
  let closing = false;

  // JSON only; an empty body counts as no body (`curl -X POST .../restart` with a JSON
  // content type and nothing else). Any other content type is rejected by fastify (415,
  // answered as invalid_request).
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

  app.addHook('onRoute', (route) => {
    if (QUIET_ROUTES.has(route.url)) route.logLevel = 'warn';
  });

  app.addHook('preClose', async () => {
    closing = true;
  });

  app.addHook('onRequest', async (request, reply) => {
    const meta = routeMetadata(request);
    const rawGameId = (request.params as Record<string, unknown> | undefined)?.game_id;
    const gameId = isValidGameId(rawGameId) ? rawGameId : null;
    const opKind = meta ? OP_KIND_BY_OPERATION[meta.operationId] : undefined;
    if (gameId !== null || opKind !== undefined) {
      const child = request.log.child({ ...(gameId !== null ? { game_id: gameId } : {}), ...(opKind ? { op_kind: opKind } : {}) });
      request.log = child;
      reply.log = child;
    }
    tracing.start(request, { route: request.routeOptions.url ?? null, gameId });

    if (closing) {
      reply.header('connection', 'close');
      return sendError(reply, 'service_unavailable', 'shutting down');
    }
    const needsToken = meta ? meta.bearerAuth : pathOf(request.url).startsWith(PROTECTED_PREFIX);
    if (tokens.enabled && needsToken && !tokens.accepts(request.headers.authorization)) {
      request.log.info('rejected request: missing or unknown bearer token');
      reply.header('www-authenticate', 'Bearer');
      return sendError(reply, 'unauthorized', 'a valid bearer token is required (Authorization: Bearer <token>)');
    }
  });

  app.addHook('preHandler', async (request, reply) => {
    const meta = routeMetadata(request);
    if (!meta) return;
    const result = guardInternalRequest(meta, {
      params: request.params,
      query: request.query,
      body: request.body,
      headers: request.headers,
    });
    if (!result.ok) {
      request.log.info({ reason: result.message }, 'rejected request');
      return sendError(reply, 'invalid_request', result.message);
    }
    validatedByRequest.set(request, result.value);
  });

  app.addHook('onResponse', async (request, reply) => {
    tracing.end(request, reply);
  });
  app.addHook('onRequestAbort', async (request) => {
    tracing.aborted(request);
  });

  // ts-rest's registerRouter installs its own error handler (which re-sends every
  // non-validation error). Registered in a child context it sits below ours instead of
  // replacing it: what it re-sends bubbles up to this root handler, the one place faults
  // become envelopes.
  app.setErrorHandler(handleUnexpectedError);
  app.setNotFoundHandler((_request: FastifyRequest, reply: FastifyReply) => {
    void sendError(reply, 'not_found', 'no such endpoint (see api/internal-openapi.yaml)');
  });

  const router = createInternalApiRouter({
    services: deps.services,
    records: deps.records,
    operations: deps.operations,
    snapshots: deps.snapshots,
    readiness: deps.readiness,
    diagnostics: deps.diagnostics,
    validated: (request) => {
      const v = validatedByRequest.get(request);
      // The preHandler hook runs for every contract route; a miss is a wiring bug.
      if (!v) throw new Error(`request ${request.id} reached a handler without validation`);
      return v;
    },
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
