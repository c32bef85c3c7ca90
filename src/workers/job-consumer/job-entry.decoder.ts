// The steps every Lobby job entry goes through before its service is called (CONTRACT §6):
// a readable, valid game_id first (without one there is nobody to answer), then the
// generated AsyncAPI validator, each failure naming the problem for the result's error_message.
import type { ValidationError, Validator } from '../../../generated/validators/index.js';
import { isValidGameId } from '../../domain/game-id.js';
import type { StreamEntry } from '../../ports/stream-reader.js';
import type { DecodedEntry } from './decoded-entry.js';

/** A schema-valid payload may still fail a check the schema cannot express. */
export type BuiltJob<J> = { ok: true; job: J } | { ok: false; problem: string };

export function decodeJobEntry<P, J>(
  entry: StreamEntry,
  validate: Validator<P>,
  build: (payload: P) => BuiltJob<J>,
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
    return { kind: 'invalid', gameId, message: `malformed job: fields given more than once: ${entry.duplicateFields.join(', ')}` };
  }
  const fields: unknown = entry.fields;
  if (!validate(fields)) {
    return { kind: 'invalid', gameId, message: `malformed job: ${describeValidationErrors(validate.errors ?? [])}` };
  }
  const built = build(fields);
  if (!built.ok) return { kind: 'invalid', gameId, message: `malformed job: ${built.problem}` };
  return { kind: 'job', gameId, job: built.job };
}

/** "missing field image_ref; field reason must be one of: …" — for error_message and logs. */
export function describeValidationErrors(errors: readonly ValidationError[]): string {
  const parts = errors.map((e) => {
    const field = e.instancePath.replace(/^\//, '');
    if (e.keyword === 'required') return `missing field ${String(e.params.missingProperty)}`;
    if (e.keyword === 'enum') {
      const allowed = (e.params.allowedValues as unknown[] | undefined)?.join(', ') ?? '';
      return `field ${field} must be one of: ${allowed}`;
    }
    return `field ${field || '(entry)'} ${e.message ?? 'is invalid'}`;
  });
  return [...new Set(parts)].join('; ') || 'invalid entry';
}
