// Request checks of the internal REST API (CONTRACT §5), driven by each route's contract
// metadata: bearer token, then game_id, X-Galaxy-Caller, query and body. Everything is
// checked before a handler runs, so a rejected request touches nothing. Decisions:
// docs/examples.md "REST API behaviour notes".
import type { ErrorObject } from 'ajv';
import type { RtmOperationId, RtmRouteMetadata } from '../../generated/openapi/contract.js';
import {
  validateGetRuntimeLogsQuery,
  validateListRuntimeOperationsQuery,
  validateListRuntimesQuery,
  validatePatchRuntimeRequest,
  validateRestartRuntimeRequest,
  validateStartRuntimeRequest,
  validateStopRuntimeRequest,
  validateUpdateRuntimeLimitsRequest,
  type Validator,
} from '../../generated/validators/index.js';
import { GALAXY_CALLERS } from '../../generated/vocabularies.js';
import { isValidGameId } from '../domain/game-id.js';
import { parseImageRef } from '../domain/image-ref.js';
import type { OpSource } from '../domain/operation.js';

type GalaxyCaller = (typeof GALAXY_CALLERS)[number];

/** X-Galaxy-Caller value -> op_source of the operation it triggers. */
const OP_SOURCE_BY_CALLER: Readonly<Record<GalaxyCaller, OpSource>> = {
  game_master: 'gm_rest',
  admin_service: 'admin_rest',
};

export function opSourceOf(caller: GalaxyCaller): OpSource {
  return OP_SOURCE_BY_CALLER[caller];
}

function isGalaxyCaller(value: unknown): value is GalaxyCaller {
  return typeof value === 'string' && (GALAXY_CALLERS as readonly string[]).includes(value);
}

/** What the guard hands on: query with defaults applied and coerced, body defaulted. */
export interface ValidatedRequest {
  query: Record<string, unknown> | undefined;
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
  internalGetRuntimeLogs: { validator: validateGetRuntimeLogsQuery, known: ['tail', 'since', 'follow'] },
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
  internalUpdateRuntimeLimits: { validator: validateUpdateRuntimeLimitsRequest },
};

export interface RawRequest {
  params: unknown;
  query: unknown;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export function guardInternalRequest(meta: RtmRouteMetadata, raw: RawRequest): GuardResult {
  const problem = gameIdProblem(raw.params) ?? callerProblem(meta, raw.headers);
  if (problem !== null) return reject(problem);
  const query = checkQuery(meta.operationId, raw.query);
  if (!query.ok) return query;
  const body = checkBody(meta.operationId, raw.body);
  if (!body.ok) return body;
  return { ok: true, value: { query: query.value, body: body.value } };
}

type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

function gameIdProblem(rawParams: unknown): string | null {
  const params = (rawParams ?? {}) as Record<string, unknown>;
  if (!('game_id' in params) || isValidGameId(params.game_id)) return null;
  return 'game_id must be 1-51 characters of a-z, 0-9 and "-", starting and ending with a letter or digit';
}

function callerProblem(meta: RtmRouteMetadata, headers: RawRequest['headers']): string | null {
  if (meta.callerHeader === 'none') return null;
  const caller = headers['x-galaxy-caller'];
  if (caller === undefined) return meta.callerHeader === 'required' ? `X-Galaxy-Caller header is required (${callerList()})` : null;
  return isGalaxyCaller(caller) ? null : `X-Galaxy-Caller must be one of ${callerList()}`;
}

function checkQuery(operationId: RtmOperationId, rawQuery: unknown): Checked<Record<string, unknown> | undefined> {
  const rule = QUERY_RULES[operationId];
  const query = { ...((rawQuery ?? {}) as Record<string, unknown>) };
  const unknownParams = Object.keys(query).filter((k) => !(rule?.known ?? []).includes(k));
  if (unknownParams.length > 0)
    return reject(
      rule
        ? `unknown query parameter ${quoted(unknownParams)}; allowed: ${rule.known.join(', ')}`
        : `this operation takes no query parameters (got ${quoted(unknownParams)})`,
    );
  if (!rule) return { ok: true, value: undefined };
  // The query validator coerces strings and applies defaults in place: it gets a copy.
  if (!rule.validator(query)) return reject(describeErrors('query', rule.validator.errors));
  return { ok: true, value: query };
}

function checkBody(operationId: RtmOperationId, rawBody: unknown): Checked<unknown> {
  const rule = BODY_RULES[operationId];
  if (!rule) return rawBody === undefined ? { ok: true, value: undefined } : reject('this operation takes no request body');
  let body = rawBody;
  if (body === undefined) {
    if (!rule.whenAbsent) return reject('a JSON request body is required');
    body = rule.whenAbsent();
  }
  if (!rule.validator(body)) return reject(describeErrors('body', rule.validator.errors));
  // The schema bounds image_ref's length; the reference grammar is the domain's.
  if (typeof body === 'object' && body !== null && 'image_ref' in body && parseImageRef(body.image_ref) === null)
    return reject('body.image_ref: must be a Docker image reference with a lower-case repository (e.g. galaxy/game:1.2.3)');
  return { ok: true, value: body };
}

function reject(message: string): { ok: false; message: string } {
  return { ok: false, message };
}

function callerList(): string {
  return GALAXY_CALLERS.join(', ');
}

/**
 * Unknown parameter names as echoed (and logged): a short identifier is a typo worth
 * naming (`lmit`); anything else may be a token pasted as a bare key (`?<token>`).
 */
function quoted(names: string[]): string {
  return names.map((n) => (/^[A-Za-z_][A-Za-z0-9_]{0,23}$/.test(n) ? JSON.stringify(n) : '(not shown)')).join(', ');
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
