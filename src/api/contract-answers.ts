// Typed answers of the ts-rest contract routes: an error code becomes the envelope with the
// status of the spec's code table, as a response the route declares. The types follow the
// generated contract (no casts); a status a route does not declare is a bug, answered 500.
import type { AppRoute } from '@ts-rest/core';
import type { components } from '../../generated/openapi/types.js';
import { HTTP_STATUS_BY_ERROR_CODE, type ErrorCode } from '../domain/error-codes.js';

export type ErrorEnvelope = components['schemas']['ErrorEnvelope'];

/** The statuses route R declares with an ErrorEnvelope body. */
export type EnvelopeStatus<R extends AppRoute> = {
  [S in keyof R['responses']]: S extends number ? (R['responses'][S] extends ErrorEnvelope ? S : never) : never;
}[keyof R['responses']];

export interface ErrorAnswer<R extends AppRoute> {
  status: EnvelopeStatus<R>;
  body: ErrorEnvelope;
}

export function envelope(code: ErrorCode, message: string): ErrorEnvelope {
  return { error: { code, message } };
}

function declares<R extends AppRoute>(route: R, status: number): status is EnvelopeStatus<R> {
  return Object.prototype.hasOwnProperty.call(route.responses, status);
}

/** Fault codes whose details stay in the logs: callers get these messages instead. */
const GENERIC_FAULT_MESSAGES: Partial<Record<ErrorCode, string>> = {
  internal_error: 'internal error',
  service_unavailable: 'service temporarily unavailable, retry later',
  docker_unavailable: 'docker daemon unavailable, retry later',
};

/** The message a caller sees for an error code: generic for faults, the detail otherwise. */
export function publicMessage(code: ErrorCode, detail: string): string {
  return GENERIC_FAULT_MESSAGES[code] ?? detail;
}

/**
 * `code` answered on `route`. The conformance tests check that every code a route answers
 * is declared for it (metadata `errorCodes`); a status the route lacks altogether is a
 * wiring bug and surfaces as internal_error through the root error handler.
 */
export function errorAnswer<R extends AppRoute>(route: R, code: ErrorCode, message: string): ErrorAnswer<R> {
  const status = HTTP_STATUS_BY_ERROR_CODE[code];
  if (!declares(route, status)) throw new Error(`${route.path} does not declare HTTP ${status} (error code ${code})`);
  return { status, body: envelope(code, message) };
}

/**
 * A 200 body that is already JSON text of the route's body type (the REST reads, rendered
 * by the read store). fastify sends a string as is once the reply's type is JSON (only
 * non-strings are serialized), so ts-rest is handed the text itself. The cast is the one
 * place the types cannot see that the text is a `T`: the read store's contract suite
 * checks it against runtimeView() and the spec's validators.
 */
export function renderedJsonBody<T>(reply: { type(contentType: string): unknown }, json: string): T {
  void reply.type('application/json; charset=utf-8');
  return json as unknown as T;
}
