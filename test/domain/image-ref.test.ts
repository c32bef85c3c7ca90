import { describe, expect, it } from 'vitest';
import { isImageAllowed, parseImageRef, parseSemverTag } from '../../src/domain/image-ref.js';

const SHA = `sha256:${'a'.repeat(64)}`;

describe('parseImageRef', () => {
  it.each([
    ['galaxy/game:1.0.0', 'galaxy/game', '1.0.0', null],
    ['galaxy/game', 'galaxy/game', null, null],
    ['game', 'game', null, null],
    ['localhost:5000/galaxy/game:1.2.3', 'localhost:5000/galaxy/game', '1.2.3', null],
    ['registry.example.com:443/team/game:v2.0.1', 'registry.example.com:443/team/game', 'v2.0.1', null],
    [`galaxy/game@${SHA}`, 'galaxy/game', null, SHA],
    [`galaxy/game:1.0.0@${SHA}`, 'galaxy/game', '1.0.0', SHA],
    ['galaxy/game-test:1.0.0-smallmem', 'galaxy/game-test', '1.0.0-smallmem', null],
    ['galaxy__x/game_y.z:latest', 'galaxy__x/game_y.z', 'latest', null],
    // A registry host is recognised by "." or ":" or "localhost"; it may be upper-case.
    ['Registry.Example.com/game:1.0.0', 'Registry.Example.com/game', '1.0.0', null],
    ['REGISTRY:5000/game', 'REGISTRY:5000/game', null, null],
    ['localhost/game:1', 'localhost/game', '1', null],
  ])('parses %s', (raw, repository, tag, digest) => {
    expect(parseImageRef(raw)).toEqual({ raw, repository, tag, digest });
  });

  it.each([
    ['', 'empty'],
    ['galaxy/Game:1.0.0', 'uppercase repository path'],
    ['GAME:1.0.0', 'uppercase single-component repository'],
    // Behaviour change (issue 9 item 7): an upper-case first component without "." or ":"
    // is a repository path, not a registry host.
    ['UPPER/x', 'uppercase first path component'],
    ['Registry/game:1.0.0', 'uppercase first path component with a tag'],
    ['galaxy/game:', 'empty tag'],
    ['galaxy/game:-bad', 'tag starting with a hyphen'],
    [`galaxy/game:${'x'.repeat(129)}`, 'tag longer than 128'],
    ['galaxy//game', 'empty path component'],
    ['-galaxy/game', 'leading separator'],
    ['galaxy/game@sha256:abc', 'short digest'],
    ['galaxy/game :1', 'space'],
    ['http://registry/game', 'URL scheme'],
    [`${'a'.repeat(256)}:1`, 'name longer than 255'],
    ['galaxy/game:1.0.0\n', 'trailing newline'],
  ])('rejects %j (%s)', (raw) => {
    expect(parseImageRef(raw)).toBeNull();
  });

  it.each([[null], [undefined], [7]])('rejects the non-string %j', (v) => {
    expect(parseImageRef(v)).toBeNull();
  });
});

describe('parseSemverTag', () => {
  it.each([
    ['1.0.0', { major: 1, minor: 0, patch: 0, prerelease: null }],
    ['v1.2.3', { major: 1, minor: 2, patch: 3, prerelease: null }],
    ['10.20.30', { major: 10, minor: 20, patch: 30, prerelease: null }],
    ['1.0.0-rc.1', { major: 1, minor: 0, patch: 0, prerelease: 'rc.1' }],
    ['1.0.0-smallmem', { major: 1, minor: 0, patch: 0, prerelease: 'smallmem' }],
  ])('parses %s', (tag, expected) => {
    expect(parseSemverTag(tag)).toEqual(expected);
  });

  it.each([['latest'], ['1.0'], ['1'], ['01.0.0'], ['1.00.0'], ['1.0.0.0'], ['V1.0.0'], ['1.0.0-'], ['']])('rejects %j', (tag) => {
    expect(parseSemverTag(tag)).toBeNull();
  });

  it('rejects a missing tag', () => {
    expect(parseSemverTag(null)).toBeNull();
  });
});

describe('isImageAllowed', () => {
  it('allows everything with an empty allowlist', () => {
    expect(isImageAllowed('anything/at:all', [])).toBe(true);
  });
  it('allows by prefix and rejects the rest', () => {
    const list = ['registry.example.com/galaxy/', 'galaxy/game-test:'];
    expect(isImageAllowed('registry.example.com/galaxy/game:1.0.0', list)).toBe(true);
    expect(isImageAllowed('galaxy/game-test:1.0.0', list)).toBe(true);
    expect(isImageAllowed('galaxy/game:1.0.0', list)).toBe(false);
    expect(isImageAllowed('evil.example.com/registry.example.com/galaxy/x:1', list)).toBe(false);
  });
});
