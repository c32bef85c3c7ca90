// A request refused by a domain rule: the contract's error code and a message naming the
// problem. Each rule (game_id, image_ref, semver, stop reason, a schema violation) has one
// function returning one; the REST guard, the stream decoders and the services all call
// that function, so a rule has one wording wherever it is checked.
import type { ErrorCode } from './error-codes.js';

export interface Refusal {
  readonly errorCode: ErrorCode;
  readonly message: string;
}

/** A checked value, or why it was refused. */
export type Checked<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

export function accepted<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function refused(errorCode: ErrorCode, message: string): { ok: false; refusal: Refusal } {
  return { ok: false, refusal: { errorCode, message } };
}

/** A value as quoted in a message: JSON-escaped, at most `max` characters; a non-string by its type. */
export function quotedValue(value: unknown, max = 80): string {
  return typeof value === 'string' ? JSON.stringify(value.slice(0, max)) : typeof value;
}
