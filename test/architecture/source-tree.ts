// The src/ tree as the architecture tests read it: every .ts file, parsed once with the
// TypeScript compiler API, with its relative imports resolved to repository paths.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface SourceFile {
  /** Repository-relative, with forward slashes: `src/api/x.ts`. */
  path: string;
  text: string;
  ast: ts.SourceFile;
  /** Repository-relative targets of the file's relative imports, re-exports and import() calls. */
  imports: string[];
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : full.endsWith('.ts') ? [full] : [];
  });
}

function specifiersOf(ast: ts.SourceFile): string[] {
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier))
      found.push(node.moduleSpecifier.text);
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) found.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ast);
  return found;
}

let cached: SourceFile[] | null = null;

export function sourceFiles(): SourceFile[] {
  cached ??= walk(path.join(REPO, 'src')).map((full) => {
    const rel = path.relative(REPO, full).split(path.sep).join('/');
    const text = readFileSync(full, 'utf8');
    const ast = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true);
    const imports = specifiersOf(ast)
      .filter((s) => s.startsWith('.'))
      .map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(rel), s)));
    return { path: rel, text, ast, imports };
  });
  return cached;
}
