// The one place where outcomes and faults become HTTP: contract error envelope
// `{ error: { code, message } }` with the status of src/domain/error-codes.ts.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { HTTP_STATUS_BY_ERROR_CODE, type ErrorCode } from '../domain/error-codes.js';
import { DockerError } from '../ports/docker-runtime.js';

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string };
}

export function envelope(code: ErrorCode, message: string): ErrorEnvelope {
  return { error: { code, message } };
}

export function sendError(reply: FastifyReply, code: ErrorCode, message: string): FastifyReply {
  return reply.status(HTTP_STATUS_BY_ERROR_CODE[code]).type('application/json').send(envelope(code, message));
}

/**
 * A client mistake detected outside a route handler (e.g. by the JSON body parser).
 * The message is sent to the caller as is: it must name what was wrong, never echo input.
 */
export class InvalidRequestError extends Error {
  readonly statusCode = 400;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidRequestError';
  }
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
 * Root error handler: anything that escaped a handler. Client mistakes fastify (or our
 * body parser) detects before our code runs (bad JSON, wrong content type, body too
 * large) are invalid_request; infrastructure faults become service_unavailable /
 * docker_unavailable and anything else internal_error, with the detail logged, never sent.
 */
export function handleUnexpectedError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (isClientError(err)) {
    request.log.info({ err: { code: err.code, message: err.message } }, 'rejected request');
    void sendError(reply, 'invalid_request', clientErrorMessage(err));
    return;
  }
  const code = faultErrorCode(err);
  if (code === 'internal_error') request.log.error({ err }, 'unhandled error');
  else request.log.warn({ err, error_code: code }, 'infrastructure unavailable');
  void sendError(reply, code, publicMessage(code, ''));
}

/** Our own client errors and fastify's (FST_ERR_* with a 4xx status); nothing else is trusted to be one. */
function isClientError(err: FastifyError): boolean {
  if (err instanceof InvalidRequestError) return true;
  const status = err.statusCode;
  return typeof err.code === 'string' && err.code.startsWith('FST_ERR_') && typeof status === 'number' && status >= 400 && status < 500;
}

function clientErrorMessage(err: FastifyError): string {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported content type: send application/json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request body too large';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'empty JSON body';
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'request body is not valid JSON';
    default:
      return err.message;
  }
}

// Socket-level failures reaching PostgreSQL or Redis (node system error codes).
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

// pg / pg-pool / ioredis failures that carry no code, recognised by their fixed messages.
const UNAVAILABLE_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /not queryable/i,
  /connection is closed/i,
  /the database system is (starting up|shutting down)/i,
];

/**
 * Fault -> error code. PostgreSQL/Redis unreachable: `service_unavailable` (SQLSTATE
 * class 08 connection exception, 53 insufficient resources, 57P0x shutdown; socket
 * errors; pg-pool / ioredis connection messages). Docker daemon unreachable:
 * `docker_unavailable`. Anything else is a bug: `internal_error`. Looks through `cause`
 * chains and AggregateErrors, as drivers wrap socket errors.
 */
export function faultErrorCode(err: unknown): 'service_unavailable' | 'docker_unavailable' | 'internal_error' {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  let unavailable = false;
  while (queue.length > 0 && seen.size < 16) {
    const e = queue.shift();
    if (e === null || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    if (e instanceof DockerError) {
      if (e.kind === 'unavailable') return 'docker_unavailable';
      continue;
    }
    const { code, name, message, cause, errors } = e as {
      code?: unknown;
      name?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (typeof code === 'string') {
      if (UNREACHABLE_CODES.has(code)) unavailable = true;
      if (/^[0-9A-Z]{5}$/.test(code) && (code.startsWith('08') || code.startsWith('53') || code.startsWith('57P'))) unavailable = true;
    }
    if (name === 'MaxRetriesPerRequestError') unavailable = true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGES.some((m) => m.test(message))) unavailable = true;
    if (cause !== undefined) queue.push(cause);
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
  }
  return unavailable ? 'service_unavailable' : 'internal_error';
}
