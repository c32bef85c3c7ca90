// The two reads of what an engine does (CONTRACT §11): its output (NDJSON, optionally
// followed) and one usage sample. A followed answer ends when the caller disconnects, the
// container stops, or RTM shuts down (`shutdown`, aborted before the listener closes); it
// is read from Docker only as fast as the caller reads it (Readable.from pulls one line at
// a time through fastify's pipe), so its memory is bounded whatever the engine prints.
import { Readable } from 'node:stream';
import { initServer } from '@ts-rest/fastify';
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { rtmInternalContract } from '../../generated/openapi/contract.js';
import { isErrorCode, type ErrorCode } from '../domain/error-codes.js';
import type { EngineLogLine } from '../ports/docker-runtime.js';
import type { RuntimeLogsInput, RuntimeLogsResult } from '../services/observe/runtime-logs.service.js';
import type { RuntimeStatsResult } from '../services/observe/runtime-stats.service.js';
import { errorAnswer, publicMessage } from './contract-answers.js';
import { usageView } from './runtime-view.js';

export interface EngineOutputServices {
  logs: { open(input: RuntimeLogsInput): Promise<RuntimeLogsResult> };
  stats: { sample(gameId: string): Promise<RuntimeStatsResult> };
  /** Aborted when RTM shuts down: every followed answer ends. */
  shutdown: AbortSignal;
}

const s = initServer();
const c = rtmInternalContract;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * `since` (RFC 3339, or Unix seconds) as Docker's Unix seconds with nine fraction digits,
 * kept as text so a nanosecond timestamp (a line's own `ts`) is not rounded; null when neither.
 */
export function parseLogSince(value: string): string | null {
  const unix = /^(\d{1,12})(?:\.(\d{1,9}))?$/.exec(value);
  if (unix) return `${unix[1]}.${(unix[2] ?? '').padEnd(9, '0')}`;
  if (!RFC3339.test(value)) return null;
  const ms = Date.parse(value.replace(/\.\d+/, ''));
  if (Number.isNaN(ms) || ms < 0) return null;
  return `${Math.floor(ms / 1000)}.${(/\.(\d+)/.exec(value)?.[1] ?? '').padEnd(9, '0')}`;
}

/** One NDJSON string per batch: `{"ts","stream","line"}` per line (ts and stream need no escaping). */
async function* ndjson(batches: AsyncIterable<readonly EngineLogLine[]>): AsyncGenerator<string> {
  for await (const batch of batches) {
    let text = '';
    for (const l of batch) text += `{"ts":"${l.ts}","stream":"${l.stream}","line":${JSON.stringify(l.line)}}\n`;
    yield text;
  }
}

/** Aborts when the caller goes away (the response closes before it ends) or RTM shuts down. */
function answerSignal(response: ServerResponse, shutdown: AbortSignal): { signal: AbortSignal; release: () => void } {
  const closed = new AbortController();
  const onClose = () => closed.abort();
  response.once('close', onClose);
  return { signal: AbortSignal.any([closed.signal, shutdown]), release: () => response.off('close', onClose) };
}

function failureCode(result: { errorCode: string | null }): ErrorCode {
  return isErrorCode(result.errorCode) ? result.errorCode : 'internal_error';
}

function logRefusal(request: FastifyRequest, code: ErrorCode, detail: string): void {
  request.log.info({ error_code: code, error_message: detail }, 'read refused');
}

export function engineOutputRoutes(services: EngineOutputServices) {
  return {
    internalGetRuntimeLogs: s.route(c.internalGetRuntimeLogs, async ({ params, query, request, reply }) => {
      let since: string | undefined;
      if (query.since !== undefined) {
        const parsed = parseLogSince(query.since);
        if (parsed === null) return errorAnswer(c.internalGetRuntimeLogs, 'invalid_request', 'query.since: must be RFC 3339 (e.g. 2026-01-02T03:04:05Z) or Unix seconds');
        since = parsed;
      }
      // ts-rest types `reply` with its own generics; the raw response is Node's.
      const { signal, release } = answerSignal((reply as unknown as FastifyReply).raw, services.shutdown);
      const opened = await services.logs.open({ gameId: params.game_id, tail: query.tail, follow: query.follow, signal, ...(since !== undefined ? { since } : {}) });
      if (opened.outcome === 'failure') {
        release();
        const code = failureCode(opened);
        logRefusal(request, code, opened.errorMessage ?? code);
        return errorAnswer(c.internalGetRuntimeLogs, code, publicMessage(code, opened.errorMessage ?? code));
      }
      const body = Readable.from(ndjson(opened.lines), { objectMode: false, highWaterMark: 16 * 1024 });
      body.once('close', release);
      // A followed answer is long-lived: its connection is not reused, so once it ends (say at
      // shutdown) no idle keep-alive socket holds fastify's close open.
      if (query.follow) void reply.header('connection', 'close');
      return { status: 200, body };
    }),

    internalGetRuntimeStats: s.route(c.internalGetRuntimeStats, async ({ params, request }) => {
      const result = await services.stats.sample(params.game_id);
      if (result.outcome === 'success') return { status: 200, body: usageView(result.usage) };
      const code = failureCode(result);
      logRefusal(request, code, result.errorMessage ?? code);
      return errorAnswer(c.internalGetRuntimeStats, code, publicMessage(code, result.errorMessage ?? code));
    }),
  };
}
