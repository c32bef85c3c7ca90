import { describe, expect, it } from 'vitest';
import { ERROR_CODES, HTTP_STATUS_BY_ERROR_CODE, isErrorCode } from '../../src/domain/error-codes.js';
import { failed, succeeded } from '../../src/domain/operation-result.js';

// CONTRACT §5, written out independently.
const CONTRACT_STATUS: Record<string, number> = {
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

describe('error codes', () => {
  it('are exactly the contract codes with the contract HTTP statuses', () => {
    expect([...ERROR_CODES].sort()).toEqual(Object.keys(CONTRACT_STATUS).sort());
    expect(HTTP_STATUS_BY_ERROR_CODE).toEqual(CONTRACT_STATUS);
  });

  it('replay_no_op is not an error code', () => {
    expect(isErrorCode('replay_no_op')).toBe(false);
    expect(isErrorCode('conflict')).toBe(true);
    expect(isErrorCode(409)).toBe(false);
  });

  it('builds the Result shapes', () => {
    expect(succeeded(null)).toEqual({ outcome: 'success', errorCode: null, errorMessage: null, record: null });
    expect(succeeded(null, true).errorCode).toBe('replay_no_op');
    expect(failed('conflict', 'busy')).toEqual({ outcome: 'failure', errorCode: 'conflict', errorMessage: 'busy', record: null });
  });
});
