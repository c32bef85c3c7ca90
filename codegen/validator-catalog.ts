// Which validators exist, from which schema, narrowing to which type. Export names follow
// the schema (REST) or the AsyncAPI messageId (streams).
import type { OpenApiDocument } from './openapi-document.js';
import { OPENAPI_SPEC } from './spec-files.js';
import type { ValidatorModule } from './validators.generator.js';

const REST_BODIES = ['StartRuntimeRequest', 'StopRuntimeRequest', 'RestartRuntimeRequest', 'PatchRuntimeRequest', 'UpdateRuntimeLimitsRequest'];
const REST_RESPONSES = [
  'Runtime',
  'RuntimeList',
  'MutationResponse',
  'OperationList',
  'ErrorEnvelope',
  'HealthzResponse',
  'ReadyzResponse',
  'Diagnostics',
  'RuntimeStats',
  'LogLine',
];
/** operationId → exported query validator name. */
const REST_QUERIES: Record<string, string> = {
  internalListRuntimes: 'validateListRuntimesQuery',
  internalListRuntimeOperations: 'validateListRuntimeOperationsQuery',
  internalGetRuntimeLogs: 'validateGetRuntimeLogsQuery',
};

export const REST_TYPE_IMPORTS = ["import type { components, operations } from '../openapi/types.js';"];

/** A query-string schema for one operation, with the component schemas it references. */
function querySchema(document: OpenApiDocument, operationId: string): { document: unknown; name: string } {
  const op = document.operations().find((o) => o.operationId === operationId);
  if (op === undefined) throw new Error(`no operation ${operationId}`);
  const query = op.parameters.filter((p) => p.in === 'query');
  const name = `__${operationId}Query`;
  const raw = document.raw as { components: { schemas: Record<string, unknown> } };
  const schema = {
    type: 'object',
    properties: Object.fromEntries(query.map((p) => [p.name, p.schema])),
    required: query.filter((p) => p.required).map((p) => p.name),
    // Unknown query parameters are rejected: a typo (`lmit=5`) must not silently mean the
    // default. The REST guard names the allowed ones in its message; this keeps the
    // spec-derived validator the rule, not only the guard.
    additionalProperties: false,
  };
  return { document: { components: { schemas: { ...raw.components.schemas, [name]: schema } } }, name };
}

/** `{ name: type; ... }` of the operation's query parameters that have a default. */
function defaultedType(document: OpenApiDocument, operationId: string): string {
  const op = document.operations().find((o) => o.operationId === operationId);
  const defaulted = (op?.parameters ?? []).filter((p) => p.in === 'query' && p.schema.default !== undefined);
  const tsType = (schema: Record<string, unknown>) => (schema.type === 'integer' ? 'number' : String(schema.type));
  return `{ ${defaulted.map((p) => `${p.name}: ${tsType(p.schema)}`).join('; ')} }`;
}

export function restValidatorModules(document: OpenApiDocument): ValidatorModule[] {
  const queryEntries = Object.entries(REST_QUERIES).map(([operationId, exportName]) => {
    const { document: queryDocument, name } = querySchema(document, operationId);
    return { operationId, exportName, queryDocument, name };
  });
  return [
    {
      file: 'rest-bodies.ts',
      source: OPENAPI_SPEC,
      document: document.raw,
      mode: 'strict',
      entries: REST_BODIES.map((name) => ({
        exportName: `validate${name}`,
        schemaName: name,
        typeExpression: `components['schemas']['${name}']`,
      })),
    },
    {
      file: 'rest-responses.ts',
      source: OPENAPI_SPEC,
      document: document.raw,
      mode: 'strict',
      entries: REST_RESPONSES.map((name) => ({
        exportName: `validate${name}`,
        schemaName: name,
        typeExpression: `components['schemas']['${name}']`,
      })),
    },
    ...queryEntries.map(({ operationId, exportName, queryDocument, name }) => ({
      file: `rest-query-${operationId.replace(/^internal/, '').replace(/[A-Z]/g, (ch, i: number) => (i > 0 ? '-' : '') + ch.toLowerCase())}.ts`,
      source: OPENAPI_SPEC,
      document: queryDocument,
      mode: 'coercing' as const,
      entries: [
        {
          exportName,
          schemaName: name,
          // Defaults are applied in place: a parameter with a default is always present after validation.
          typeExpression: `NonNullable<operations['${operationId}']['parameters']['query']> & ${defaultedType(document, operationId)}`,
        },
      ],
    })),
  ];
}
