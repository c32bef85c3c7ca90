// logs(): an engine's output as an async iterable of lines (NDJSON, CONTRACT §11). The call
// settles like every other once the answer's status arrives (a listed error, an unknown code,
// an answer that is not RTM's); a 200 hands out `lines`, read from the network only as fast
// as the caller iterates. `timeoutMs` bounds the wait for the answer, not a followed stream;
// the signals (the call's and the client's) end the iteration at any time: it then simply
// stops, as a followed stream ends when the engine stops or RTM shuts down.
import type { RtmOperationAnswers } from '../../../generated/openapi/operations.js';
import type { components } from '../../../generated/openapi/types.js';
import { withCallOptions, type RtmCallOptions } from './call-options.js';
import type { RtmErrorAnswer, RtmUnexpectedAnswer, RtmUnknownCodeAnswer } from './rest-types.js';
import { settleAnswer } from './settle-answer.js';

export type LogLine = components['schemas']['LogLine'];

export interface LogsQuery {
  /** The last N lines, 1..10000 (RTM's default 200). */
  tail?: number;
  /** Only lines from then on: a Date, Unix seconds, or RFC 3339 text. */
  since?: Date | number | string;
  /** Keep reading new lines until the engine stops, RTM shuts down or a signal aborts. */
  follow?: boolean;
}

type LogsErrors = RtmOperationAnswers['internalGetRuntimeLogs']['errors'];
type LogsError = LogsErrors extends infer A ? (A extends { status: infer S extends number; code: infer C extends string } ? RtmErrorAnswer<S, C> : never) : never;

/** What logs() resolves to: the lines, or the operation's failure results. */
export type RtmLogsResult = { ok: true; status: 200; lines: AsyncIterable<LogLine> } | LogsError | RtmUnknownCodeAnswer | RtmUnexpectedAnswer;

export function logsQueryParams(query: LogsQuery): { tail?: number; since?: string; follow?: boolean } {
  const { since } = query;
  return {
    ...(query.tail !== undefined ? { tail: query.tail } : {}),
    ...(since !== undefined ? { since: since instanceof Date ? since.toISOString() : String(since) } : {}),
    ...(query.follow !== undefined ? { follow: query.follow } : {}),
  };
}

/** NDJSON lines of a response body; ends quietly when `signal` aborts. */
async function* ndjsonLines(body: ReadableStream<Uint8Array>, signal: AbortSignal, release: () => void): AsyncGenerator<LogLine> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line !== '') yield JSON.parse(line) as LogLine;
      }
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    release();
    await reader.cancel().catch(() => undefined);
  }
}

/** openapi-fetch's answer: the response, and an error answer's body (already read, parsed when JSON). */
type Fetcher = (signal: AbortSignal) => Promise<{ response: Response; error?: unknown }>;

/**
 * One logs call: `open` sends the request with the signal that lives as long as the lines
 * (caller's signals linked to it); `timeoutMs` covers only the wait for the answer.
 */
export async function openLogs(defaults: RtmCallOptions, call: RtmCallOptions | undefined, open: Fetcher): Promise<RtmLogsResult> {
  const life = new AbortController();
  const callerSignals = [call?.signal, defaults.signal].filter((s): s is AbortSignal => s !== undefined);
  const onAbort = () => life.abort();
  for (const s of callerSignals) s.addEventListener('abort', onAbort, { once: true });
  const release = () => {
    for (const s of callerSignals) s.removeEventListener('abort', onAbort);
  };
  try {
    // The headers' wait goes through the shared deadline/abort rules (RtmTransportError).
    const { response, error } = await withCallOptions('internalGetRuntimeLogs', defaults, call, async (signal) => {
      signal?.addEventListener('abort', onAbort, { once: true });
      const answer = await open(life.signal);
      signal?.removeEventListener('abort', onAbort);
      return answer;
    });
    if (response.status === 200 && response.body !== null && response.headers.get('content-type')?.startsWith('application/x-ndjson')) {
      return { ok: true, status: 200, lines: ndjsonLines(response.body, life.signal, release) };
    }
    release();
    const text = error === undefined ? '' : typeof error === 'string' ? error : JSON.stringify(error);
    const settled = settleAnswer('internalGetRuntimeLogs', response, text);
    // A 200 that is not NDJSON is not RTM's answer.
    return (settled.ok ? { ...settledUnexpected(response) } : settled) as RtmLogsResult;
  } catch (err) {
    release();
    life.abort();
    throw err;
  }
}

function settledUnexpected(response: Response): RtmUnexpectedAnswer {
  return {
    ok: false,
    kind: 'unexpected_answer',
    status: response.status,
    error: { code: 'internal_error', message: `HTTP ${response.status} without an NDJSON body` },
    contentType: response.headers.get('content-type'),
    body: '',
  };
}
