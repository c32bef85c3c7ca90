// Locations of the hand-written contracts and of the generated tree.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const GENERATED_DIR = path.join(REPO_ROOT, 'generated');
export const MIGRATIONS_DIR = path.join(REPO_ROOT, 'migrations');

export const OPENAPI_SPEC = 'api/internal-openapi.yaml';
export const JOBS_ASYNCAPI_SPEC = 'api/runtime-jobs-asyncapi.yaml';
export const HEALTH_ASYNCAPI_SPEC = 'api/runtime-health-asyncapi.yaml';

export function repoPath(relative: string): string {
  return path.join(REPO_ROOT, relative);
}
