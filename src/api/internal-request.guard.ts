// Request checks of the internal REST API (CONTRACT §5), driven by each route's contract
// metadata: bearer token, then game_id, X-Galaxy-Caller, query and body. Everything is
// checked before a handler runs, so a rejected request touches nothing. Decisions:
// docs/examples.md "REST API behaviour notes".
import type { ErrorObject } from 'ajv';
import type { RtmOperationId, RtmRouteMetadata } from '../../generated/openapi/contract.js';
import {
  validateListRuntimeOperationsQuery,
  validateListRuntimesQuery,
  validatePatchRuntimeRequest,
  validateRestartRuntimeRequest,
  validateStartRuntimeRequest,
  validateStopRuntimeRequest,
  type Validator,
} from '../../generated/validators/index.js';
import { isValidGameId } from '../domain/game-id.js';
import type { OpSource } from '../domain/operation.js';

/** X-Galaxy-Caller value -> op_source of the operation it triggers. */
export const OP_SOURCE_BY_CALLER: Readonly<Record<string, OpSource>> = {
  game_master: 'gm_rest',
  admin_service: 'admin_rest',
};

export interface ValidatedRequest {
  operationId: RtmOperationId;
  /** Null on routes without a game_id path parameter. */
  gameId: string | null;
  /** From X-Galaxy-Caller; null when the header is optional and absent. */
  opSource: OpSource | null;
  /** Validated query with defaults applied (`limit`). */
  query: Record<string, unknown>;
  /** Validated body; `{}` for a restart sent without one. */
  body: unknown;
}

export type GuardResult = { ok: true; value: ValidatedRequest } | { ok: false; message: string };

interface QueryRule {
  validator: Validator<unknown>;
  /** Unknown query parameters are rejected: a typo (`lmit=5`) must not silently mean "default". */
  known: readonly string[];
}

const QUERY_RULES: Partial<Record<RtmOperationId, QueryRule>> = {
  internalListRuntimes: { validator: validateListRuntimesQuery, known: ['status', 'limit', 'cursor'] },
  internalListRuntimeOperations: { validator: validateListRuntimeOperationsQuery, known: ['limit'] },
};

interface BodyRule {
  validator: Validator<unknown>;
  /** What an absent body means; undefined = a body is required. */
  whenAbsent?: () => unknown;
}

const BODY_RULES: Partial<Record<RtmOperationId, BodyRule>> = {
  internalStartRuntime: { validator: validateStartRuntimeRequest },
  internalStopRuntime: { validator: validateStopRuntimeRequest },
  // Restart takes no parameters: no body at all means the same as `{}`.
  internalRestartRuntime: { validator: validateRestartRuntimeRequest, whenAbsent: () => ({}) },
  internalPatchRuntime: { validator: validatePatchRuntimeRequest },
};

export interface RawRequest {
  params: unknown;
  query: unknown;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export function guardInternalRequest(meta: RtmRouteMetadata, raw: RawRequest): GuardResult {
  const params = (raw.params ?? {}) as Record<string, unknown>;
  let gameId: string | null = null;
  if ('game_id' in params) {
    if (!isValidGameId(params.game_id))
      return reject('game_id must be 1-51 characters of a-z, 0-9 and "-", starting and ending with a letter or digit');
    gameId = params.game_id;
  }

  let opSource: OpSource | null = null;
  if (meta.callerHeader !== 'none') {
    const caller = raw.headers['x-galaxy-caller'];
    if (caller === undefined) {
      if (meta.callerHeader === 'required') return reject(`X-Galaxy-Caller header is required (${callerList()})`);
    } else {
      const source = typeof caller === 'string' ? OP_SOURCE_BY_CALLER[caller] : undefined;
      if (source === undefined) return reject(`X-Galaxy-Caller must be one of ${callerList()}`);
      opSource = source;
    }
  }

  const query = { ...((raw.query ?? {}) as Record<string, unknown>) };
  const queryRule = QUERY_RULES[meta.operationId];
  const unknownParams = Object.keys(query).filter((k) => !(queryRule?.known ?? []).includes(k));
  if (unknownParams.length > 0)
    return reject(
      queryRule
        ? `unknown query parameter ${quoted(unknownParams)}; allowed: ${queryRule.known.join(', ')}`
        : `this operation takes no query parameters (got ${quoted(unknownParams)})`,
    );
  // The query validator coerces strings and applies defaults in place: it gets a copy.
  if (queryRule && !queryRule.validator(query)) return reject(describeErrors('query', queryRule.validator.errors));

  const bodyRule = BODY_RULES[meta.operationId];
  let body = raw.body;
  if (!bodyRule) {
    if (body !== undefined) return reject('this operation takes no request body');
  } else {
    if (body === undefined) {
      if (!bodyRule.whenAbsent) return reject('a JSON request body is required');
      body = bodyRule.whenAbsent();
    }
    if (!bodyRule.validator(body)) return reject(describeErrors('body', bodyRule.validator.errors));
  }

  return { ok: true, value: { operationId: meta.operationId, gameId, opSource, query, body } };
}

function reject(message: string): GuardResult {
  return { ok: false, message };
}

function callerList(): string {
  return Object.keys(OP_SOURCE_BY_CALLER).join(', ');
}

function quoted(names: string[]): string {
  return names.map((n) => JSON.stringify(n.slice(0, 64))).join(', ');
}

/**
 * ajv errors -> one message naming the field and the rule, never the offending value
 * (a caller may have pasted something secret into the wrong field).
 */
export function describeErrors(where: 'body' | 'query', errors: ErrorObject[] | null | undefined): string {
  if (!errors || errors.length === 0) return `invalid ${where}`;
  const parts = new Set<string>();
  for (const e of errors.slice(0, 5)) parts.add(describeError(where, e));
  return [...parts].join('; ');
}

function describeError(where: 'body' | 'query', e: ErrorObject): string {
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
