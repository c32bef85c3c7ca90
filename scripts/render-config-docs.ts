// `npm run docs:config`: rewrites the README's configuration table from
// src/app/config-catalog.ts (the definition `--help` prints), between its markers.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderConfigTable } from '../src/app/config-catalog.js';
import { projectRoot } from '../src/app/project-root.js';

export const README_TABLE = /(<!-- config-table:start[^>]*-->\n)[\s\S]*?(\n<!-- config-table:end -->)/;

const readme = path.join(projectRoot(), 'README.md');
const text = readFileSync(readme, 'utf8');
if (!README_TABLE.test(text)) {
  process.stderr.write('render-config-docs: README.md has no config-table markers\n');
  process.exit(1);
}
writeFileSync(readme, text.replace(README_TABLE, `$1${renderConfigTable()}$2`));
process.stdout.write('render-config-docs: README.md configuration table rendered\n');
