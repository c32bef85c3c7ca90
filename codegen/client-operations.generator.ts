// generated/openapi/operations.ts: what each operation of the internal API can answer, read
// from the spec's responses (status → body schema, status → `x-rtm-error-codes`). The typed
// client derives its per-operation result types from it (status and error code correlated)
// and checks answers against the runtime table. No import beyond ./types.js: the client
// package ships this file, so it must not pull server code.
import { finalizeContent, generatedHeader, type GeneratedFile } from './generated-file.js';
import type { OpenApiDocument, OpenApiOperation } from './openapi-document.js';
import { OPENAPI_SPEC } from './spec-files.js';

const ERROR_SCHEMA = 'ErrorEnvelope';

const dataAnswers = (op: OpenApiOperation) => op.responses.filter((r) => r.schemaName !== null && r.schemaName !== ERROR_SCHEMA);
const errorAnswers = (op: OpenApiOperation) => op.responses.filter((r) => r.schemaName === ERROR_SCHEMA);
const union = (items: string[]): string => (items.length === 0 ? 'never' : items.join(' | '));

function operationType(op: OpenApiOperation): string[] {
  for (const r of errorAnswers(op)) {
    if (r.errorCodes.length === 0) throw new Error(`${op.operationId} ${r.status}: an ErrorEnvelope answer needs x-rtm-error-codes`);
  }
  // An NDJSON answer's body type is one line's object (the client yields them one by one).
  const data = union(dataAnswers(op).map((r) => `{ status: ${r.status}; body: Schemas['${r.schemaName}']${r.contentType === 'application/x-ndjson' ? '; ndjson: true' : ''} }`));
  const errors = union(errorAnswers(op).map((r) => `{ status: ${r.status}; code: ${r.errorCodes.map((c) => `'${c}'`).join(' | ')} }`));
  return [
    `  /** ${op.method.toUpperCase()} ${op.path}${op.summary ? ` — ${op.summary}` : ''} */`,
    `  ${op.operationId}: {`,
    `    data: ${data};`,
    `    errors: ${errors};`,
    '  };',
  ];
}

function operationTable(op: OpenApiOperation): string {
  const data = dataAnswers(op).map((r) => r.status);
  const errors = errorAnswers(op).map((r) => `${r.status}: [${r.errorCodes.map((c) => `'${c}'`).join(', ')}]`);
  return `  ${op.operationId}: { method: '${op.method.toUpperCase()}', path: '${op.path}', data: [${data.join(', ')}], errors: {${errors.length > 0 ? ` ${errors.join(', ')} ` : ''}} },`;
}

export function generateClientOperations(document: OpenApiDocument): GeneratedFile[] {
  const operations = document.operations();
  const lines = [
    generatedHeader('client-operations.generator.ts', OPENAPI_SPEC).trimEnd(),
    "import type { components } from './types.js';",
    '',
    "type Schemas = components['schemas'];",
    '',
    '/**',
    ' * Per operation: the answers that carry data (`data`: status and body) and the error',
    ' * answers (`errors`: status with the error codes the spec lists for it).',
    ' */',
    'export interface RtmOperationAnswers {',
    ...operations.flatMap(operationType),
    '}',
    '',
    'export type RtmOperationName = keyof RtmOperationAnswers;',
    '',
    'export interface RtmOperationTable {',
    '  readonly method: string;',
    '  readonly path: string;',
    '  readonly data: readonly number[];',
    '  readonly errors: { readonly [status: number]: readonly string[] };',
    '}',
    '',
    '/** The same answers as data, for checking what an RTM actually answered. */',
    'export const RTM_OPERATIONS: { readonly [K in RtmOperationName]: RtmOperationTable } = {',
    ...operations.map(operationTable),
    '};',
  ];
  return [{ path: 'openapi/operations.ts', content: finalizeContent(lines.join('\n')) }];
}
