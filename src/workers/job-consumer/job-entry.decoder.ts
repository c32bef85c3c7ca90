// The steps every Lobby job entry goes through before its service is called (CONTRACT §6):
// a readable game_id first (without one there is nobody to answer), then its validity, then
// the generated AsyncAPI validator, each failure naming the problem for the result's
// error_message. A game_id that can be read but is invalid is answered (invalid_request,
// echoing it) so Lobby hears about every job it sent; only a missing, empty or absurdly long
// one is a counted rejection.
import type { Validator } from '../../../generated/validators/index.js';
import { checkGameId } from '../../domain/game-id.js';
import { schemaRefusal } from '../../domain/schema-violation.js';
import type { StreamEntry } from '../../ports/stream-reader.js';
import type { DecodedEntry } from './decoded-entry.js';

/** Longer ids are not echoed into job_results: nobody produced them as a game id. */
const MAX_ECHOED_GAME_ID_LENGTH = 256;

/** A schema-valid payload may still fail a check the schema cannot express. */
export type BuiltJob<J> = { ok: true; job: J } | { ok: false; problem: string };

export function decodeJobEntry<P, J>(
  entry: StreamEntry,
  validate: Validator<P>,
  build: (payload: P) => BuiltJob<J>,
): DecodedEntry<J> {
  const raw: string | undefined = entry.fields.game_id;
  if (raw === undefined || raw === '') return { kind: 'rejected', reason: 'missing_game_id', message: 'the entry has no game_id' };
  if (raw.length > MAX_ECHOED_GAME_ID_LENGTH) {
    const shown = JSON.stringify(raw.slice(0, 80));
    return { kind: 'rejected', reason: 'invalid_game_id', message: `game_id ${shown}… (${raw.length} chars) is not a game id` };
  }
  const checked = checkGameId(raw);
  if (!checked.ok) return { kind: 'invalid', gameId: raw, message: `malformed job: ${checked.refusal.message}` };
  const gameId = checked.value;
  // A repeated field is ambiguous (which value did the producer mean?): refuse to guess.
  if (entry.duplicateFields.length > 0) {
    return { kind: 'invalid', gameId, message: `malformed job: fields given more than once: ${entry.duplicateFields.join(', ')}` };
  }
  const fields: unknown = entry.fields;
  if (!validate(fields)) {
    return { kind: 'invalid', gameId, message: `malformed job: ${schemaRefusal('entry', validate.errors).message}` };
  }
  const built = build(fields);
  if (!built.ok) return { kind: 'invalid', gameId, message: `malformed job: ${built.problem}` };
  return { kind: 'job', gameId, job: built.job };
}
