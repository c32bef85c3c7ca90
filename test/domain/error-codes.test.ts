import { describe, expect, it } from 'vitest';
import { ERROR_CODES, HTTP_STATUS_BY_ERROR_CODE, isErrorCode } from '../../src/domain/error-codes.js';
import { failed, succeeded } from '../../src/domain/operation-result.js';

describe('error codes', () => {
  // The codes and their statuses against the spec: test/domain/vocabularies.test.ts.
  it('every code has a status', () => {
    for (const code of ERROR_CODES) expect(HTTP_STATUS_BY_ERROR_CODE[code]).toBeGreaterThanOrEqual(400);
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
