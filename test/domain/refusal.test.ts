// One function per request rule, each returning the contract's code and one wording: the
// REST guard, the stream decoders and the services all answer with these refusals.
import { describe, expect, it } from 'vitest';
import { checkGameId } from '../../src/domain/game-id.js';
import { checkAllowedImageRef, checkImageRef, parseImageRef, type ImageRef } from '../../src/domain/image-ref.js';
import { checkStopReason } from '../../src/domain/operation.js';
import { schemaRefusal } from '../../src/domain/schema-violation.js';
import { checkPatchTarget, patchRefusal, type SemverImage } from '../../src/domain/semver-patch.js';
import { validateRuntimeStopJob, validateStartRuntimeRequest } from '../../generated/validators/index.js';

const ref = (raw: string): ImageRef => parseImageRef(raw) as ImageRef;
const target = (raw: string): SemverImage => {
  const checked = checkPatchTarget(ref(raw));
  if (!checked.ok) throw new Error(checked.refusal.message);
  return checked.value;
};

describe('checkGameId', () => {
  it('accepts a valid id as is', () => {
    expect(checkGameId('game-1')).toEqual({ ok: true, value: 'game-1' });
  });

  it.each([['Not_Valid'], [''], ['x'.repeat(52)], ['../etc']])('refuses %j with invalid_request, echoing it and naming the rule', (id) => {
    const checked = checkGameId(id);
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.refusal.errorCode).toBe('invalid_request');
    expect(checked.refusal.message).toContain(`game_id ${JSON.stringify(id)} is not a valid game id`);
    expect(checked.refusal.message).toContain('game_id must be 1-51 characters');
    expect(checked.refusal.message).toContain('^[a-z0-9]([a-z0-9-]{0,49}[a-z0-9])?$');
  });

  it('echoes at most 80 characters and names a non-string by its type', () => {
    const long = checkGameId('A'.repeat(300));
    expect(!long.ok && long.refusal.message).toContain(`"${'A'.repeat(80)}"`);
    expect(!long.ok && long.refusal.message).not.toContain('A'.repeat(81));
    const number = checkGameId(42);
    expect(!number.ok && number.refusal.message).toMatch(/^game_id number is not a valid game id/);
  });
});

describe('checkImageRef / checkAllowedImageRef', () => {
  it('returns the parsed reference', () => {
    expect(checkImageRef('galaxy/game:1.2.3')).toEqual({ ok: true, value: ref('galaxy/game:1.2.3') });
  });

  it.each([['UPPER/x'], [''], [5]])('refuses %j with invalid_request', (raw) => {
    const checked = checkImageRef(raw);
    expect(checked).toMatchObject({ ok: false, refusal: { errorCode: 'invalid_request' } });
    expect(!checked.ok && checked.refusal.message).toMatch(/^image_ref .* is not a valid Docker image reference/);
  });

  it('the allowlist refuses with image_ref_not_allowed; an empty list allows all; a bad reference stays invalid_request', () => {
    expect(checkAllowedImageRef('other/game:1.0.0', ['galaxy/'])).toEqual({
      ok: false,
      refusal: { errorCode: 'image_ref_not_allowed', message: 'image_ref other/game:1.0.0 does not match any allowed image prefix' },
    });
    expect(checkAllowedImageRef('other/game:1.0.0', [])).toMatchObject({ ok: true });
    expect(checkAllowedImageRef('galaxy/game:1.0.0', ['galaxy/'])).toMatchObject({ ok: true });
    expect(checkAllowedImageRef('Bad Ref', ['galaxy/'])).toMatchObject({ ok: false, refusal: { errorCode: 'invalid_request' } });
  });
});

describe('semver patch rule', () => {
  it('a patch target needs a semver tag', () => {
    expect(checkPatchTarget(ref('galaxy/game:latest'))).toEqual({
      ok: false,
      refusal: { errorCode: 'image_ref_not_semver', message: 'image_ref galaxy/game:latest has no semver tag (MAJOR.MINOR.PATCH)' },
    });
    expect(target('galaxy/game:v1.2.4').version).toEqual({ major: 1, minor: 2, patch: 4, prerelease: null });
  });

  it.each([
    ['galaxy/game:1.2.3', 'galaxy/game:1.2.9', null],
    ['galaxy/game:1.2.3', 'galaxy/game:1.2.0', null],
    ['galaxy/game:1.2.3', 'galaxy/game:1.3.0', 'semver_patch_only'],
    ['galaxy/game:1.2.3', 'galaxy/game:2.2.3', 'semver_patch_only'],
    ['galaxy/game:1.2.3', 'other/game:1.2.4', 'semver_patch_only'],
    ['galaxy/game:latest', 'galaxy/game:1.2.4', 'image_ref_not_semver'],
    [null, 'galaxy/game:1.2.4', 'image_ref_not_semver'],
  ] as const)('%s -> %s: %s', (current, next, code) => {
    const refusal = patchRefusal(current, target(next));
    expect(refusal?.errorCode ?? null).toBe(code);
  });
});

describe('checkStopReason', () => {
  it('accepts the contract reasons and refuses anything else naming them', () => {
    expect(checkStopReason('finished')).toEqual({ ok: true, value: 'finished' });
    expect(checkStopReason('bored')).toEqual({
      ok: false,
      refusal: { errorCode: 'invalid_request', message: 'reason "bored" is not one of orphan_cleanup, cancelled, finished, admin_request, timeout' },
    });
    expect(checkStopReason('restart')).toMatchObject({ ok: false });
  });
});

describe('schemaRefusal (the one formatter of validator errors)', () => {
  it('names the field and the rule of a REST body, never the value', () => {
    expect(validateStartRuntimeRequest({ image_ref: 5, secret: 'hunter2' })).toBe(false);
    const refusal = schemaRefusal('body', validateStartRuntimeRequest.errors);
    expect(refusal.errorCode).toBe('invalid_request');
    expect(refusal.message).toMatch(/body: unknown field "secret"|body\.image_ref: must be string/);
    expect(refusal.message).not.toContain('hunter2');
  });

  it('names a stream entry field the same way', () => {
    expect(validateRuntimeStopJob({ game_id: 'g', reason: 'bored', requested_at_ms: 'x' })).toBe(false);
    const { message } = schemaRefusal('entry', validateRuntimeStopJob.errors);
    expect(message).toContain('entry.reason: must be one of orphan_cleanup, cancelled, finished, admin_request, timeout');
    expect(message).not.toContain('bored');
    expect(validateRuntimeStopJob({ game_id: 'g' })).toBe(false);
    expect(schemaRefusal('entry', validateRuntimeStopJob.errors).message).toContain('entry: missing required field "reason"');
  });

  it('with no errors to name, says what was invalid', () => {
    expect(schemaRefusal('query', null)).toEqual({ errorCode: 'invalid_request', message: 'invalid query' });
  });
});
