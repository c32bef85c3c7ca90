// Handlers of every operation of the internal REST contract (CONTRACT §5), typed by the
// generated ts-rest contract. Requests reach them authorised and validated: the guard
// (internal-request.guard.ts) leaves params, query (coerced, defaults applied), headers
// and body in the contract's types, so handlers read them as given. Store faults are not
// caught here: they reach the root error handler, the one place that maps faults to codes.
import { Readable } from 'node:stream';
import { initServer } from '@ts-rest/fastify';
import type { FastifyRequest } from 'fastify';
import { rtmInternalContract, type RtmInternalContract } from '../../generated/openapi/contract.js';
import type { components } from '../../generated/openapi/types.js';
import { HTTP_STATUS_BY_ERROR_CODE, isErrorCode, type ErrorCode } from '../domain/error-codes.js';
import type { OperationResult } from '../domain/operation-result.js';
import type { DiagnosticsReport } from '../ports/diagnostics.js';
import type { ReadinessReport } from '../ports/readiness-check.js';
import type { HealthSnapshotStore } from '../ports/health-snapshot.store.js';
import type { OperationLogStore } from '../ports/operation-log.store.js';
import type { RuntimeReadStore } from '../ports/runtime-read.store.js';
import type { CleanupContainerInput } from '../services/cleanup/cleanup-container.service.js';
import type { PatchRuntimeInput } from '../services/patch/patch-runtime.service.js';
import type { RestartRuntimeInput } from '../services/restart/restart-runtime.service.js';
import type { StartRuntimeInput } from '../services/start/start-runtime.service.js';
import type { StopRuntimeInput } from '../services/stop/stop-runtime.service.js';
import type { UpdateLimitsInput } from '../services/limits/update-limits.service.js';
import { engineOutputRoutes, type EngineOutputServices } from './engine-output.routes.js';
import { errorAnswer, publicMessage, renderedJsonBody } from './contract-answers.js';
import { opSourceOf } from './internal-request.guard.js';
import type { TailQuery } from './runtime-events.feed.js';
import { decodeCursor, encodeCursor, operationView, readyzView, runtimeListJson, runtimeView } from './runtime-view.js';

/** What the REST edge needs of each lifecycle service (the real classes satisfy it). */
export interface InternalApiServices {
  start: { execute(input: StartRuntimeInput): Promise<OperationResult> };
  stop: { execute(input: StopRuntimeInput): Promise<OperationResult> };
  restart: { execute(input: RestartRuntimeInput): Promise<OperationResult> };
  patch: { execute(input: PatchRuntimeInput): Promise<OperationResult> };
  cleanup: { execute(input: CleanupContainerInput): Promise<OperationResult> };
  limits: { execute(input: UpdateLimitsInput): Promise<OperationResult> };
}

export interface InternalApiRouterDeps {
  services: InternalApiServices;
  /** Logs and stats of the engines (reads that talk to Docker). */
  engineOutput: EngineOutputServices;
  reads: RuntimeReadStore;
  operations: OperationLogStore;
  snapshots: HealthSnapshotStore;
  readiness: () => Promise<ReadinessReport>;
  /** Versions and counts for operators (rtmctl diagnostics); rejects on a store fault. */
  diagnostics: () => Promise<DiagnosticsReport>;
  /** Runs a handler's work inside the request's trace span, so service/Docker spans nest under it. */
  inRequestSpan: <T>(request: FastifyRequest, work: () => Promise<T>) => Promise<T>;
  /** GET /events: the NDJSON lines from `query` on, until the signal aborts (runtime-events.feed.ts). */
  events: { open(query: TailQuery, signal: AbortSignal): Promise<AsyncIterable<string>> };
  /** One controller per open events answer; the server aborts them all when it closes. */
  openStreams: Set<AbortController>;
}

type Runtime = components['schemas']['Runtime'];
type RuntimeList = components['schemas']['RuntimeList'];

