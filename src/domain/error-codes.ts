// The stable error codes of CONTRACT §5 and their HTTP statuses. One table, used by the
// REST edge and documented in docs/services.md.

export const ERROR_CODES = [
  'invalid_request',
  'unauthorized',
  'image_ref_not_allowed',
  'not_found',
  'conflict',
  'image_ref_not_semver',
  'semver_patch_only',
  'start_config_invalid',
  'internal_error',
  'image_pull_failed',
  'container_start_failed',
  'service_unavailable',
  'docker_unavailable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Not an error: a successful idempotent replay. */
export const REPLAY_NO_OP = 'replay_no_op' as const;
export type ResultCode = ErrorCode | typeof REPLAY_NO_OP;

export const HTTP_STATUS_BY_ERROR_CODE: Readonly<Record<ErrorCode, number>> = {
  invalid_request: 400,
  unauthorized: 401,
  image_ref_not_allowed: 403,
  not_found: 404,
  conflict: 409,
  image_ref_not_semver: 422,
  semver_patch_only: 422,
  start_config_invalid: 422,
  internal_error: 500,
  image_pull_failed: 502,
  container_start_failed: 502,
  service_unavailable: 503,
  docker_unavailable: 503,
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (ERROR_CODES as readonly string[]).includes(value);
}
