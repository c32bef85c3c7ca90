import { describe, expect, it } from 'vitest';
import { isValidGameId } from '../../src/domain/game-id.js';

describe('isValidGameId (CONTRACT §2)', () => {
  it.each([
    ['a'],
    ['0'],
    ['game-1'],
    ['abc123'],
    ['a-b-c'],
    ['a--b'],
    ['x'.repeat(51)],
    [`a${'-'.repeat(49)}b`],
  ])('accepts %j', (id) => {
    expect(isValidGameId(id)).toBe(true);
  });

  it.each([
    ['', 'empty'],
    ['x'.repeat(52), '52 characters (hostname galaxy-game-{id} would exceed a DNS label)'],
    ['-game', 'leading hyphen'],
    ['game-', 'trailing hyphen'],
    ['-', 'hyphen only'],
    ['Game', 'uppercase'],
    ['GAME1', 'all uppercase'],
    ['../etc', 'path traversal'],
    ['..', 'dot-dot'],
    ['a/b', 'slash'],
    ['a\\b', 'backslash'],
    ['a.b', 'dot'],
    ['a_b', 'underscore'],
    ['a b', 'space'],
    ['game\n', 'trailing newline'],
    ['\ngame', 'leading newline'],
    ['gäme', 'non-ascii'],
    ['a\u0000b', 'NUL byte'],
    ['%2e%2e', 'url-encoded traversal'],
  ])('rejects %j (%s)', (id) => {
    expect(isValidGameId(id)).toBe(false);
  });

  it.each([[null], [undefined], [42], [{}], [['game']]])('rejects the non-string %j', (v) => {
    expect(isValidGameId(v)).toBe(false);
  });
});
