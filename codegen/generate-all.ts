// Runs every generator and returns the complete generated/ tree as a list of files.
import { generateApiClient } from './api-client.generator.js';
import type { GeneratedFile } from './generated-file.js';
import { OpenApiDocument } from './openapi-document.js';
import { generateOpenApiTypes } from './openapi-types.generator.js';
import { generateTsRestContract } from './ts-rest-contract.generator.js';
import { REST_TYPE_IMPORTS, restValidatorModules } from './validator-catalog.js';
import { generateValidators } from './validators.generator.js';

export interface GenerateOptions {
  /** Skip generated/db/types.ts (needs a live PostgreSQL). */
  skipDatabase: boolean;
}

export async function generateAll(options: GenerateOptions): Promise<GeneratedFile[]> {
  const openapi = await OpenApiDocument.load();
  const files: GeneratedFile[] = [
    ...(await generateOpenApiTypes()),
    ...generateTsRestContract(openapi),
    ...generateApiClient(),
    ...generateValidators(restValidatorModules(openapi), REST_TYPE_IMPORTS),
  ];
  void options;
  return files.sort((a, b) => a.path.localeCompare(b.path));
}
