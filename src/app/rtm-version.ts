// RTM's release, from package.json (kept equal to the specs' info.version by codegen:check).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './project-root.js';

export function rtmVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}
