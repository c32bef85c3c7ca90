// The service's dependencies (issue 23): one version of each OpenTelemetry package (the SDK
// pieces pin one another exactly, so a stray pin installs a second copy of core, resources,
// sdk-trace-base...), and `dependencies` holds what the service loads — the build-only packages
// (codegen's `yaml`, the client package's `openapi-fetch`) are devDependencies, out of the image.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/app/project-root.js';

const ROOT = projectRoot();
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };

/** Peers other dependencies need at run time without the service importing them itself. */
const RUNTIME_PEERS: Record<string, string> = { zod: "@ts-rest/core's and @ts-rest/fastify's peer" };

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
  );
}

describe('dependencies', () => {
  it('installs every OpenTelemetry package at one version only', () => {
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string }> };
    const versions = new Map<string, Set<string>>();
    for (const [where, entry] of Object.entries(lock.packages)) {
      const name = /node_modules\/(@opentelemetry\/[^/]+)$/.exec(where)?.[1];
      if (name && entry.version) versions.set(name, (versions.get(name) ?? new Set()).add(entry.version));
    }
    expect(versions.size).toBeGreaterThan(10);
    const duplicated = [...versions].filter(([, v]) => v.size > 1).map(([name, v]) => `${name}: ${[...v].sort().join(', ')}`);
    expect(duplicated).toEqual([]);
  });

  it('lists as runtime dependencies only what src/ and generated/ load (or a peer of theirs); build-only packages are devDependencies', () => {
    const code = [...sourceFiles(path.join(ROOT, 'src')), ...sourceFiles(path.join(ROOT, 'generated'))].map((f) => readFileSync(f, 'utf8')).join('\n');
    const loaded = (name: string) => new RegExp(`(?:from |import\\(|require\\w*\\(|register\\()['"]${name.replace(/[/.]/g, '\\$&')}(?:/[^'"]*)?['"]`).test(code);
    const unused = Object.keys(pkg.dependencies).filter((name) => !loaded(name) && !(name in RUNTIME_PEERS));
    expect(unused, 'runtime dependencies nothing in src/ or generated/ loads').toEqual([]);
    for (const buildOnly of ['yaml', 'openapi-fetch']) {
      expect(pkg.dependencies[buildOnly], buildOnly).toBeUndefined();
      expect(pkg.devDependencies[buildOnly], buildOnly).toBeDefined();
    }
  });
});
