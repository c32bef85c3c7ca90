// Loads an AsyncAPI document twice over: with @asyncapi/parser (validated, for modelina)
// and as plain YAML (for schema bundling, without the parser's x-parser-* annotations).
import { readFile } from 'node:fs/promises';
import { Parser, type AsyncAPIDocumentInterface } from '@asyncapi/parser';
import { parse } from 'yaml';
import { repoPath } from './spec-files.js';

export interface LoadedAsyncApi {
  source: string;
  parsed: AsyncAPIDocumentInterface;
  raw: Record<string, unknown>;
}

/** Spectral severity 0 = error. Warnings (missing contact, v3 available...) do not fail codegen. */
const ERROR_SEVERITY = 0;

export async function loadAsyncApi(source: string): Promise<LoadedAsyncApi> {
  const text = await readFile(repoPath(source), 'utf8');
  const { document, diagnostics } = await new Parser().parse(text, { source: repoPath(source) });
  const errors = diagnostics.filter((d) => d.severity === ERROR_SEVERITY);
  if (document === undefined || errors.length > 0) {
    const detail = errors.map((d) => `  ${d.code}: ${d.message} at ${d.path.join('.')}`).join('\n');
    throw new Error(`${source} is not a valid AsyncAPI document:\n${detail}`);
  }
  return { source, parsed: document, raw: parse(text) as Record<string, unknown> };
}
