// `npm run codegen`: regenerates generated/ from api/*.yaml and migrations/.
// RTM_CODEGEN_SKIP_DB=1 leaves generated/db/types.ts as it is (no PostgreSQL at hand).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generateAll } from './generate-all.js';
import { GENERATED_DIR } from './spec-files.js';

const skipDatabase = process.env.RTM_CODEGEN_SKIP_DB === '1';
const files = await generateAll({ skipDatabase });
for (const file of files) {
  const target = path.join(GENERATED_DIR, file.path);
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, file.content);
}
process.stdout.write(`codegen: wrote ${files.length} files under generated/${skipDatabase ? ' (db types skipped)' : ''}\n`);
