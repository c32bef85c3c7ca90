// The stable error codes of CONTRACT §5 and their HTTP statuses. One source: the
// ErrorCode enum and its `x-rtm-http-status` table in api/internal-openapi.yaml, emitted
// into generated/vocabularies.ts by `npm run codegen`.
import { ERROR_CODES, HTTP_STATUS_BY_ERROR_CODE, RESULT_CODES } from '../../generated/vocabularies.js';

export { ERROR_CODES, HTTP_STATUS_BY_ERROR_CODE, RESULT_CODES };
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Not an error: a successful idempotent replay. */
export const REPLAY_NO_OP = 'replay_no_op' as const;
export type ResultCode = (typeof RESULT_CODES)[number];

// Compile-time check: the result codes are exactly the error codes plus replay_no_op.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const resultCodesAreErrorCodesAndReplay: Same<ResultCode, ErrorCode | typeof REPLAY_NO_OP> = true;
void resultCodesAreErrorCodesAndReplay;

/**
 * The codes that always describe a passing state of a dependency (PostgreSQL/Redis or Docker
 * unreachable): the same request may succeed later, so they are retryable.
 */
export const UNAVAILABLE_CODES: ReadonlySet<ErrorCode> = new Set(['service_unavailable', 'docker_unavailable']);

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
