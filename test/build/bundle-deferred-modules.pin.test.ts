// The pin of the one performance measure that relies on libraries' internals
// (scripts/bundle-deferred-modules.mjs): each check fails naming the measure when the
// installed library is not the version the measure was checked against, or when the
// internal it relies on is no longer there as it was.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFERRED_MODULES, type DeferredModule } from '../../scripts/bundle-deferred-modules.mjs';
import { projectRoot } from '../../src/app/project-root.js';

// Resolved as the bundle resolves them: dockerode from the project, docker-modem from dockerode.
const fromRoot = createRequire(path.join(projectRoot(), 'package.json'));
const packageDir = (name: string): string => {
  const fromDockerode = createRequire(fromRoot.resolve('dockerode'));
  const manifest = name === 'dockerode' ? fromRoot.resolve('dockerode/package.json') : fromDockerode.resolve(`${name}/package.json`);
  return path.dirname(manifest);
};

const repin = (m: DeferredModule) =>
  `re-check "${m.measure}" against the new ${m.package} (scripts/bundle-deferred-modules.mjs; the bench rows RSS idle and cold start, docs/benchmark.md), then update the pin or drop the measure`;

describe.each(DEFERRED_MODULES.map((m) => [m.measure, m] as const))('pinned measure: %s', (_measure, m) => {
  const dir = packageDir(m.package);

  it(`${m.package} is the version the measure was checked against (${m.version})`, () => {
    const installed = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
    expect(installed, `${m.package} ${installed} is installed, the measure is pinned to ${m.version}: ${repin(m)}`).toBe(m.version);
  });

  it(`${m.package}/${m.file} exports one function, reached only by calling it from ${m.importer}`, () => {
    const exported: unknown = createRequire(path.join(dir, 'package.json'))(`./${m.file}`);
    expect(typeof exported, `${m.package}/${m.file} no longer exports a function: ${repin(m)}`).toBe('function');
    const importer = readFileSync(path.join(dir, m.importer), 'utf8');
    expect(m.requirePattern.test(importer), `${m.importer} no longer requires ${m.file} as \`${m.binding}\`: ${repin(m)}`).toBe(true);
    // Every other use of the binding (as an identifier, not inside a string) is a call:
    // nothing reads a property of the module at load.
    const uses = [...importer.matchAll(new RegExp(`(?<![\\w.'"])${m.binding}(?![\\w'":])`, 'g'))].length;
    const calls = [...importer.matchAll(new RegExp(m.callPattern.source, 'g'))].length;
    expect(calls, `${m.importer} never calls ${m.binding}: ${repin(m)}`).toBeGreaterThan(0);
    expect(uses - 1, `${m.importer} uses ${m.binding} other than by calling it: ${repin(m)}`).toBe(calls);
  });
});
