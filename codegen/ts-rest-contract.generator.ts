// generated/openapi/contract.ts: a ts-rest router with one route per OpenAPI operation
// (route key = operationId). Plain `c.type<>()` types only, no zod: the OpenAPI document
// stays the one validation source (see generated/validators).
import { finalizeContent, generatedHeader, type GeneratedFile } from './generated-file.js';
import type { OpenApiDocument, OpenApiOperation } from './openapi-document.js';
import { OPENAPI_SPEC } from './spec-files.js';

/** `/runtimes/{game_id}` → `/runtimes/:game_id`. */
export function toTsRestPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

function objectType(fields: Array<{ name: string; required: boolean; type: string }>): string {
  return `{ ${fields.map((f) => `${JSON.stringify(f.name)}${f.required ? '' : '?'}: ${f.type}`).join('; ')} }`;
}

function callerHeader(op: OpenApiOperation): 'required' | 'optional' | 'none' {
  const header = op.parameters.find((p) => p.in === 'header' && p.name.toLowerCase() === 'x-galaxy-caller');
  if (header === undefined) return 'none';
  return header.required ? 'required' : 'optional';
}

function route(op: OpenApiOperation): string {
  const lines: string[] = [];
  lines.push(`  ${op.operationId}: {`);
  lines.push(`    method: '${op.method.toUpperCase()}',`);
  lines.push(`    path: '${toTsRestPath(op.path)}',`);
  if (op.summary !== undefined) lines.push(`    summary: ${JSON.stringify(op.summary)},`);
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  if (pathParams.length > 0) {
    lines.push(`    pathParams: c.type<${objectType(pathParams.map((p) => ({ name: p.name, required: true, type: 'string' })))}>(),`);
  }
  const query = op.parameters.filter((p) => p.in === 'query');
  if (query.length > 0) {
    // Handlers see the query as the guard leaves it: validated, coerced, defaults applied.
    const defaulted = query.filter((p) => p.schema.default !== undefined).map((p) => `'${p.name}'`);
    const type = `NonNullable<Operations['${op.operationId}']['parameters']['query']>`;
    lines.push(`    query: c.type<${defaulted.length > 0 ? `WithDefaults<${type}, ${defaulted.join(' | ')}>` : type}>(),`);
  }
  const caller = callerHeader(op);
  if (caller !== 'none') {
    // Node lower-cases header names; the guard admits only the spec's GalaxyCaller values.
    lines.push(`    headers: c.type<{ 'x-galaxy-caller'${caller === 'required' ? '' : '?'}: Schemas['GalaxyCaller'] }>(),`);
  }
  if (op.requestBodySchema !== null) {
    lines.push(`    body: c.type<Schemas['${op.requestBodySchema}']>(),`);
  } else if (op.method === 'post' || op.method === 'put' || op.method === 'patch') {
    lines.push('    body: c.noBody(),');
  }
  lines.push('    responses: {');
  for (const response of op.responses) {
    // A streamed NDJSON answer: the handler returns a Readable of encoded lines.
    const type =
      response.schemaName === null
        ? 'c.noBody()'
        : response.contentType === 'application/x-ndjson'
          ? `c.otherResponse({ contentType: 'application/x-ndjson', body: c.type<NdjsonStream>() })`
          : `c.type<Schemas['${response.schemaName}']>()`;
    lines.push(`      ${response.status}: ${type},`);
  }
  lines.push('    },');
  const errorCodes = op.responses
    .filter((r) => r.errorCodes.length > 0)
    .map((r) => `${r.status}: [${r.errorCodes.map((code) => `'${code}'`).join(', ')}]`)
    .join(', ');
  lines.push('    metadata: {');
  lines.push(`      operationId: '${op.operationId}',`);
  lines.push(`      callerHeader: '${callerHeader(op)}',`);
  lines.push(`      bearerAuth: ${op.public ? 'false' : 'true'},`);
  lines.push(`      errorCodes: { ${errorCodes} },`);
  lines.push('    } as const,');
  lines.push('  },');
  return lines.join('\n');
}

export function generateTsRestContract(document: OpenApiDocument): GeneratedFile[] {
  const operations = document.operations();
  const content = `${generatedHeader('ts-rest-contract.generator.ts', OPENAPI_SPEC)}
import { initContract } from '@ts-rest/core';
import type { components, operations as Operations } from './types.js';

type Schemas = components['schemas'];
/** The body of an NDJSON answer: a stream of encoded lines, each one JSON object of the spec's line schema. */
type NdjsonStream = NodeJS.ReadableStream;
/** A validated query: parameters with a spec default are always present. */
type WithDefaults<T, K extends keyof T> = T & Required<Pick<T, K>>;

const c = initContract();

/**
 * Route metadata: \`operationId\`; \`callerHeader\` says whether X-Galaxy-Caller is required
 * (mutations), optional (reads) or not used; \`bearerAuth\` is true where the bearer token
 * applies when RTMANAGER_INTERNAL_API_TOKENS is set; \`errorCodes\` lists, per HTTP status,
 * the ErrorEnvelope codes the operation may answer.
 */
export interface RtmRouteMetadata {
  readonly operationId: RtmOperationId;
  readonly callerHeader: 'required' | 'optional' | 'none';
  readonly bearerAuth: boolean;
  readonly errorCodes: Readonly<Partial<Record<number, readonly Schemas['ErrorCode'][]>>>;
}

export const rtmInternalContract = c.router(
  {
${operations.map(route).join('\n').replace(/^/gm, '  ')}
  },
  { strictStatusCodes: true },
);

export type RtmInternalContract = typeof rtmInternalContract;

export const RTM_OPERATION_IDS = [
${operations.map((op) => `  '${op.operationId}',`).join('\n')}
] as const;
export type RtmOperationId = (typeof RTM_OPERATION_IDS)[number];
`;
  return [{ path: 'openapi/contract.ts', content: finalizeContent(content) }];
}
