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
  'RuntimeEventLine',
];
/** operationId → exported query validator name. */
const REST_QUERIES: Record<string, string> = {
  internalListRuntimes: 'validateListRuntimesQuery',
  internalListRuntimeOperations: 'validateListRuntimeOperationsQuery',
  internalGetRuntimeLogs: 'validateGetRuntimeLogsQuery',
  internalTailEvents: 'validateTailEventsQuery',
};

/** `Q & { limit: number }` for the parameters that have a default; `Q` when none has. */
function withDefaults(query: string, defaulted: ReadonlyArray<{ name: string; type: string }>): string {
  return defaulted.length === 0 ? query : `${query} & { ${defaulted.map((d) => `${d.name}: ${d.type}`).join('; ')} }`;
}

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

export function restValidatorModules(document: OpenApiDocument): ValidatorModule[] {
  const queryEntries = Object.entries(REST_QUERIES).map(([operationId, exportName]) => {
    const { document: queryDocument, name } = querySchema(document, operationId);
    const op = document.operations().find((o) => o.operationId === operationId);
    const defaulted = (op?.parameters ?? [])
      .filter((p) => p.in === 'query' && p.schema.default !== undefined)
      .map((p) => ({ name: p.name, type: p.schema.type === 'integer' || p.schema.type === 'number' ? 'number' : 'string' }));
    return { operationId, exportName, queryDocument, name, defaulted };
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
    ...queryEntries.map(({ operationId, exportName, queryDocument, name, defaulted }) => ({
      file: `rest-query-${operationId.replace(/^internal/, '').replace(/[A-Z]/g, (ch, i: number) => (i > 0 ? '-' : '') + ch.toLowerCase())}.ts`,
      source: OPENAPI_SPEC,
      document: queryDocument,
      mode: 'coercing' as const,
      entries: [
        {
          exportName,
          schemaName: name,
          // Defaults are applied in place, so a parameter with one is always present after validation.
          typeExpression: withDefaults(`NonNullable<operations['${operationId}']['parameters']['query']>`, defaulted),
        },
      ],
    })),
  ];
}
