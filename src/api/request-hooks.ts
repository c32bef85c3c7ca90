// The request hooks of the internal REST listener, in request order: log bindings and the
// trace span, refusal while closing, bearer token (401) -> [body parsing] -> the guard
// (400; handlers then read validated params, query, headers and body) -> one log line
// per response, query string redacted.
import type { AppRoute } from '@ts-rest/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RtmOperationId, RtmRouteMetadata } from '../../generated/openapi/contract.js';
import { isValidGameId } from '../domain/game-id.js';
import type { OpKind } from '../domain/operation.js';
import type { BearerTokens } from './bearer-auth.js';
import { sendError } from './error-envelope.js';
import { guardInternalRequest } from './internal-request.guard.js';
import { redactedUrl } from './request-logging.js';
import type { RequestTracing } from './request-tracing.js';

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

/**
 * Adds bindings to the request's logger. fastify's request logger is already a child of
 * its own (reqId) and pino can extend it in place; a second child per request is the
 * fallback for a logger without setBindings.
 */
function bindRequestLog(request: FastifyRequest, bindings: Record<string, string>): void {
  const log = request.log;
  if ('setBindings' in log && typeof log.setBindings === 'function') {
    log.setBindings(bindings);
    return;
  }
  request.log = log.child(bindings);
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function registerRequestHooks(app: FastifyInstance, deps: { tokens: BearerTokens; tracing: RequestTracing }): void {
  const { tokens, tracing } = deps;
  let closing = false;
  app.addHook('onRoute', (route) => {
    if (QUIET_ROUTES.has(route.url)) route.logLevel = 'warn';
  });
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    const meta = routeMetadata(request);
    bindRequestContext(request, meta, tracing);
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
  app.addHook('preHandler', guardRequest);
  app.addHook('onResponse', async (request, reply) => {
    tracing.end(request, reply);
    logCompleted(request, reply);
  });
  app.addHook('onRequestAbort', async (request) => {
    tracing.aborted(request);
  });
}

/** game_id and op_kind on the request's log lines, and the request span. */
function bindRequestContext(request: FastifyRequest, meta: RtmRouteMetadata | undefined, tracing: RequestTracing): void {
  const rawGameId = (request.params as Record<string, unknown> | undefined)?.game_id;
  const gameId = isValidGameId(rawGameId) ? rawGameId : null;
  const opKind = meta ? OP_KIND_BY_OPERATION[meta.operationId] : undefined;
  if (gameId !== null || opKind !== undefined) bindRequestLog(request, { ...(gameId !== null ? { game_id: gameId } : {}), ...(opKind ? { op_kind: opKind } : {}) });
  tracing.start(request, { route: request.routeOptions.url ?? null, gameId });
}

async function guardRequest(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const meta = routeMetadata(request);
  if (!meta) return undefined;
  const result = guardInternalRequest(meta, { params: request.params, query: request.query, body: request.body, headers: request.headers });
  if (!result.ok) {
    request.log.info({ reason: result.message }, 'rejected request');
    return sendError(reply, 'invalid_request', result.message);
  }
  // Handlers get these through ts-rest, in the contract's types.
  request.query = result.value.query;
  request.body = result.value.body;
  return undefined;
}

/**
 * Successful reads are the bulk of the traffic (polled by Game Master) and change
 * nothing: debug. Mutations and every refusal or fault: info.
 */
function logCompleted(request: FastifyRequest, reply: FastifyReply): void {
  const level = request.method === 'GET' && reply.statusCode < 400 ? 'debug' : 'info';
  // The hottest path of the API: nothing is built for a line that is not written.
  const log = request.log as FastifyRequest['log'] & { isLevelEnabled?: (level: string) => boolean };
  if (log.isLevelEnabled && !log.isLevelEnabled(level)) return;
  const req = { method: request.method, url: redactedUrl(request.url), remoteAddress: request.ip };
  request.log[level]({ req, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime }, 'request completed');
}