type MutationId =
  | 'internalStartRuntime'
  | 'internalStopRuntime'
  | 'internalRestartRuntime'
  | 'internalPatchRuntime'
  | 'internalCleanupRuntimeContainer'
  | 'internalUpdateRuntimeLimits';

// Stateless: ts-rest's typed identity helpers (route/router), no server state.
const s = initServer();
const c = rtmInternalContract;

export function createInternalApiRouter(deps: InternalApiRouterDeps) {
  return s.router(c, { ...readRoutes(deps), ...engineOutputRoutes(deps.engineOutput), ...mutationRoutes(deps), ...probeRoutes(deps), ...eventRoutes(deps) });
}

function readRoutes(deps: InternalApiRouterDeps) {
  return {
    internalListRuntimes: s.route(c.internalListRuntimes, async ({ query, reply }) => {
      let afterGameId: string | undefined;
      if (query.cursor !== undefined) {
        const decoded = decodeCursor(query.cursor);
        if (decoded === null) return errorAnswer(c.internalListRuntimes, 'invalid_request', 'cursor is not one this API issued');
        afterGameId = decoded;
      }
      // One extra row tells whether another page exists.
      const rows = await deps.reads.list({
        limit: query.limit + 1,
        ...(query.status !== undefined ? { status: query.status } : {}),
        ...(afterGameId !== undefined ? { afterGameId } : {}),
      });
      const page = rows.slice(0, query.limit);
      const last = page[page.length - 1];
      const nextCursor = rows.length > query.limit && last ? encodeCursor(last.gameId) : null;
      return { status: 200, body: renderedJsonBody<RuntimeList>(reply, runtimeListJson(page.map((r) => r.json), nextCursor)) };
    }),

    internalGetRuntime: s.route(c.internalGetRuntime, async ({ params, reply }) => {
      const found = await deps.reads.get(params.game_id);
      if (found === null) return errorAnswer(c.internalGetRuntime, 'not_found', `no runtime record for game ${params.game_id}`);
      return { status: 200, body: renderedJsonBody<Runtime>(reply, found) };
    }),

    // A game without a record answers 200 with what the log holds (a failed first start
    // leaves rows but no record), possibly an empty list.
    internalListRuntimeOperations: s.route(c.internalListRuntimeOperations, async ({ params, query }) => {
      const rows = await deps.operations.listByGame(params.game_id, query.limit);
      return { status: 200, body: { items: rows.map(operationView) } };
    }),
  };
}

function mutationRoutes(deps: InternalApiRouterDeps) {
  /** Runs a lifecycle operation in the request's span and answers its Result. */
  const mutate = async <K extends MutationId>(route: RtmInternalContract[K], request: FastifyRequest, run: () => Promise<OperationResult>) =>
    mutationAnswer(deps, route, request, await deps.inRequestSpan(request, run));
  const { services } = deps;
  return {
    internalStartRuntime: s.route(c.internalStartRuntime, async ({ params, headers, body, request }) =>
      mutate(c.internalStartRuntime, request, () =>
        services.start.execute({ gameId: params.game_id, imageRef: body.image_ref, opSource: opSourceOf(headers['x-galaxy-caller']) }),
      ),
    ),
    internalStopRuntime: s.route(c.internalStopRuntime, async ({ params, headers, body, request }) =>
      mutate(c.internalStopRuntime, request, () =>
        services.stop.execute({ gameId: params.game_id, reason: body.reason, opSource: opSourceOf(headers['x-galaxy-caller']) }),
      ),
    ),
    internalRestartRuntime: s.route(c.internalRestartRuntime, async ({ params, headers, request }) =>
      mutate(c.internalRestartRuntime, request, () => services.restart.execute({ gameId: params.game_id, opSource: opSourceOf(headers['x-galaxy-caller']) })),
    ),
    internalPatchRuntime: s.route(c.internalPatchRuntime, async ({ params, headers, body, request }) =>
      mutate(c.internalPatchRuntime, request, () =>
        services.patch.execute({ gameId: params.game_id, imageRef: body.image_ref, opSource: opSourceOf(headers['x-galaxy-caller']) }),
      ),
    ),
    internalCleanupRuntimeContainer: s.route(c.internalCleanupRuntimeContainer, async ({ params, headers, request }) =>
      mutate(c.internalCleanupRuntimeContainer, request, () => services.cleanup.execute({ gameId: params.game_id, opSource: opSourceOf(headers['x-galaxy-caller']) })),
    ),
    internalUpdateRuntimeLimits: s.route(c.internalUpdateRuntimeLimits, async ({ params, headers, body, request }) =>
      mutate(c.internalUpdateRuntimeLimits, request, () =>
        services.limits.execute({ gameId: params.game_id, request: body, opSource: opSourceOf(headers['x-galaxy-caller']) }),
      ),
    ),
  };
}

