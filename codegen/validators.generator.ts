// generated/validators/*.ts: ajv STANDALONE validators, compiled here once so the service
// never compiles schemas at run time, plus a typed index. Bodies and stream payloads are
// strict (no coercion, no removal of unknown fields: additionalProperties:false rejects);
// query strings are validated by a second instance that coerces and applies defaults.
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import standaloneModule from 'ajv/dist/standalone/index.js';
import { finalizeContent, generatedHeader, type GeneratedFile } from './generated-file.js';
import { requiresToImports } from './esm-standalone.js';
import { bundleComponentSchema } from './schema-bundle.js';

// Both packages are CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv,
) => Ajv;
const standaloneCode = ((standaloneModule as unknown as { default?: unknown }).default ?? standaloneModule) as unknown as (
  ajv: Ajv,
  refsOrFunctions: Record<string, string>,
) => string;

export interface ValidatorEntry {
  /** Exported function name, e.g. validateStartRuntimeRequest. */
  exportName: string;
  /** components.schemas name in the source document. */
  schemaName: string;
  /** TypeScript type the guard narrows to, as written in index.ts. */
  typeExpression: string;
  /** Optional: a schema to use instead of the component (e.g. a synthetic query schema). */
  schemaOverride?: Record<string, unknown>;
}

export interface ValidatorModule {
  /** File name under generated/validators/. */
  file: string;
  source: string;
  document: unknown;
  mode: 'strict' | 'coercing';
  entries: ValidatorEntry[];
}

const COMMON_OPTIONS: Options = {
  strict: true,
  allErrors: true,
  allowUnionTypes: true,
  removeAdditional: false,
  code: { source: true, esm: true, lines: true },
};

function createAjv(mode: ValidatorModule['mode']): Ajv {
  const options: Options =
    mode === 'strict'
      ? { ...COMMON_OPTIONS, coerceTypes: false, useDefaults: false }
      : { ...COMMON_OPTIONS, coerceTypes: true, useDefaults: true };
  const ajv = new Ajv(options);
  addFormats(ajv);
  return ajv;
}

function moduleSource(module: ValidatorModule): string {
  const ajv = createAjv(module.mode);
  const refs: Record<string, string> = {};
  for (const entry of module.entries) {
    const id = `rtm:${module.file.replace(/\.ts$/, '')}/${entry.exportName}`;
    const schema = entry.schemaOverride
      ? { $id: id, ...entry.schemaOverride }
      : bundleComponentSchema(module.document, entry.schemaName, id);
    ajv.addSchema(schema);
    refs[entry.exportName] = id;
  }
  let code = standaloneCode(ajv, refs);
  const header = generatedHeader('validators.generator.ts (ajv standalone)', module.source) + '// @ts-nocheck\n';
  code = requiresToImports(code.replace(/^"use strict";\s*/, ''));
  return finalizeContent(`${header}${code}`);
}

function indexSource(modules: ValidatorModule[], typeImports: string[], extra: string): string {
  const lines: string[] = [];
  lines.push(generatedHeader('validators.generator.ts', modules.map((m) => m.source).filter((s, i, a) => a.indexOf(s) === i).join(', ')));
  lines.push("import type { ErrorObject } from 'ajv';");
  lines.push(...typeImports);
  for (const module of modules) {
    lines.push(`import * as ${moduleAlias(module)} from './${module.file.replace(/\.ts$/, '.js')}';`);
  }
  lines.push('');
  lines.push('/** A compiled validator: a type guard whose `errors` hold the last call\'s failures (null when valid). */');
  lines.push('export interface Validator<T> {');
  lines.push('  (data: unknown): data is T;');
  lines.push('  errors?: ErrorObject[] | null;');
  lines.push('}');
  lines.push('export type ValidationError = ErrorObject;');
  for (const module of modules) {
    lines.push('');
    lines.push(`// ${module.file} (${module.source}${module.mode === 'coercing' ? '; coerces strings and applies defaults in place' : ''})`);
    for (const entry of module.entries) {
      lines.push(
        `export const ${entry.exportName} = ${moduleAlias(module)}.${entry.exportName} as unknown as Validator<${entry.typeExpression}>;`,
      );
    }
  }
  lines.push(extra);
  return finalizeContent(lines.join('\n'));
}

function moduleAlias(module: ValidatorModule): string {
  return module.file.replace(/\.ts$/, '').replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase()) + 'Validators';
}

export function generateValidators(modules: ValidatorModule[], typeImports: string[], indexExtra = ''): GeneratedFile[] {
  const files = modules.map((module) => ({ path: `validators/${module.file}`, content: moduleSource(module) }));
  files.push({ path: 'validators/index.ts', content: indexSource(modules, typeImports, indexExtra) });
  return files;
}
