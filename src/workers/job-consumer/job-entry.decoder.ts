// The steps every Lobby job entry goes through before its service is called (CONTRACT §6):
// a readable, valid game_id first (without one there is nobody to answer), then the
// field-level checks, each failure naming the problem for the job result's error_message.
import { isValidGameId } from '../../domain/game-id.js';
import type { StreamEntry } from '../../ports/stream-reader.js';
import type { DecodedEntry } from './decoded-entry.js';

/** Problems with an entry's fields against its schema; empty when valid. */
export type JobFieldsCheck = (fields: Record<string, string>) => string[];

export function decodeJobEntry<J>(
  entry: StreamEntry,
  checkFields: JobFieldsCheck,
  build: (fields: Record<string, string>, gameId: string) => J,
): DecodedEntry<J> {
  const raw: string | undefined = entry.fields.game_id;
  if (raw === undefined) return { kind: 'rejected', reason: 'missing_game_id', message: 'the entry has no game_id field' };
  if (!isValidGameId(raw)) {
    const shown = JSON.stringify(String(raw).slice(0, 80));
    return { kind: 'rejected', reason: 'invalid_game_id', message: `game_id ${shown} is not a valid game id` };
  }
  const gameId = raw;
  // A repeated field is ambiguous (which value did the producer mean?): refuse to guess.
  if (entry.duplicateFields.length > 0) {
    return { kind: 'invalid', gameId, message: `fields given more than once: ${entry.duplicateFields.join(', ')}` };
  }
  const problems = checkFields(entry.fields);
  if (problems.length > 0) return { kind: 'invalid', gameId, message: `malformed job: ${problems.join('; ')}` };
  return { kind: 'job', gameId, job: build(entry.fields, gameId) };
}

/** requested_at_ms: Unix milliseconds as a decimal string. */
export function checkUnixMs(name: string, value: string | undefined): string[] {
  if (value === undefined) return [];
  return /^[0-9]{1,15}$/.test(value) ? [] : [`${name} must be Unix milliseconds (digits), got ${JSON.stringify(value.slice(0, 40))}`];
}
