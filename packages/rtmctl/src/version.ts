// rtmctl's own version: its package.json, one level above both src/ (in the repository) and
// dist/ (installed), kept equal to the specs' info.version by codegen:check.
import { readFile } from 'node:fs/promises';

export async function rtmctlVersion(): Promise<string> {
  try {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}
