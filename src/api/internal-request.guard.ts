// Request checks of the internal REST API (CONTRACT §5), driven by each route's contract
// metadata: bearer token, then game_id, X-Galaxy-Caller, query and body. Everything is
// checked before a handler runs, so a rejected request touches nothing. Decisions:
// docs/examples.md "REST API behaviour notes".
import type { RtmOperationId, RtmRouteMetadata } from '../../generated/openapi/contract.js';
import {
  validateGetRuntimeLogsQuery,
  validateListRuntimeOperationsQuery,
  validateTailEventsQuery,
  validateListRuntimesQuery,
  validatePatchRuntimeRequest,
  validateRestartRuntimeRequest,
  validateStartRuntimeRequest,
  validateStopRuntimeRequest,
  validateUpdateRuntimeLimitsRequest,
  type Validator,
} from '../../generated/validators/index.js';
import { GALAXY_CALLERS } from '../../generated/vocabularies.js';
import { checkGameId } from '../domain/game-id.js';
import { checkImageRef } from '../domain/image-ref.js';
import type { OpSource } from '../domain/operation.js';
import { schemaRefusal } from '../domain/schema-violation.js';

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
  internalTailEvents: { validator: validateTailEventsQuery, known: ['from', 'game_id', 'max'] },
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
  if (!('game_id' in params)) return null;
  const checked = checkGameId(params.game_id);
  return checked.ok ? null : checked.refusal.message;
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
  if (!rule.validator(query)) return reject(schemaRefusal('query', rule.validator.errors).message);
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
  if (!rule.validator(body)) return reject(schemaRefusal('body', rule.validator.errors).message);
  // The schema bounds image_ref's length; the reference grammar is the domain's.
  if (typeof body === 'object' && body !== null && 'image_ref' in body) {
    const imageRef = checkImageRef(body.image_ref);
    if (!imageRef.ok) return reject(imageRef.refusal.message);
  }
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