/** A lifecycle Result -> 200 MutationResponse (with the latest health) or the error envelope of its code. */
async function mutationAnswer<K extends MutationId>(deps: InternalApiRouterDeps, route: RtmInternalContract[K], request: FastifyRequest, result: OperationResult) {
  if (result.outcome === 'success') {
    const runtime = result.record ? runtimeView(result.record, await deps.snapshots.get(result.record.gameId)) : null;
    return { status: 200 as const, body: { runtime, error_code: result.errorCode === 'replay_no_op' ? ('replay_no_op' as const) : null } };
  }
  const code: ErrorCode = isErrorCode(result.errorCode) ? result.errorCode : 'internal_error';
  const detail = result.errorMessage ?? code;
  if (HTTP_STATUS_BY_ERROR_CODE[code] >= 500) request.log.warn({ error_code: code, error_message: detail }, 'operation failed');
  else request.log.info({ error_code: code, error_message: detail }, 'operation refused');
  return errorAnswer(route, code, publicMessage(code, detail));
}

function probeRoutes(deps: InternalApiRouterDeps) {
  let lastReadiness: string | null = null;
  return {
    internalGetDiagnostics: s.route(c.internalGetDiagnostics, async () => ({ status: 200 as const, body: await deps.diagnostics() })),
    internalHealthz: s.route(c.internalHealthz, async () => ({ status: 200, body: { status: 'ok' as const } })),

    internalReadyz: s.route(c.internalReadyz, async ({ request }) => {
      let report: ReadinessReport;
      try {
        report = await deps.readiness();
      } catch (err) {
        // Readiness must always answer its own schema: a failing evaluation is "not ready".
        request.log.error({ err }, 'readiness evaluation failed');
        report = { ready: false, checks: {} };
      }
      const { body, otherProblems } = readyzView(report);
      // Probes come every few seconds: log when the answer changes, not on every probe.
      const summary = JSON.stringify([body, otherProblems]);
      if (summary !== lastReadiness) {
        lastReadiness = summary;
        request.log.warn({ status: body.status, checks: body.checks, other_problems: otherProblems }, 'readiness changed');
      }
      return body.status === 'ready' ? { status: 200, body } : { status: 503, body };
    }),
  };
}

function eventRoutes(deps: InternalApiRouterDeps) {
  return {
    // Ends when the caller hangs up, after `max` lines, or when the server closes.
    internalTailEvents: s.route(c.internalTailEvents, async ({ query, request, reply }) => {
      const controller = new AbortController();
      const end = () => {
        controller.abort();
        deps.openStreams.delete(controller);
        request.socket.off('close', end);
      };
      deps.openStreams.add(controller);
      request.socket.once('close', end);
      try {
        const lines = Readable.from(await deps.events.open(query, controller.signal), { objectMode: false });
        lines.once('close', end);
        void reply.type('application/x-ndjson');
        // The body is the stream of RuntimeEventLine lines (the contract's NDJSON answer); fastify pipes it.
        return { status: 200 as const, body: lines };
      } catch (err) {
        end();
        throw err;
      }
    }),
  };
}
