// Handlers of every operation of the internal REST contract (CONTRACT §5). Requests
// reach them already authorised and validated (internal-request.guard.ts); they call a
// store or a lifecycle service and shape the answer. Store faults are not caught here:
// they reach the root error handler, the one place that maps faults to codes.
import type { ServerInferResponses } from '@ts-rest/core';
import { initServer } from '@ts-rest/fastify';
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { rtmInternalContract, type RtmInternalContract, type RtmOperationId } from '../../generated/openapi/contract.js';
import type { DiagnosticsReport } from '../ports/diagnostics.js';
import type { ReadinessReport } from '../ports/readiness-check.js';
import { HTTP_STATUS_BY_ERROR_CODE, isErrorCode, type ErrorCode } from '../domain/error-codes.js';
import type { OpSource, StopReason } from '../domain/operation.js';
import type { OperationResult } from '../domain/operation-result.js';
import type { RuntimeStatus } from '../domain/runtime-record.js';
import type { HealthSnapshotStore } from '../ports/health-snapshot.store.js';
import type { OperationLogStore } from '../ports/operation-log.store.js';
import type { RuntimeRecordStore } from '../ports/runtime-record.store.js';
import type { CleanupContainerInput } from '../services/cleanup/cleanup-container.service.js';
import type { PatchRuntimeInput } from '../services/patch/patch-runtime.service.js';
import type { RestartRuntimeInput } from '../services/restart/restart-runtime.service.js';
import type { StartRuntimeInput } from '../services/start/start-runtime.service.js';
import type { StopRuntimeInput } from '../services/stop/stop-runtime.service.js';
import { envelope, publicMessage } from './error-envelope.js';
import type { ValidatedRequest } from './internal-request.guard.js';
import { decodeCursor, encodeCursor, operationView, readyzView, runtimeView } from './runtime-view.js';

/** What the REST edge needs of each lifecycle service (the real classes satisfy it). */
export interface InternalApiServices {
  start: { execute(input: StartRuntimeInput): Promise<OperationResult> };
  stop: { execute(input: StopRuntimeInput): Promise<OperationResult> };
  restart: { execute(input: RestartRuntimeInput): Promise<OperationResult> };
  patch: { execute(input: PatchRuntimeInput): Promise<OperationResult> };
  cleanup: { execute(input: CleanupContainerInput): Promise<OperationResult> };
}

export interface InternalApiRouterDeps {
  services: InternalApiServices;
  records: RuntimeRecordStore;
  operations: OperationLogStore;
  snapshots: HealthSnapshotStore;
  readiness: () => Promise<ReadinessReport>;
  /** Versions and counts for operators (rtmctl diagnostics); rejects on a store fault. */
  diagnostics: () => Promise<DiagnosticsReport>;
  /** The guard's output for a request (set in preHandler, before any handler runs). */
  validated: (request: FastifyRequest) => ValidatedRequest;
  /** Runs a handler's work inside the request's trace span, so service/Docker spans nest under it. */
  inRequestSpan: <T>(request: FastifyRequest, work: () => Promise<T>) => Promise<T>;
}

type Answer<K extends RtmOperationId> = ServerInferResponses<RtmInternalContract[K]>;

/**
 * An error envelope as the answer of route K. The status comes from the contract's
 * code table; the conformance tests check that every code a route answers is declared
 * for it in the spec (route metadata `errorCodes`), which the types cannot express.
 */
function errorAnswer<K extends RtmOperationId>(code: ErrorCode, message: string): Answer<K> {
  return { status: HTTP_STATUS_BY_ERROR_CODE[code], body: envelope(code, message) } as unknown as Answer<K>;
}

