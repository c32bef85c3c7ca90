// Reads api/internal-openapi.yaml and answers the questions the generators ask of it
// (operations in spec order, resolved parameters and responses). Only local refs are used.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { OPENAPI_SPEC, repoPath } from './spec-files.js';

type JsonObject = Record<string, unknown>;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface OpenApiParameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: JsonObject;
}

export interface OpenApiResponse {
  status: number;
  /** Name of the components.schemas entry of the body (of one NDJSON line), or null when there is no body. */
  schemaName: string | null;
  /** `application/json`, or `application/x-ndjson` for a streamed answer (one schemaName object per line). */
  contentType: 'application/json' | 'application/x-ndjson' | null;
  errorCodes: string[];
}

export interface OpenApiOperation {
  operationId: string;
  method: HttpMethod;
  path: string;
  summary: string | undefined;
  parameters: OpenApiParameter[];
  /** components.schemas name of the JSON request body, or null. */
  requestBodySchema: string | null;
  responses: OpenApiResponse[];
  /** True when the operation has an empty `security` list (no bearer token ever). */
  public: boolean;
}

function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} is not an object`);
  return value as JsonObject;
}

export class OpenApiDocument {
  private constructor(readonly raw: JsonObject) {}

  static async load(relativePath = OPENAPI_SPEC): Promise<OpenApiDocument> {
    return new OpenApiDocument(asObject(parse(await readFile(repoPath(relativePath), 'utf8')), 'OpenAPI document'));
  }

  private resolve(value: unknown, what: string): JsonObject {
    const object = asObject(value, what);
    const ref = object.$ref;
    if (typeof ref !== 'string') return object;
    if (!ref.startsWith('#/')) throw new Error(`${what}: only local refs are supported (${ref})`);
    let target: unknown = this.raw;
    for (const part of ref.slice(2).split('/')) target = asObject(target, ref)[part];
    return this.resolve(target, ref);
  }

  private schemaRefName(schema: unknown, what: string): string {
    const ref = asObject(schema, what).$ref;
    const match = typeof ref === 'string' ? /^#\/components\/schemas\/(.+)$/.exec(ref) : null;
    if (!match?.[1]) throw new Error(`${what}: a JSON body schema must be a $ref to components.schemas`);
    return match[1];
  }

  private jsonSchemaName(holder: JsonObject, what: string): string | null {
    if (holder.content === undefined) return null;
    // JSON, or NDJSON (a stream of lines: the schema is one line's).
    const content = asObject(holder.content, what);
    const mediaType = content['application/json'] !== undefined ? 'application/json' : 'application/x-ndjson';
    const json = asObject(content[mediaType], `${what} ${mediaType}`);
    return this.schemaRefName(json.schema, what);
  }

  /** A response's body: JSON, or NDJSON (a stream of one schema's objects, e.g. engine logs). */
  private responseBody(holder: JsonObject, what: string): Pick<OpenApiResponse, 'schemaName' | 'contentType'> {
    if (holder.content === undefined) return { schemaName: null, contentType: null };
    const content = asObject(holder.content, what);
    const ndjson = content['application/x-ndjson'];
    if (ndjson === undefined) return { schemaName: this.jsonSchemaName(holder, what), contentType: 'application/json' };
    return { schemaName: this.schemaRefName(asObject(ndjson, `${what} application/x-ndjson`).schema, what), contentType: 'application/x-ndjson' };
  }

  operations(): OpenApiOperation[] {
    const result: OpenApiOperation[] = [];
    for (const [path, pathItemValue] of Object.entries(asObject(this.raw.paths, 'paths'))) {
      const pathItem = asObject(pathItemValue, path);
      const shared = (pathItem.parameters as unknown[] | undefined) ?? [];
      for (const method of HTTP_METHODS) {
        if (pathItem[method] === undefined) continue;
        const op = asObject(pathItem[method], `${method} ${path}`);
        const what = `${method.toUpperCase()} ${path}`;
        const parameters = [...shared, ...((op.parameters as unknown[] | undefined) ?? [])].map((p) => {
          const param = this.resolve(p, `${what} parameter`);
          return {
            name: String(param.name),
            in: param.in as OpenApiParameter['in'],
            required: param.required === true,
            schema: this.resolve(param.schema, `${what} parameter ${String(param.name)} schema`),
          };
        });
        const responses = Object.entries(asObject(op.responses, `${what} responses`)).map(([status, r]) => {
          const response = this.resolve(r, `${what} ${status}`);
          const codes = response['x-rtm-error-codes'];
          return {
            status: Number(status),
            ...this.responseBody(response, `${what} ${status}`),
            errorCodes: Array.isArray(codes) ? codes.map(String) : [],
          };
        });
        const body = op.requestBody === undefined ? null : this.resolve(op.requestBody, `${what} requestBody`);
        result.push({
          operationId: String(op.operationId),
          method,
          path,
          summary: typeof op.summary === 'string' ? op.summary : undefined,
          parameters,
          requestBodySchema: body === null ? null : this.jsonSchemaName(body, `${what} requestBody`),
          responses,
          public: Array.isArray(op.security) && op.security.length === 0,
        });
      }
    }
    return result;
  }
}
