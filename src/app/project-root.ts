// Files shipped beside the code (migrations/) are found from the package root, which is
// the same whether running from src/ (tsx) or dist/src/ (node).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function projectRoot(from: string = import.meta.url): string {
  let dir = path.dirname(fileURLToPath(from));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'migrations'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package root (package.json + migrations/) not found');
    dir = parent;
  }
}
