// A value the generated validators (ajv, from the specs) reject becomes one refusal,
// `invalid_request`, whose message names the field and the rule and never the offending
// value (a caller may have pasted something secret into the wrong field). The one
// formatter of validator errors: the REST guard and the stream decoders both use it.
import type { ValidationError } from '../../generated/validators/index.js';
import type { Refusal } from './refusal.js';

/** What was validated: a REST body or query, or a stream entry's fields. */
export type SchemaScope = 'body' | 'query' | 'entry';

/** At most this many errors are named: the first few say what is wrong. */
const MAX_NAMED = 5;

export function schemaRefusal(where: SchemaScope, errors: readonly ValidationError[] | null | undefined): Refusal {
  const parts = new Set((errors ?? []).slice(0, MAX_NAMED).map((e) => describeViolation(where, e)));
  return { errorCode: 'invalid_request', message: parts.size > 0 ? [...parts].join('; ') : `invalid ${where}` };
}

function describeViolation(where: SchemaScope, e: ValidationError): string {
  const path = e.instancePath
    .split('/')
    .filter((s) => s !== '')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
  const field = path === '' ? where : `${where}.${path}`;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties':
      return `${field}: unknown field ${JSON.stringify(String(p.additionalProperty).slice(0, 64))}`;
    case 'required':
      return `${field}: missing required field ${JSON.stringify(p.missingProperty)}`;
    case 'enum':
      return `${field}: must be one of ${(p.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'type':
      return `${field}: must be ${String(p.type)}${where === 'body' && path === '' ? ' (a JSON object)' : ''}`;
    default:
      return `${field}: ${e.message ?? 'is invalid'}`;
  }
}
