// Environment of the codegen scripts (these are dev tools, not src/, so they read env here).
import { DEFAULT_CODEGEN_POSTGRES_URL } from './db-types.generator.js';
import type { GenerateOptions } from './generate-all.js';

export function codegenOptionsFromEnv(env: NodeJS.ProcessEnv): GenerateOptions {
  if (env.RTM_CODEGEN_SKIP_DB === '1') return { postgresUrl: null };
  return { postgresUrl: env.RTM_CODEGEN_POSTGRES_URL ?? DEFAULT_CODEGEN_POSTGRES_URL };
}
