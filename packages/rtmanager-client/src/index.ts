// `@galaxy/rtmanager/client`: the typed REST client Game Master and Admin Service use to
// call RTM's internal API (CONTRACT §5). Built on the openapi-fetch client generated from
// api/internal-openapi.yaml; every call resolves to a result, never throws for an HTTP
// answer (a transport failure — RTM unreachable — still rejects, as fetch does).
import { createRtmApiClient, type RtmApiClient, type RtmCaller } from '../../generated/openapi/client.js';
import type { components } from '../../generated/openapi/types.js';
import { validateErrorEnvelope } from '../../generated/validators/index.js';

type Schemas = components['schemas'];
export type Runtime = Schemas['Runtime'];
export type RuntimeList = Schemas['RuntimeList'];
export type RuntimeStatus = Schemas['RuntimeStatus'];
export type HealthSnapshot = Schemas['HealthSnapshot'];
export type HealthEventType = Schemas['HealthEventType'];
export type MutationResponse = Schemas['MutationResponse'];
export type OperationList = Schemas['OperationList'];
export type OperationLogEntry = Schemas['OperationLogEntry'];
export type OpKind = Schemas['OpKind'];
export type OpSource = Schemas['OpSource'];
export type StopReason = Schemas['StopReason'];
export type ErrorEnvelope = Schemas['ErrorEnvelope'];
export type ErrorCode = Schemas['ErrorCode'];
export type ResultCode = Schemas['ResultCode'];
export type ReadyzResponse = Schemas['ReadyzResponse'];
export type { RtmApiClient, RtmCaller };

export interface RtmError {
  code: ErrorCode;
  message: string;
}

/** `ok: true` for a 2xx answer; otherwise the error envelope RTM answered. */
export type RtmResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; error: RtmError };

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
  listRuntimes(query?: ListRuntimesQuery): Promise<RtmResult<RuntimeList>>;
  getRuntime(gameId: string): Promise<RtmResult<Runtime>>;
  /** Newest first. */
  listOperations(gameId: string, options?: { limit?: number }): Promise<RtmResult<OperationList>>;
  start(gameId: string, imageRef: string): Promise<RtmResult<MutationResponse>>;
  stop(gameId: string, reason: StopReason): Promise<RtmResult<MutationResponse>>;
  restart(gameId: string): Promise<RtmResult<MutationResponse>>;
  patch(gameId: string, imageRef: string): Promise<RtmResult<MutationResponse>>;
  /** Removes a stopped game's container (never its state directory). */
  cleanup(gameId: string): Promise<RtmResult<MutationResponse>>;
  /** The underlying openapi-fetch client, for anything the methods above do not cover. */
  readonly raw: RtmApiClient;
}

/** What a non-envelope error answer (a proxy's 502 page, say) is reported as. */
function fallbackError(status: number): RtmError {
  const code: ErrorCode =
    status === 400
      ? 'invalid_request'
      : status === 401
        ? 'unauthorized'
        : status === 404
          ? 'not_found'
          : status === 409
            ? 'conflict'
            : status === 502 || status === 503 || status === 504
              ? 'service_unavailable'
              : 'internal_error';
  return { code, message: `HTTP ${status} without an RTM error envelope` };
}

async function settle<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<RtmResult<T>> {
  const { data, error, response } = await call;
  if (response.ok && data !== undefined) return { ok: true, status: response.status, data };
  if (!response.ok && validateErrorEnvelope(error)) return { ok: false, status: response.status, error: error.error };
  return { ok: false, status: response.status, error: fallbackError(response.status) };
}

export function createRtmClient(options: RtmClientOptions): RtmClient {
  const raw = createRtmApiClient(options);
  // RTM answers a mutation without the header with invalid_request; that answer is surfaced
  // as a result rather than refused here, so there is one source of truth for the rule.
  const header = { 'X-Galaxy-Caller': options.caller as RtmCaller };
  const path = (gameId: string) => ({ game_id: gameId });

  return {
    raw,
    listRuntimes: (query = {}) => settle(raw.GET('/api/v1/internal/runtimes', { params: { query } })),
    getRuntime: (gameId) => settle(raw.GET('/api/v1/internal/runtimes/{game_id}', { params: { path: path(gameId) } })),
    listOperations: (gameId, opts = {}) =>
      settle(raw.GET('/api/v1/internal/runtimes/{game_id}/operations', { params: { path: path(gameId), query: opts } })),
    start: (gameId, imageRef) =>
      settle(raw.POST('/api/v1/internal/runtimes/{game_id}/start', { params: { path: path(gameId), header }, body: { image_ref: imageRef } })),
    stop: (gameId, reason) =>
      settle(raw.POST('/api/v1/internal/runtimes/{game_id}/stop', { params: { path: path(gameId), header }, body: { reason } })),
    restart: (gameId) =>
      settle(raw.POST('/api/v1/internal/runtimes/{game_id}/restart', { params: { path: path(gameId), header }, body: {} })),
    patch: (gameId, imageRef) =>
      settle(raw.POST('/api/v1/internal/runtimes/{game_id}/patch', { params: { path: path(gameId), header }, body: { image_ref: imageRef } })),
    cleanup: (gameId) =>
      settle(raw.DELETE('/api/v1/internal/runtimes/{game_id}/container', { params: { path: path(gameId), header } })),
  };
}
