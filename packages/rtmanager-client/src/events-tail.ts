// GET /api/v1/internal/events for callers: the answer's NDJSON body as an async iterable of
// lines, typed. `timeoutMs` bounds the wait for the answer's headers only (a follow lasts);
// the signals abort the follow at any time. Error answers are results, as for every method.
import type { RtmApiClient } from '../../../generated/openapi/client.js';
import type { components } from '../../../generated/openapi/types.js';
import { callSignal, type CallSignal, type RtmCallOptions } from './call-options.js';
import type { RtmFailure } from './rest-types.js';
import { settleAnswer } from './settle-answer.js';

/** One entry of `runtime:health_events` or `runtime:job_results`; decode `fields` with the stream helpers. */
export type RtmEventLine = components['schemas']['RuntimeEventLine'];

export interface TailEventsQuery {
  /** Start after this entry id in each stream (`'0'` = from the beginning); absent = only new entries. */
  from?: string;
  game_id?: string;
  /** End after this many entries. */
  max?: number;
}

export type RtmTailEventsResult = { ok: true; status: 200; events: AsyncIterable<RtmEventLine> } | RtmFailure;

const OP = 'internalTailEvents';

async function* eventLines(body: ReadableStream<Uint8Array>, call: CallSignal): AsyncGenerator<RtmEventLine> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        // Blank lines are keep-alives.
        if (line !== '') yield JSON.parse(line) as RtmEventLine;
      }
    }
  } catch (err) {
    throw call.failure(err);
  } finally {
    call.release();
    await reader.cancel().catch(() => undefined);
  }
}

export async function tailEvents(raw: RtmApiClient, defaults: RtmCallOptions, query: TailEventsQuery, options: RtmCallOptions | undefined): Promise<RtmTailEventsResult> {
  const call = callSignal(OP, defaults, options);
  let answer: { response: Response; data?: unknown; error?: unknown };
  try {
    answer = await raw.GET('/api/v1/internal/events', { params: { query }, parseAs: 'stream', ...(call.signal ? { signal: call.signal } : {}) });
    call.headersArrived();
  } catch (err) {
    call.release();
    throw call.failure(err);
  }
  const { response, data, error } = answer;
  if (response.status === 200 && data instanceof ReadableStream) return { ok: true, status: 200, events: eventLines(data, call) };
  call.release();
  const text = typeof error === 'string' ? error : error === undefined ? '' : JSON.stringify(error);
  const settled = settleAnswer(OP, response, text);
  // A 200 without a body is no events answer either.
  return settled.ok ? { ok: false, kind: 'unexpected_answer', status: response.status, error: { code: 'internal_error', message: `HTTP ${response.status} without a body` }, contentType: response.headers.get('content-type'), body: '' } : settled;
}
