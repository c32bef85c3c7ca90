import { describe, expect, it } from 'vitest';
import { DockerError } from '../../../src/ports/docker-runtime.js';
import { DependencyUnavailable } from '../../../src/ports/infrastructure-fault.js';
import { OperationFailure, asOperationFailure, classifyFault } from '../../../src/services/pipeline/operation-failure.js';

describe('failure classification (one place)', () => {
  it.each([
    ['not_found' as const, 'image_pull_failed'],
    ['conflict' as const, 'image_pull_failed'],
    ['failed' as const, 'image_pull_failed'],
  ])('DockerError kind %s (the daemon refused) -> the step code %s, not retryable', (kind, code) => {
    const f = classifyFault(new DockerError(kind, 'x'), 'pulling', 'image_pull_failed');
    expect([f.code, f.retryable]).toEqual([code, false]);
  });

  it.each([
    ['docker' as const, 'docker_unavailable'],
    ['postgres' as const, 'service_unavailable'],
    ['redis' as const, 'service_unavailable'],
  ])('DependencyUnavailable(%s) -> retryable %s', (dependency, code) => {
    const f = classifyFault(new DependencyUnavailable(dependency, 'down'), 'reading', 'image_pull_failed');
    expect([f.code, f.retryable]).toEqual([code, true]);
  });

  // Named behaviour change (issue 8 item 4): a store exception that is not an outage is a
  // bug, internal_error, never retried (it used to be a retryable service_unavailable).
  it('any other exception is internal_error, not retryable; an OperationFailure passes through', () => {
    const bug = classifyFault(Object.assign(new Error('syntax error at or near "FORM"'), { code: '42601' }), 'reading');
    expect([bug.code, bug.retryable]).toEqual(['internal_error', false]);
    expect(classifyFault(new TypeError('x'), 'pulling', 'image_pull_failed').code).toBe('internal_error');
    const f = new OperationFailure('conflict', 'y');
    expect(classifyFault(f, 'pulling', 'image_pull_failed')).toBe(f);
    expect(asOperationFailure(new Error('bug')).code).toBe('internal_error');
    expect(asOperationFailure('string thrown').message).toMatch(/string thrown/);
  });
});
