// `@galaxy/rtmanager-client`: the typed REST client Game Master and Admin Service use to
// call RTM's internal API (CONTRACT §5). Built on the openapi-fetch client generated from
// api/internal-openapi.yaml; every call resolves to a result, never throws for an HTTP
// answer (a transport failure — RTM unreachable — still rejects, as fetch does).
import { createRtmApiClient, type RtmApiClient, type RtmCaller } from '../../../generated/openapi/client.js';
import { RTM_OPERATIONS, type RtmOperationName } from '../../../generated/openapi/operations.js';
import { validateErrorEnvelope } from '../../../generated/validators/index.js';
import type { RtmOperationResult, RuntimeStatus, StopReason } from './rest-types.js';

export type * from './rest-types.js';
/** The contract's vocabularies as values (generated from the spec, the same lists the server uses). */
export { ERROR_CODES, GALAXY_CALLERS, HEALTH_EVENT_TYPES, RUNTIME_STATUSES, STOP_REASONS } from '../../../generated/vocabularies.js';
export type { RtmApiClient, RtmCaller };

export interface RtmClientOptions {
  /** e.g. `http://rtmanager:8080` (RTMANAGER_INTERNAL_HTTP_ADDR). */
  baseUrl: string;
  /** Needed when RTM runs with RTMANAGER_INTERNAL_API_TOKENS. */
  token?: string;
  /** Sent as X-Galaxy-Caller; required by RTM for start/stop/restart/patch/cleanup. */
  caller?: RtmCaller;
  fetch?: typeof fetch;
}

export interface ListRuntimesQuery {
  status?: RuntimeStatus;
  /** 1..500, default 50. */
  limit?: number;
  /** `next_cursor` of the previous page. */
  cursor?: string;
}

export interface RtmClient {
  listRuntimes(query?: ListRuntimesQuery): Promise<RtmOperationResult<'internalListRuntimes'>>;
  getRuntime(gameId: string): Promise<RtmOperationResult<'internalGetRuntime'>>;
  /** Newest first. */
  listOperations(gameId: string, options?: { limit?: number }): Promise<RtmOperationResult<'internalListRuntimeOperations'>>;
  start(gameId: string, imageRef: string): Promise<RtmOperationResult<'internalStartRuntime'>>;
  stop(gameId: string, reason: StopReason): Promise<RtmOperationResult<'internalStopRuntime'>>;
  restart(gameId: string): Promise<RtmOperationResult<'internalRestartRuntime'>>;
  patch(gameId: string, imageRef: string): Promise<RtmOperationResult<'internalPatchRuntime'>>;
  /** Removes a stopped game's container (never its state directory). */
  cleanup(gameId: string): Promise<RtmOperationResult<'internalCleanupRuntimeContainer'>>;
  /** Versions of RTM, PostgreSQL, Redis and Docker, and runtime counts by status. */
  diagnostics(): Promise<RtmOperationResult<'internalGetDiagnostics'>>;
  healthz(): Promise<RtmOperationResult<'internalHealthz'>>;
  /** Readiness is an answer either way: `ok: true` with status 200 (ready) or 503 (not ready). */
  readyz(): Promise<RtmOperationResult<'internalReadyz'>>;
  /** The underlying openapi-fetch client, for anything the methods above do not cover. */
  readonly raw: RtmApiClient;
}

/** An answer the spec does not list for the operation: gateway statuses blame the path to RTM, the rest RTM. */
function unexpected(status: number, message: string) {
  return { ok: false as const, status, error: { code: status >= 502 && status <= 504 ? ('service_unavailable' as const) : ('internal_error' as const), message } };
}

/** Checks an answer against what the spec lists for the operation. */
async function settle<Op extends RtmOperationName>(
  op: Op,
  call: Promise<{ data?: unknown; error?: unknown; response: Response }>,
): Promise<RtmOperationResult<Op>> {
  const { data, error, response } = await call;
  const { status } = response;
  const table = RTM_OPERATIONS[op];
  const body = response.ok ? data : error;
  type Result = RtmOperationResult<Op>;
  if (table.data.includes(status) && typeof body === 'object' && body !== null) return { ok: true, status, data: body } as Result;
  const listed = table.errors[status] ?? [];
  if (!response.ok && validateErrorEnvelope(error)) {
    if (listed.includes(error.error.code)) return { ok: false, status, error: error.error } as Result;
    return unexpected(status, `HTTP ${status} ${error.error.code} is not an answer the spec lists for ${op}: ${error.error.message}`) as Result;
  }
  // No envelope (a proxy's page): the spec's first code for that status, if it lists one.
  const message = `HTTP ${status} without an RTM error envelope`;
  const code = listed[0];
  if (!response.ok && code !== undefined) return { ok: false, status, error: { code, message } } as Result;
  return unexpected(status, message) as Result;
}

export function createRtmClient(options: RtmClientOptions): RtmClient {
  const raw = createRtmApiClient(options);
  // RTM answers a mutation without X-Galaxy-Caller with invalid_request; that answer is
  // surfaced as a result rather than refused here, so there is one source of truth for the rule.
  const path = (gameId: string) => ({ game_id: gameId });

  return {
    raw,
    listRuntimes: (query = {}) => settle('internalListRuntimes', raw.GET('/api/v1/internal/runtimes', { params: { query } })),
    getRuntime: (gameId) => settle('internalGetRuntime', raw.GET('/api/v1/internal/runtimes/{game_id}', { params: { path: path(gameId) } })),
    listOperations: (gameId, opts = {}) =>
      settle(
        'internalListRuntimeOperations',
        raw.GET('/api/v1/internal/runtimes/{game_id}/operations', { params: { path: path(gameId), query: opts } }),
      ),
    start: (gameId, imageRef) =>
      settle('internalStartRuntime', raw.POST('/api/v1/internal/runtimes/{game_id}/start', { params: { path: path(gameId) }, body: { image_ref: imageRef } })),
    stop: (gameId, reason) =>
      settle('internalStopRuntime', raw.POST('/api/v1/internal/runtimes/{game_id}/stop', { params: { path: path(gameId) }, body: { reason } })),
    restart: (gameId) =>
      settle('internalRestartRuntime', raw.POST('/api/v1/internal/runtimes/{game_id}/restart', { params: { path: path(gameId) }, body: {} })),
    patch: (gameId, imageRef) =>
      settle('internalPatchRuntime', raw.POST('/api/v1/internal/runtimes/{game_id}/patch', { params: { path: path(gameId) }, body: { image_ref: imageRef } })),
    cleanup: (gameId) =>
      settle('internalCleanupRuntimeContainer', raw.DELETE('/api/v1/internal/runtimes/{game_id}/container', { params: { path: path(gameId) } })),
    diagnostics: () => settle('internalGetDiagnostics', raw.GET('/api/v1/internal/diagnostics')),
    healthz: () => settle('internalHealthz', raw.GET('/healthz')),
    readyz: () => settle('internalReadyz', raw.GET('/readyz')),
  };
}
