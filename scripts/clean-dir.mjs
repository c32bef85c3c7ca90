// Removes a build output folder before a package build (portable `rm -rf`), so a tarball
// never ships files of an earlier build.
import { rmSync } from 'node:fs';

for (const dir of process.argv.slice(2)) rmSync(dir, { recursive: true, force: true });
