// generated/vocabularies.ts: the contract's closed vocabularies (error codes and their HTTP
// status, result codes, statuses, op kinds and sources, outcomes, stop reasons, health
// event types, callers, notification intent types) as `as const` lists, read from the
// specs' enums, and the GameId pattern. src/domain re-exports them: adding a value is one
// spec edit and `npm run codegen`. Where a vocabulary appears in more than one spec, the
// copies must agree or codegen fails.
import type { LoadedAsyncApi } from './asyncapi-document.js';
import { finalizeContent, generatedHeader, type GeneratedFile } from './generated-file.js';
import type { OpenApiDocument } from './openapi-document.js';

type JsonObject = Record<string, unknown>;

/** Exported name -> components.schemas entry of the OpenAPI document holding its enum. */
const OPENAPI_VOCABULARIES: ReadonlyArray<readonly [string, string]> = [
  ['ERROR_CODES', 'ErrorCode'],
  ['RESULT_CODES', 'ResultCode'],
  ['RUNTIME_STATUSES', 'RuntimeStatus'],
  ['STOP_REASONS', 'StopReason'],
  ['HEALTH_EVENT_TYPES', 'HealthEventType'],
  ['OP_KINDS', 'OpKind'],
  ['OP_SOURCES', 'OpSource'],
  ['OUTCOMES', 'Outcome'],
  ['GALAXY_CALLERS', 'GalaxyCaller'],
];

/** AsyncAPI schemas that repeat an OpenAPI vocabulary: [spec, schema, OpenAPI schema, values only there]. */
const ASYNCAPI_COPIES: ReadonlyArray<readonly [string, string, string, readonly string[]]> = [
  ['jobs', 'StopReason', 'StopReason', []],
  ['jobs', 'JobOutcome', 'Outcome', []],
  ['jobs', 'JobResultErrorCode', 'ResultCode', ['']],
  ['health', 'HealthEventType', 'HealthEventType', []],
];

function schemaOf(raw: JsonObject, name: string, where: string): JsonObject {
  const schemas = (raw.components as JsonObject | undefined)?.schemas as JsonObject | undefined;
  const schema = schemas?.[name];
  if (typeof schema !== 'object' || schema === null) throw new Error(`${where}: components.schemas.${name} is missing`);
  return schema as JsonObject;
}

function enumOf(raw: JsonObject, name: string, where: string): string[] {
  const values = schemaOf(raw, name, where).enum;
  if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) throw new Error(`${where}: ${name}.enum must list strings`);
  return values as string[];
}

/** ErrorCode's `x-rtm-http-status`, checked against every response's `x-rtm-error-codes`. */
function httpStatusByErrorCode(openapi: OpenApiDocument, codes: readonly string[]): Record<string, number> {
  const table = schemaOf(openapi.raw, 'ErrorCode', 'openapi')['x-rtm-http-status'] as Record<string, unknown> | undefined;
  if (!table) throw new Error('openapi: ErrorCode needs x-rtm-http-status (code -> HTTP status)');
  const result: Record<string, number> = {};
  for (const code of codes) {
    const status = table[code];
    if (typeof status !== 'number' || status < 400 || status > 599) throw new Error(`openapi: x-rtm-http-status has no 4xx/5xx status for ${code}`);
    result[code] = status;
  }
  const extra = Object.keys(table).filter((k) => !codes.includes(k));
  if (extra.length > 0) throw new Error(`openapi: x-rtm-http-status names codes not in ErrorCode: ${extra.join(', ')}`);
  for (const op of openapi.operations()) {
    for (const response of op.responses) {
      for (const code of response.errorCodes) {
        if (result[code] !== response.status) {
          throw new Error(`openapi: ${op.operationId} lists ${code} under ${response.status}, its status is ${String(result[code])}`);
        }
      }
    }
  }
  return result;
}

function checkAsyncApiCopies(openapi: OpenApiDocument, specs: { jobs: LoadedAsyncApi; health: LoadedAsyncApi }): void {
  for (const [spec, schema, openapiSchema, onlyThere] of ASYNCAPI_COPIES) {
    const copy = enumOf(specs[spec as 'jobs' | 'health'].raw, schema, specs[spec as 'jobs' | 'health'].source);
    const expected = [...onlyThere, ...enumOf(openapi.raw, openapiSchema, 'openapi')];
    if (JSON.stringify(copy) !== JSON.stringify(expected)) {
      throw new Error(`${specs[spec as 'jobs' | 'health'].source}: ${schema} must list ${expected.join(', ')} (as the OpenAPI ${openapiSchema}), got ${copy.join(', ')}`);
    }
  }
}

