// generated/openapi/client.ts: a typed openapi-fetch client factory (fixed template over
// the generated `paths` type) for Game Master, Admin Service and RTM's own tests.
import { finalizeContent, generatedHeader, type GeneratedFile } from './generated-file.js';
import { OPENAPI_SPEC } from './spec-files.js';

export function generateApiClient(): GeneratedFile[] {
  const content = `${generatedHeader('api-client.generator.ts', OPENAPI_SPEC)}
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './types.js';

export type RtmCaller = 'game_master' | 'admin_service';

export interface RtmApiClientOptions {
  baseUrl: string;
  /** Bearer token, needed when RTM runs with RTMANAGER_INTERNAL_API_TOKENS. */
  token?: string;
  /** Sent as X-Galaxy-Caller on every call (required by mutating calls). */
  caller?: RtmCaller;
  fetch?: typeof fetch;
}

/**
 * The caller header is set once by the factory, so per-call header params become optional
 * in the client's view of \`paths\` (the server still rejects a call without it).
 */
type WithOptionalHeaders<Operation> = Operation extends { parameters: infer Params }
  ? Omit<Operation, 'parameters'> & {
      parameters: Omit<Params, 'header'> & {
        header?: Params extends { header?: infer Header } ? Partial<NonNullable<Header>> : never;
      };
    }
  : Operation;
export type RtmClientPaths = {
  [Path in keyof paths]: { [Method in keyof paths[Path]]: WithOptionalHeaders<paths[Path][Method]> };
};

export type RtmApiClient = Client<RtmClientPaths, 'application/json'>;

export function createRtmApiClient(opts: RtmApiClientOptions): RtmApiClient {
  const headers: Record<string, string> = {};
  if (opts.token !== undefined) headers.Authorization = \`Bearer \${opts.token}\`;
  if (opts.caller !== undefined) headers['X-Galaxy-Caller'] = opts.caller;
  return createClient<RtmClientPaths>({
    baseUrl: opts.baseUrl,
    headers,
    ...(opts.fetch !== undefined ? { fetch: opts.fetch } : {}),
  });
}
`;
  return [{ path: 'openapi/client.ts', content: finalizeContent(content) }];
}
