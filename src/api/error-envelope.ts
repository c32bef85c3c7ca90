// The one place where exceptions and framework errors become HTTP: the contract envelope
// `{ error: { code, message } }` with the status of the spec's code table. Faults are
// classified by the adapters (DependencyUnavailable, src/ports/infrastructure-fault.ts);
// this edge reads that classification and nothing else: any other exception is a bug.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { HTTP_STATUS_BY_ERROR_CODE, type ErrorCode } from '../domain/error-codes.js';
import { isDependencyUnavailable } from '../ports/infrastructure-fault.js';
import { envelope, publicMessage } from './contract-answers.js';

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

/** Exception -> error code: the adapters' classification, else a bug. */
export function faultErrorCode(err: unknown): 'service_unavailable' | 'docker_unavailable' | 'internal_error' {
  if (!isDependencyUnavailable(err)) return 'internal_error';
  return err.dependency === 'docker' ? 'docker_unavailable' : 'service_unavailable';
}

/**
 * Root error handler: anything that escaped a handler. Client mistakes fastify (or our
 * body parser) detects before our code runs (bad JSON, wrong content type, body too
 * large) are invalid_request; faults get their code, with the detail logged, never sent.
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

const CLIENT_ERROR_MESSAGES: Readonly<Record<string, string>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported content type: send application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'request body too large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty JSON body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'request body is not valid JSON',
  // Routing errors (fastify's frameworkErrors): the message never echoes the path.
  FST_ERR_BAD_URL: 'the request path is not valid URL encoding',
  FST_ERR_MAX_PARAM_LENGTH: 'a path parameter is too long',
};

function clientErrorMessage(err: FastifyError): string {
  return CLIENT_ERROR_MESSAGES[err.code] ?? err.message;
}

/**
 * fastify's `frameworkErrors`: errors of routing, before any route (and its hooks) runs —
 * a path that is not valid URL encoding, a parameter over maxParamLength. Answered as
 * invalid_request (the code table's 400, not fastify's 414).
 */
export function handleFrameworkError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  request.log.info({ err: { code: err.code } }, 'rejected request');
  void sendError(reply, 'invalid_request', clientErrorMessage(err));
}

/**
 * fastify's `clientErrorHandler`: what node's HTTP parser refuses (malformed request line
 * or headers, headers over the size limit, a request that took too long) never reaches
 * fastify's routing. Where the socket can still take an answer it gets the envelope,
 * `invalid_request` with the table's 400, then the connection is closed.
 */
export function handleHttpParserError(this: { log: FastifyRequest['log'] }, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  this.log.info({ err: { code: err.code } }, 'rejected malformed HTTP request');
  if (socket.writable) {
    const message =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? 'request line and headers too large'
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? 'request not received in time'
          : 'malformed HTTP request';
    const body = JSON.stringify(envelope('invalid_request', message));
    socket.write(
      `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
