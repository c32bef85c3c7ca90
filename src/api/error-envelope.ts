// The one place where outcomes and faults become HTTP: contract error envelope
// `{ error: { code, message } }` with the status of src/domain/error-codes.ts.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { HTTP_STATUS_BY_ERROR_CODE, type ErrorCode } from '../domain/error-codes.js';

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
 * Root error handler: anything that escaped a handler. Client mistakes fastify detects
 * before our code runs (bad JSON, wrong content type, body too large) are invalid_request;
 * everything else is internal_error with the detail logged, never sent.
 */
export function handleUnexpectedError(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = typeof err.statusCode === 'number' ? err.statusCode : 500;
  if (status >= 400 && status < 500) {
    request.log.info({ err: { code: err.code, message: err.message } }, 'rejected request');
    void sendError(reply, 'invalid_request', clientErrorMessage(err));
    return;
  }
  request.log.error({ err }, 'unhandled error');
  void sendError(reply, 'internal_error', 'internal error');
}

function clientErrorMessage(err: FastifyError): string {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'unsupported content type: send application/json';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'request body too large';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'empty JSON body';
    default:
      return err.message.startsWith('Unexpected') || err.code === 'FST_ERR_CTP_INVALID_JSON_BODY'
        ? 'request body is not valid JSON'
        : err.message;
  }
}
