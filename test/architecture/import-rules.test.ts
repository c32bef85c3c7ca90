// The import rules of docs/architecture.md ("The layers and who may import what"), read
// from the doc's table itself: a file of a layer imports only its own layer and the layers
// its "may import" cell names, so the doc cannot drift from the code unnoticed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, sourceFiles } from './source-tree.js';

/** The layer of a repository path: `src/<folder>`, `src/main.ts`, `generated`, or null (elsewhere). */
function layerOf(file: string): string | null {
  const parts = file.split('/');
  if (parts[0] === 'generated') return 'generated';
  if (parts[0] !== 'src') return null;
  return `src/${parts[1]}`;
}

/** The doc's table: layer -> the layers it may import ('*' = everything). */
function documentedRules(): Map<string, Set<string>> {
  const doc = readFileSync(path.join(REPO, 'docs/architecture.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## The layers and who may import what'));
  const rules = new Map<string, Set<string>>();
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const layer = /^`(src\/[a-z-]+(?:\.ts)?)(?:\/<[a-z]+>)?`$/.exec(cells[1] ?? '')?.[1];
    if (!layer || cells.length < 5) continue;
    const mayImport = cells[3] ?? '';
    const named = [...mayImport.matchAll(/`(src\/[a-z-]+|generated)\/?[^`]*`/g)].map((m) => m[1] as string);
    rules.set(layer, new Set(mayImport.startsWith('everything') ? ['*'] : named));
  }
  return rules;
}

const rules = documentedRules();

describe('import rules (docs/architecture.md)', () => {
  it('the table is read (a sample of its cells)', () => {
    expect(rules.get('src/domain')).toEqual(new Set(['generated']));
    expect(rules.get('src/timing')).toEqual(new Set());
    expect(rules.get('src/app')).toEqual(new Set(['*']));
    expect(rules.get('src/api')?.has('src/adapters')).toBe(false);
  });

  it('the doc has a row for every folder of src/ (and src/main.ts)', () => {
    const layers = new Set(sourceFiles().map((f) => layerOf(f.path) as string));
    expect([...layers].sort()).toEqual([...rules.keys()].sort());
  });

  it('every import of src/ is one its layer may make', () => {
    const broken: string[] = [];
    for (const file of sourceFiles()) {
      const from = layerOf(file.path) as string;
      const allowed = rules.get(from) ?? new Set<string>();
      for (const target of file.imports) {
        const to = layerOf(target);
        if (to === null || to === from || allowed.has('*') || allowed.has(to)) continue;
        broken.push(`${file.path} -> ${target} (${from} may not import ${to})`);
      }
    }
    expect(broken).toEqual([]);
  });

  it.each(['adapters', 'workers'])('no file of one src/%s/<folder> imports another one\'s folder (shared files sit at src/%s/)', (layer) => {
    const folderOf = (file: string): string | null => {
      const parts = file.split('/');
      return parts[0] === 'src' && parts[1] === layer && parts.length > 3 ? (parts[2] as string) : null;
    };
    const broken = sourceFiles().flatMap((file) => {
      const own = folderOf(file.path);
      return own === null ? [] : file.imports.filter((t) => folderOf(t) !== null && folderOf(t) !== own).map((t) => `${file.path} -> ${t}`);
    });
    expect(broken).toEqual([]);
  });

  it('process.env is touched only by src/app and the entry that hands it to config', () => {
    const readers = sourceFiles()
      .filter((f) => /\bprocess\.env\b/.test(f.text) && !f.path.startsWith('src/app/') && f.path !== 'src/main.ts')
      .map((f) => f.path);
    expect(readers).toEqual([]);
  });
});
