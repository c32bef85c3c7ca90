// `npm run codegen`: regenerates generated/ from api/*.yaml and migrations/.
// Env: RTM_CODEGEN_POSTGRES_URL (server for the throwaway schema database, default
// postgres://postgres@127.0.0.1:5432/postgres); RTM_CODEGEN_SKIP_DB=1 leaves
// generated/db/types.ts untouched.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { codegenOptionsFromEnv } from './codegen-options.js';
import { listFiles } from './generated-tree.js';
import { generateAll } from './generate-all.js';
import { GENERATED_DIR } from './spec-files.js';

const options = codegenOptionsFromEnv(process.env);
const files = await generateAll(options);
// Output of a generator that no longer exists would otherwise linger and fail the check.
const produced = new Set(files.map((f) => f.path));
for (const relative of await listFiles(GENERATED_DIR)) {
  if (produced.has(relative) || (options.postgresUrl === null && relative === 'db/types.ts')) continue;
  await rm(path.join(GENERATED_DIR, relative));
  process.stdout.write(`codegen: removed stale generated/${relative}\n`);
}
for (const file of files) {
  const target = path.join(GENERATED_DIR, file.path);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, file.content);
}
process.stdout.write(
  `codegen: wrote ${files.length} files under generated/${options.postgresUrl === null ? ' (db types skipped)' : ''}\n`,
);
