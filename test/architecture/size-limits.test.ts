// House rule (docs/architecture.md "Size"): no file of src/ over 300 lines, no function over
// 60. Functions are measured with the TypeScript compiler API: every function-like node with
// a body (declarations, methods, accessors, constructors, arrows, function expressions), from
// its first token to its closing brace.
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from './source-tree.js';

const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;

function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function functionName(node: ts.FunctionLikeDeclaration, ast: ts.SourceFile): string {
  if (node.name) return node.name.getText(ast);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText(ast);
  return `(anonymous ${ts.SyntaxKind[node.kind]})`;
}

interface MeasuredFunction {
  name: string;
  /** 1-based line of its first token. */
  line: number;
  lines: number;
}

function measureFunctions(ast: ts.SourceFile): MeasuredFunction[] {
  const found: MeasuredFunction[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const first = ast.getLineAndCharacterOfPosition(node.getStart(ast)).line;
      const last = ast.getLineAndCharacterOfPosition(node.getEnd()).line;
      found.push({ name: functionName(node as ts.FunctionLikeDeclaration, ast), line: first + 1, lines: last - first + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(ast);
  return found;
}

describe('size limits of src/', () => {
  it(`no file over ${MAX_FILE_LINES} lines`, () => {
    const long = sourceFiles()
      .map((f) => ({ path: f.path, lines: lineCount(f.text) }))
      .filter((f) => f.lines > MAX_FILE_LINES)
      .map((f) => `${f.path} (${f.lines} lines)`);
    expect(long).toEqual([]);
  });

  it(`no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const long = sourceFiles().flatMap((f) =>
      measureFunctions(f.ast)
        .filter((fn) => fn.lines > MAX_FUNCTION_LINES)
        .map((fn) => `${f.path}:${fn.line} ${fn.name} (${fn.lines} lines)`),
    );
    expect(long).toEqual([]);
  });

  it('the measure sees a long function and counts a short one right (it can fail)', () => {
    const body = Array.from({ length: MAX_FUNCTION_LINES }, (_, i) => `  const v${i} = ${i};`).join('\n');
    const ast = ts.createSourceFile('probe.ts', `export function long(): void {\n${body}\n}\nconst short = () => 1;\n`, ts.ScriptTarget.Latest, true);
    const sizes = Object.fromEntries(measureFunctions(ast).map((fn) => [fn.name, fn.lines]));
    expect(sizes).toEqual({ long: MAX_FUNCTION_LINES + 2, short: 1 });
  });
});
