// What this build is: the package version (package.json beside migrations/) and the commit,
// which the image build writes to build-info.json (a checkout asks git; otherwise "unknown").
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BuildInfo } from '../ports/diagnostics.js';
import { projectRoot } from './project-root.js';

export type { BuildInfo };

export function readBuildInfo(root: string = projectRoot()): BuildInfo {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version?: string };
  const version = pkg.version ?? '0.0.0';
  const baked = path.join(root, 'build-info.json');
  if (existsSync(baked)) {
    const info = JSON.parse(readFileSync(baked, 'utf8')) as Partial<BuildInfo>;
    return { version, commit: info.commit ?? 'unknown' };
  }
  return { version, commit: gitCommit(root) };
}

function gitCommit(root: string): string {
  if (!existsSync(path.join(root, '.git'))) return 'unknown';
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}
