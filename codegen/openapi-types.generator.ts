// generated/openapi/types.ts: the `paths`/`components`/`operations` types, by openapi-typescript.
import openapiTS, { astToString } from 'openapi-typescript';
import { pathToFileURL } from 'node:url';
import { finalizeContent, generatedHeader, type GeneratedFile } from './generated-file.js';
import { OPENAPI_SPEC, repoPath } from './spec-files.js';

export async function generateOpenApiTypes(): Promise<GeneratedFile[]> {
  const ast = await openapiTS(pathToFileURL(repoPath(OPENAPI_SPEC)), { alphabetize: false });
  const content = generatedHeader('openapi-types.generator.ts (openapi-typescript)', OPENAPI_SPEC) + '\n' + astToString(ast);
  return [{ path: 'openapi/types.ts', content: finalizeContent(content) }];
}
