// `@galaxy/rtmanager-client`: the typed REST client Game Master and Admin Service use to
// call RTM's internal API (CONTRACT §5). Built on the openapi-fetch client generated from
// api/internal-openapi.yaml; every HTTP answer resolves to a result (settle-answer.ts); only
// a request without an answer (timeout, abort, RTM unreachable) rejects, with RtmTransportError.
import { createRtmApiClient, type RtmApiClient, type RtmCaller } from '../../../generated/openapi/client.js';
import type { RtmOperationName } from '../../../generated/openapi/operations.js';
import { withCallOptions, type RtmCallOptions } from './call-options.js';
import { tailEvents, type RtmTailEventsResult, type TailEventsQuery } from './events-tail.js';
import type { RtmOperationResult, RuntimeStatus, StopReason } from './rest-types.js';
import { settleAnswer } from './settle-answer.js';
import { logsQueryParams, openLogs, type LogsQuery, type RtmLogsResult } from './engine-logs.js';

export type * from './rest-types.js';
export type { RtmEventLine, RtmTailEventsResult, TailEventsQuery } from './events-tail.js';
export { isRtmTransportError, RtmTransportError, type RtmCallOptions, type RtmTransportErrorKind } from './call-options.js';
/** The contract's vocabularies as values (generated from the spec, the same lists the server uses). */
export { ERROR_CODES, GALAXY_CALLERS, HEALTH_EVENT_TYPES, RUNTIME_STATUSES, STOP_REASONS } from '../../../generated/vocabularies.js';
export type { RtmApiClient, RtmCaller };
export type { LogLine, LogsQuery, RtmLogsResult } from './engine-logs.js';

/** Live limits (CONTRACT §11): at least one; `memory` is a Docker size such as "768m". */
export interface LimitsUpdate {
  cpus?: number;
  memory?: string;
  pids_limit?: number;
}

export interface RtmClientOptions {
  /** e.g. `http://rtmanager:8090` (RTMANAGER_INTERNAL_HTTP_ADDR). */
  baseUrl: string;
  /** Needed when RTM runs with RTMANAGER_INTERNAL_API_TOKENS. */
  token?: string;
  /** Sent as X-Galaxy-Caller; required by RTM for start/stop/restart/patch/cleanup. */
  caller?: RtmCaller;
  fetch?: typeof fetch;
  /** Default deadline of every call (a call's own `timeoutMs` wins); none by default. */
  timeoutMs?: number;
  /** Aborts every call of this client (a process shutting down, a CLI's Ctrl-C), as well as each call's own `signal`. */
  signal?: AbortSignal;
}
export interface ListRuntimesQuery {
  status?: RuntimeStatus;
  /** 1..500, default 50. */
  limit?: number;
  /** `next_cursor` of the previous page. */
  cursor?: string;
}

export interface RtmClient {
  listRuntimes(query?: ListRuntimesQuery, call?: RtmCallOptions): Promise<RtmOperationResult<'internalListRuntimes'>>;
  getRuntime(gameId: string, call?: RtmCallOptions): Promise<RtmOperationResult<'internalGetRuntime'>>;
  /** Newest first. */
  listOperations(gameId: string, options?: { limit?: number }, call?: RtmCallOptions): Promise<RtmOperationResult<'internalListRuntimeOperations'>>;
  start(gameId: string, imageRef: string, call?: RtmCallOptions): Promise<RtmOperationResult<'internalStartRuntime'>>;
  stop(gameId: string, reason: StopReason, call?: RtmCallOptions): Promise<RtmOperationResult<'internalStopRuntime'>>;
  restart(gameId: string, call?: RtmCallOptions): Promise<RtmOperationResult<'internalRestartRuntime'>>;
  patch(gameId: string, imageRef: string, call?: RtmCallOptions): Promise<RtmOperationResult<'internalPatchRuntime'>>;
  /** Removes a stopped game's container (never its state directory). */
  cleanup(gameId: string, call?: RtmCallOptions): Promise<RtmOperationResult<'internalCleanupRuntimeContainer'>>;
  /**
   * The engine's output: on success `lines`, an async iterable read as fast as it is consumed
   * (with `follow`, until the engine stops, RTM shuts down or a signal aborts the call).
   */
  logs(gameId: string, query?: LogsQuery, call?: RtmCallOptions): Promise<RtmLogsResult>;
  /** One usage sample of a running engine (CPU, memory, pids, network, restarts, start time). */
  stats(gameId: string, call?: RtmCallOptions): Promise<RtmOperationResult<'internalGetRuntimeStats'>>;
  /** Changes CPU, memory or pids limits in place (no restart); kept by restart and patch. */
  updateLimits(gameId: string, limits: LimitsUpdate, call?: RtmCallOptions): Promise<RtmOperationResult<'internalUpdateRuntimeLimits'>>;
  /** Versions of RTM, PostgreSQL, Redis and Docker, and runtime counts by status. */
  diagnostics(call?: RtmCallOptions): Promise<RtmOperationResult<'internalGetDiagnostics'>>;
  /**
   * Follows `runtime:health_events` and `runtime:job_results` (GET /api/v1/internal/events):
   * `events` yields each entry as RTM sends it, until the answer ends (`max`), the signal
   * aborts (RtmTransportError `aborted`) or the connection breaks. `timeoutMs` bounds the
   * wait for the answer to start, not the follow.
   */
  tailEvents(query?: TailEventsQuery, call?: RtmCallOptions): Promise<RtmTailEventsResult>;
  healthz(call?: RtmCallOptions): Promise<RtmOperationResult<'internalHealthz'>>;
  /** Readiness is an answer either way: `ok: true` with status 200 (ready) or 503 (not ready). */
  readyz(call?: RtmCallOptions): Promise<RtmOperationResult<'internalReadyz'>>;
  /** The underlying openapi-fetch client, for anything the methods above do not cover. */
  readonly raw: RtmApiClient;
}

