// `npm run codegen:check`: regenerates everything in memory and fails (exit 1) when any
// file under generated/ differs, is missing, or is not produced by codegen any more.
// Same environment as run.ts; with RTM_CODEGEN_SKIP_DB=1 generated/db/types.ts is not checked.
// Also fails when the specs' and packages' versions drift (codegen/version-alignment.ts).
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { codegenOptionsFromEnv } from './codegen-options.js';
import { listFiles } from './generated-tree.js';
import { generateAll } from './generate-all.js';
import { GENERATED_DIR } from './spec-files.js';
import { collectVersions, versionDrift } from './version-alignment.js';

const options = codegenOptionsFromEnv(process.env);
const fresh = await generateAll(options);
// Written to a temp dir too, so a failing check leaves something to diff against.
const outDir = await mkdtemp(path.join(tmpdir(), 'rtm-codegen-check-'));
for (const file of fresh) {
  const target = path.join(outDir, file.path);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, file.content);
}

const problems: string[] = [];
const expected = new Map(fresh.map((f) => [f.path, f.content]));
for (const [relative, content] of expected) {
  const current = await readFile(path.join(GENERATED_DIR, relative), 'utf8').catch(() => null);
  if (current === null) problems.push(`missing   generated/${relative}`);
  else if (current !== content) problems.push(`outdated  generated/${relative}`);
}
for (const relative of await listFiles(GENERATED_DIR)) {
  if (expected.has(relative)) continue;
  if (options.postgresUrl === null && relative === 'db/types.ts') continue;
  problems.push(`unexpected generated/${relative} (not produced by codegen)`);
}

const drift = versionDrift(await collectVersions());
if (drift.length > 0) {
  process.stderr.write(`codegen:check: versions drift (they move together, see docs/client.md):\n${drift.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(1);
}

if (problems.length > 0) {
  process.stderr.write(
    `codegen:check: generated/ is out of date with api/ and migrations/:\n${problems.map((p) => `  ${p}`).join('\n')}\n` +
      `Fresh output: ${outDir} (diff -r ${outDir} generated). Fix: npm run codegen, then commit generated/.\n`,
  );
  process.exit(1);
}
await rm(outDir, { recursive: true, force: true });
process.stdout.write(
  `codegen:check: ${expected.size} generated files up to date${options.postgresUrl === null ? ' (db types not checked)' : ''}\n`,
);
