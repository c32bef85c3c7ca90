import { describe, expect, it } from 'vitest';
import { DockerError } from '../../../src/ports/docker-runtime.js';
import {
  OperationFailure,
  asOperationFailure,
  fromDockerError,
  fromInfrastructureError,
} from '../../../src/services/shared/operation-failure.js';

describe('failure mapping', () => {
  it.each([
    ['unavailable' as const, 'docker_unavailable'],
    ['not_found' as const, 'image_pull_failed'],
    ['conflict' as const, 'image_pull_failed'],
    ['failed' as const, 'image_pull_failed'],
  ])('DockerError kind %s -> %s', (kind, code) => {
    expect(fromDockerError(new DockerError(kind, 'x'), 'pulling', 'image_pull_failed').code).toBe(code);
  });

  it('a non-Docker error from a Docker call is internal_error; an OperationFailure passes through', () => {
    expect(fromDockerError(new TypeError('x'), 'pulling', 'image_pull_failed').code).toBe('internal_error');
    const f = new OperationFailure('conflict', 'y');
    expect(fromDockerError(f, 'pulling', 'image_pull_failed')).toBe(f);
  });

  it('infrastructure errors are service_unavailable; anything else is internal_error', () => {
    expect(fromInfrastructureError(new Error('pg'), 'reading').code).toBe('service_unavailable');
    expect(asOperationFailure(new Error('bug')).code).toBe('internal_error');
    expect(asOperationFailure('string thrown').message).toMatch(/string thrown/);
  });
});