/** What every method passes to openapi-fetch: the body read as text (settleAnswer parses it) and the signal. */
type Init = { parseAs: 'text'; signal?: AbortSignal };
type Answer = Promise<{ response: Response; data?: unknown; error?: unknown }>;

export function createRtmClient(options: RtmClientOptions): RtmClient {
  const raw = createRtmApiClient(options);
  const defaults: RtmCallOptions = {
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.signal !== undefined ? { signal: options.signal } : {}),
  };
  // RTM answers a mutation without X-Galaxy-Caller with invalid_request; that answer is
  // surfaced as a result rather than refused here, so there is one source of truth for the rule.
  const path = (gameId: string) => ({ game_id: gameId });
  const send = <Op extends RtmOperationName>(op: Op, call: RtmCallOptions | undefined, request: (init: Init) => Answer) =>
    withCallOptions(op, defaults, call, async (signal) => {
      const { response, data, error } = await request({ parseAs: 'text', ...(signal ? { signal } : {}) });
      const text = response.ok ? data : error;
      return settleAnswer(op, response, typeof text === 'string' ? text : text === undefined ? '' : JSON.stringify(text));
    });

  return {
    raw,
    listRuntimes: (query = {}, call) => send('internalListRuntimes', call, (init) => raw.GET('/api/v1/internal/runtimes', { params: { query }, ...init })),
    getRuntime: (gameId, call) =>
      send('internalGetRuntime', call, (init) => raw.GET('/api/v1/internal/runtimes/{game_id}', { params: { path: path(gameId) }, ...init })),
    listOperations: (gameId, opts = {}, call) =>
      send('internalListRuntimeOperations', call, (init) =>
        raw.GET('/api/v1/internal/runtimes/{game_id}/operations', { params: { path: path(gameId), query: opts }, ...init }),
      ),
    start: (gameId, imageRef, call) =>
      send('internalStartRuntime', call, (init) =>
        raw.POST('/api/v1/internal/runtimes/{game_id}/start', { params: { path: path(gameId) }, body: { image_ref: imageRef }, ...init }),
      ),
    stop: (gameId, reason, call) =>
      send('internalStopRuntime', call, (init) => raw.POST('/api/v1/internal/runtimes/{game_id}/stop', { params: { path: path(gameId) }, body: { reason }, ...init })),
    restart: (gameId, call) =>
      send('internalRestartRuntime', call, (init) => raw.POST('/api/v1/internal/runtimes/{game_id}/restart', { params: { path: path(gameId) }, body: {}, ...init })),
    patch: (gameId, imageRef, call) =>
      send('internalPatchRuntime', call, (init) =>
        raw.POST('/api/v1/internal/runtimes/{game_id}/patch', { params: { path: path(gameId) }, body: { image_ref: imageRef }, ...init }),
      ),
    cleanup: (gameId, call) =>
      send('internalCleanupRuntimeContainer', call, (init) => raw.DELETE('/api/v1/internal/runtimes/{game_id}/container', { params: { path: path(gameId) }, ...init })),
    logs: (gameId, query = {}, call) =>
      openLogs(defaults, call, (signal) =>
        raw.GET('/api/v1/internal/runtimes/{game_id}/logs', { params: { path: path(gameId), query: logsQueryParams(query) }, parseAs: 'stream', signal }),
      ),
    stats: (gameId, call) => send('internalGetRuntimeStats', call, (init) => raw.GET('/api/v1/internal/runtimes/{game_id}/stats', { params: { path: path(gameId) }, ...init })),
    updateLimits: (gameId, limits, call) =>
      send('internalUpdateRuntimeLimits', call, (init) =>
        raw.POST('/api/v1/internal/runtimes/{game_id}/limits', { params: { path: path(gameId) }, body: limits, ...init }),
      ),
    diagnostics: (call) => send('internalGetDiagnostics', call, (init) => raw.GET('/api/v1/internal/diagnostics', init)),
    tailEvents: (query = {}, call) => tailEvents(raw, defaults, query, call),
    healthz: (call) => send('internalHealthz', call, (init) => raw.GET('/healthz', init)),
    readyz: (call) => send('internalReadyz', call, (init) => raw.GET('/readyz', init)),
  };
}