export function createInternalApiRouter(deps: InternalApiRouterDeps) {
  const s = initServer();

  const withHealth = async (record: Parameters<typeof runtimeView>[0]) =>
    runtimeView(record, await deps.snapshots.get(record.gameId));

  /** A lifecycle Result -> 200 MutationResponse or the error envelope of its code. */
  async function mutationAnswer<K extends RtmOperationId>(request: FastifyRequest, result: OperationResult): Promise<Answer<K>> {
    if (result.outcome === 'success') {
      const runtime = result.record ? await withHealth(result.record) : null;
      return { status: 200, body: { runtime, error_code: result.errorCode === 'replay_no_op' ? 'replay_no_op' : null } } as unknown as Answer<K>;
    }
    const code: ErrorCode = isErrorCode(result.errorCode) ? result.errorCode : 'internal_error';
    const detail = result.errorMessage ?? code;
    const log = request.log as Logger;
    if (HTTP_STATUS_BY_ERROR_CODE[code] >= 500) log.warn({ error_code: code, error_message: detail }, 'operation failed');
    else log.info({ error_code: code, error_message: detail }, 'operation refused');
    return errorAnswer<K>(code, publicMessage(code, detail));
  }

  let lastReadiness: string | null = null;

  const gameIdOf = (v: ValidatedRequest): string => {
    // The guard guarantees it on every route with a {game_id} path parameter.
    if (v.gameId === null) throw new Error(`route ${v.operationId} has no game_id`);
    return v.gameId;
  };
  const opSourceOf = (v: ValidatedRequest): OpSource => {
    if (v.opSource === null) throw new Error(`route ${v.operationId} requires X-Galaxy-Caller`);
    return v.opSource;
  };

  return s.router(rtmInternalContract, {
    internalListRuntimes: async ({ request }) => {
      const { query } = deps.validated(request);
      const limit = query.limit as number;
      let afterGameId: string | undefined;
      if (typeof query.cursor === 'string') {
        const decoded = decodeCursor(query.cursor);
        if (decoded === null) return errorAnswer<'internalListRuntimes'>('invalid_request', 'cursor is not one this API issued');
        afterGameId = decoded;
      }
      // One extra row tells whether another page exists.
      const rows = await deps.records.list({
        limit: limit + 1,
        ...(query.status !== undefined ? { status: query.status as RuntimeStatus } : {}),
        ...(afterGameId !== undefined ? { afterGameId } : {}),
      });
      const page = rows.slice(0, limit);
      const last = page[page.length - 1];
      const items = await Promise.all(page.map(withHealth));
      return { status: 200, body: { items, next_cursor: rows.length > limit && last ? encodeCursor(last.gameId) : null } };
    },

    internalGetRuntime: async ({ request }) => {
      const gameId = gameIdOf(deps.validated(request));
      const record = await deps.records.get(gameId);
      if (!record) return errorAnswer<'internalGetRuntime'>('not_found', `no runtime record for game ${gameId}`);
      return { status: 200, body: await withHealth(record) };
    },

    // A game without a record answers 200 with what the log holds (a failed first start
    // leaves rows but no record), possibly an empty list.
    internalListRuntimeOperations: async ({ request }) => {
      const v = deps.validated(request);
      const rows = await deps.operations.listByGame(gameIdOf(v), v.query.limit as number);
      return { status: 200, body: { items: rows.map(operationView) } };
    },

    internalStartRuntime: async ({ request }) => {
      const v = deps.validated(request);
      const body = v.body as { image_ref: string };
      const result = await deps.inRequestSpan(request, () =>
        deps.services.start.execute({ gameId: gameIdOf(v), imageRef: body.image_ref, opSource: opSourceOf(v) }),
      );
      return mutationAnswer<'internalStartRuntime'>(request, result);
    },

    internalStopRuntime: async ({ request }) => {
      const v = deps.validated(request);
      const body = v.body as { reason: StopReason };
      const result = await deps.inRequestSpan(request, () =>
        deps.services.stop.execute({ gameId: gameIdOf(v), reason: body.reason, opSource: opSourceOf(v) }),
      );
      return mutationAnswer<'internalStopRuntime'>(request, result);
    },

    internalRestartRuntime: async ({ request }) => {
      const v = deps.validated(request);
      const result = await deps.inRequestSpan(request, () =>
        deps.services.restart.execute({ gameId: gameIdOf(v), opSource: opSourceOf(v) }),
      );
      return mutationAnswer<'internalRestartRuntime'>(request, result);
    },

    internalPatchRuntime: async ({ request }) => {
      const v = deps.validated(request);
      const body = v.body as { image_ref: string };
      const result = await deps.inRequestSpan(request, () =>
        deps.services.patch.execute({ gameId: gameIdOf(v), imageRef: body.image_ref, opSource: opSourceOf(v) }),
      );
      return mutationAnswer<'internalPatchRuntime'>(request, result);
    },

    internalCleanupRuntimeContainer: async ({ request }) => {
      const v = deps.validated(request);
      const result = await deps.inRequestSpan(request, () =>
        deps.services.cleanup.execute({ gameId: gameIdOf(v), opSource: opSourceOf(v) }),
      );
      return mutationAnswer<'internalCleanupRuntimeContainer'>(request, result);
    },

    internalGetDiagnostics: async () => ({ status: 200, body: await deps.diagnostics() }),

    internalHealthz: async () => ({ status: 200, body: { status: 'ok' } }),

    internalReadyz: async ({ request }) => {
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
    },
  });
}
