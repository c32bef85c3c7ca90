// Turns an HTTP answer into the operation's result: data the spec lists, RTM's error
// envelope (a listed code, or an unknown one passed on as received), or an answer that is not
// RTM's. Lenient on purpose: a newer RTM may add codes and envelope fields.
import { RTM_OPERATIONS, type RtmOperationName } from '../../../generated/openapi/operations.js';
import type { RtmError, RtmOperationResult, RtmUnexpectedAnswer } from './rest-types.js';

const BODY_EXCERPT = 1024;

/** `{ error: { code: string, message: string, ...more } }`, whatever else it carries. */
function envelopeError(body: unknown): RtmError<string> | null {
  if (typeof body !== 'object' || body === null) return null;
  const error = (body as { error?: unknown }).error;
  if (typeof error !== 'object' || error === null) return null;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return typeof code === 'string' && typeof message === 'string' ? ({ ...error } as RtmError<string>) : null;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function unexpected(response: Response, text: string, why: string): RtmUnexpectedAnswer {
  const { status } = response;
  return {
    ok: false,
    kind: 'unexpected_answer',
    status,
    error: { code: status >= 502 && status <= 504 ? 'service_unavailable' : 'internal_error', message: `HTTP ${status} ${why}` },
    contentType: response.headers.get('content-type'),
    body: text.slice(0, BODY_EXCERPT),
  };
}

/** Checks an answer (read as text) against what the spec lists for the operation. */
export function settleAnswer<Op extends RtmOperationName>(op: Op, response: Response, text: string): RtmOperationResult<Op> {
  type Result = RtmOperationResult<Op>;
  const { status } = response;
  const table = RTM_OPERATIONS[op];
  const parsed = parseJson(text);
  if (table.data.includes(status)) {
    if (parsed.ok && typeof parsed.value === 'object' && parsed.value !== null) return { ok: true, status, data: parsed.value } as Result;
    return unexpected(response, text, `without the JSON body ${op} answers`) as Result;
  }
  const error = parsed.ok && status >= 400 ? envelopeError(parsed.value) : null;
  if (error === null) return unexpected(response, text, 'without an RTM error envelope') as Result;
  const listed = table.errors[status] ?? [];
  if (listed.includes(error.code)) return { ok: false, kind: 'error', status, error } as Result;
  return { ok: false, kind: 'unknown_code', status, error } as Result;
}
