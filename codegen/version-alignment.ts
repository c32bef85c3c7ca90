// Versions move together (issue 10): the OpenAPI info.version, both AsyncAPI info.versions,
// the root package, both workspace packages (and rtmctl's pin of the client) and the newest
// CHANGELOG.md entry. `npm run codegen:check` fails on any drift.
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { HEALTH_ASYNCAPI_SPEC, JOBS_ASYNCAPI_SPEC, OPENAPI_SPEC, repoPath } from './spec-files.js';

const PACKAGE_FILES = ['package.json', 'packages/rtmanager-client/package.json', 'packages/rtmctl/package.json'];

export interface VersionSource {
  where: string;
  version: string | null;
}

async function specVersion(file: string): Promise<VersionSource> {
  const doc = parse(await readFile(repoPath(file), 'utf8')) as { info?: { version?: unknown } };
  return { where: `${file} info.version`, version: typeof doc.info?.version === 'string' ? doc.info.version : null };
}

export async function collectVersions(): Promise<VersionSource[]> {
  const sources = await Promise.all([OPENAPI_SPEC, JOBS_ASYNCAPI_SPEC, HEALTH_ASYNCAPI_SPEC].map(specVersion));
  for (const file of PACKAGE_FILES) {
    const pkg = JSON.parse(await readFile(repoPath(file), 'utf8')) as { version?: unknown; dependencies?: Record<string, string> };
    sources.push({ where: `${file} version`, version: typeof pkg.version === 'string' ? pkg.version : null });
    const pin = pkg.dependencies?.['@galaxy/rtmanager-client'];
    if (pin !== undefined) sources.push({ where: `${file} dependencies.@galaxy/rtmanager-client`, version: pin });
  }
  const changelog = await readFile(repoPath('CHANGELOG.md'), 'utf8').catch(() => '');
  sources.push({ where: 'CHANGELOG.md newest "## x.y.z" entry', version: /^## \[?(\d+\.\d+\.\d+[^\]\s]*)/m.exec(changelog)?.[1] ?? null });
  return sources;
}

/** One line per source that differs from the OpenAPI version; empty when all agree. */
export function versionDrift(sources: readonly VersionSource[]): string[] {
  const reference = sources[0]?.version ?? null;
  return sources
    .filter((s) => s.version === null || s.version !== reference)
    .map((s) => `version   ${s.where} is ${s.version ?? 'missing'}, ${sources[0]?.where ?? 'OpenAPI'} is ${reference ?? 'missing'}`);
}