/** GameId's pattern: one in each spec, all the same (src/domain/game-id.ts compiles it). */
function gameIdPattern(openapi: OpenApiDocument, specs: readonly LoadedAsyncApi[]): string {
  const pattern = schemaOf(openapi.raw, 'GameId', 'openapi').pattern;
  if (typeof pattern !== 'string') throw new Error('openapi: GameId needs a pattern');
  for (const spec of specs) {
    const copy = schemaOf(spec.raw, 'GameId', spec.source).pattern;
    if (copy !== pattern) throw new Error(`${spec.source}: GameId.pattern must be ${pattern} (as the OpenAPI GameId), got ${String(copy)}`);
  }
  return pattern;
}

const NOTIFICATION_CHANNEL = 'notification:intents';

function localRef(value: unknown, kind: 'messages' | 'schemas', where: string): string {
  const ref = (value as JsonObject | undefined)?.$ref;
  const prefix = `#/components/${kind}/`;
  if (typeof ref !== 'string' || !ref.startsWith(prefix)) throw new Error(`${where}: expected a $ref to ${prefix}…`);
  return ref.slice(prefix.length);
}

/** The intent_type of every message of notification:intents (each message's one-value enum). */
function notificationIntentTypes(health: LoadedAsyncApi): string[] {
  const where = `${health.source}: channels.${NOTIFICATION_CHANNEL}`;
  const channel = (health.raw.channels as JsonObject | undefined)?.[NOTIFICATION_CHANNEL] as JsonObject | undefined;
  const message = ((channel?.subscribe ?? channel?.publish) as JsonObject | undefined)?.message as JsonObject | undefined;
  const oneOf = message?.oneOf;
  if (!Array.isArray(oneOf) || oneOf.length === 0) throw new Error(`${where} must list its messages under message.oneOf`);
  const messages = (health.raw.components as JsonObject).messages as JsonObject;
  return oneOf.map((m) => {
    const name = localRef(m, 'messages', where);
    const payload = schemaOf(health.raw, localRef((messages[name] as JsonObject | undefined)?.payload, 'schemas', `${where} ${name}`), health.source);
    const intentType = (payload.properties as JsonObject | undefined)?.intent_type;
    const values = enumOf(health.raw, localRef(intentType, 'schemas', `${where} ${name}.intent_type`), health.source);
    if (values.length !== 1) throw new Error(`${where} ${name}: intent_type must be a one-value enum`);
    return values[0] as string;
  });
}

const list = (values: readonly string[]): string => `[${values.map((v) => `'${v}'`).join(', ')}]`;

export function generateVocabularies(openapi: OpenApiDocument, jobs: LoadedAsyncApi, health: LoadedAsyncApi): GeneratedFile[] {
  checkAsyncApiCopies(openapi, { jobs, health });
  const lines: string[] = [generatedHeader('vocabularies.generator.ts', 'api/*.yaml'), "import type { components } from './openapi/types.js';", ''];
  lines.push("type Schemas = components['schemas'];", '');
  for (const [exported, schema] of OPENAPI_VOCABULARIES) {
    lines.push(`export const ${exported} = ${list(enumOf(openapi.raw, schema, 'openapi'))} as const satisfies readonly Schemas['${schema}'][];`);
  }
  const codes = enumOf(openapi.raw, 'ErrorCode', 'openapi');
  const statuses = httpStatusByErrorCode(openapi, codes);
  lines.push('', '/** The code -> HTTP status table (ErrorCode `x-rtm-http-status` in api/internal-openapi.yaml). */');
  lines.push("export const HTTP_STATUS_BY_ERROR_CODE = {");
  for (const code of codes) lines.push(`  ${code}: ${statuses[code]},`);
  lines.push("} as const satisfies Readonly<Record<Schemas['ErrorCode'], number>>;");
  lines.push('', `/** The intent_type of each message of ${NOTIFICATION_CHANNEL} (api/runtime-health-asyncapi.yaml). */`);
  lines.push(`export const NOTIFICATION_INTENT_TYPES = ${list(notificationIntentTypes(health))} as const;`);
  lines.push('', '/** GameId.pattern, the same in the three specs (CONTRACT §2). */');
  lines.push(`export const GAME_ID_PATTERN = ${JSON.stringify(gameIdPattern(openapi, [jobs, health]))};`);
  return [{ path: 'vocabularies.ts', content: finalizeContent(lines.join('\n')) }];
}
