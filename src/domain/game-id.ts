// game_id validation (CONTRACT §2): the id becomes a container name, a DNS label and a
// directory name, so it is checked before any of those is built from it. The pattern is
// the specs' GameId.pattern (generated/vocabularies.ts); this is its one use in src/.
import { GAME_ID_PATTERN as SPEC_PATTERN } from '../../generated/vocabularies.js';
import { accepted, quotedValue, refused, type Checked } from './refusal.js';

export const GAME_ID_PATTERN = new RegExp(SPEC_PATTERN);

export function isValidGameId(value: unknown): value is string {
  return typeof value === 'string' && GAME_ID_PATTERN.test(value);
}

/** The one game_id check of a request (REST path, stream entry, operation). */
export function checkGameId(value: unknown): Checked<string> {
  if (isValidGameId(value)) return accepted(value);
  return refused(
    'invalid_request',
    `game_id ${quotedValue(value)} is not a valid game id: game_id must be 1-51 characters of a-z, 0-9 and "-", starting and ending with a letter or digit (${SPEC_PATTERN})`,
  );
}
