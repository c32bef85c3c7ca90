// Runs every generator and returns the complete generated/ tree as a list of files.
import { generateApiClient } from './api-client.generator.js';
import { generateClientOperations } from './client-operations.generator.js';
import { loadAsyncApi } from './asyncapi-document.js';
import { generateModels } from './asyncapi-models.generator.js';
import { generateDbTypes } from './db-types.generator.js';
import type { GeneratedFile } from './generated-file.js';
import { OpenApiDocument } from './openapi-document.js';
import { generateOpenApiTypes } from './openapi-types.generator.js';
import { HEALTH_ASYNCAPI_SPEC, JOBS_ASYNCAPI_SPEC } from './spec-files.js';
import { modelsFiles, STREAM_TYPE_IMPORTS, streamIndexExtra, streamValidatorModules } from './stream-catalog.js';
import { generateTsRestContract } from './ts-rest-contract.generator.js';
import { REST_TYPE_IMPORTS, restValidatorModules } from './validator-catalog.js';
import { generateValidators } from './validators.generator.js';
import { generateVocabularies } from './vocabularies.generator.js';

export interface GenerateOptions {
  /** PostgreSQL server for generated/db/types.ts, or null to skip that file. */
  postgresUrl: string | null;
}

export async function generateAll(options: GenerateOptions): Promise<GeneratedFile[]> {
  const openapi = await OpenApiDocument.load();
  const jobs = await loadAsyncApi(JOBS_ASYNCAPI_SPEC);
  const health = await loadAsyncApi(HEALTH_ASYNCAPI_SPEC);
  const files: GeneratedFile[] = [
    ...(await generateOpenApiTypes()),
    ...generateTsRestContract(openapi),
    ...generateApiClient(),
    ...generateClientOperations(openapi),
    ...generateValidators(
      [...restValidatorModules(openapi), ...streamValidatorModules(jobs, health)],
      [...REST_TYPE_IMPORTS, ...STREAM_TYPE_IMPORTS],
      streamIndexExtra(),
    ),
    ...generateVocabularies(openapi, jobs, health),
  ];
  for (const spec of modelsFiles(jobs, health)) files.push(...(await generateModels(spec)));
  if (options.postgresUrl !== null) files.push(...(await generateDbTypes(options.postgresUrl)));
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
