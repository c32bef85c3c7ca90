// The one build of the service (`npm run build`, scripts/start.sh, the image build, the
// bench, the process tests): tsc into dist/, then the service graph of dist/ (dist/src/app/
// service-main.js with every dependency it imports) bundled into one file,
// dist/bundle/service-main.mjs. src/main.ts starts the bundle when tracing is off: one file
// to read and compile instead of ~1,100 modules to resolve starts in about half the time and
// with ~10 MB less RSS (docs/benchmark.md). With tracing on it starts dist/src/ module by
// module, as OpenTelemetry's instrumentations patch pg, ioredis and http as they load.
// Plain node (no tsx): it runs where `npm start` runs.
import { execFileSync } from 'node:child_process';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { deferredModulesPlugin } from './bundle-deferred-modules.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');

try {
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
} catch (err) {
  // tsc has printed its errors.
  process.exit(typeof err.status === 'number' ? err.status : 1);
}

// CommonJS dependencies inside an ES module: `require`, `__filename` and `__dirname` as the
// bundle's own (ssh2 and docker-modem use them; the paths they build are optional extras).
const banner = [
  "import { createRequire as __rtmCreateRequire } from 'node:module';",
  "import { fileURLToPath as __rtmFileURLToPath } from 'node:url';",
  'const require = __rtmCreateRequire(import.meta.url);',
  'const __filename = __rtmFileURLToPath(import.meta.url);',
  "const __dirname = __rtmFileURLToPath(new URL('.', import.meta.url));",
].join(' ');

const result = await build({
  absWorkingDir: root,
  entryPoints: ['dist/src/app/service-main.js'],
  outfile: 'dist/bundle/service-main.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  // Whitespace and syntax only: identifiers are not renamed, so stack traces and logged
  // error names read as in dist/src/. (No keepNames: it wraps functions made at run time in
  // a defineProperty call, measurable on the request path.)
  minifyWhitespace: true,
  minifySyntax: true,
  // Native add-ons ssh2 may try (optional, in try/catch): never inlined.
  external: ['cpu-features', '*.node'],
  banner: { js: banner },
  // ssh2 and the BuildKit session load on first use (scripts/bundle-deferred-modules.mjs).
  plugins: [deferredModulesPlugin],
  metafile: true,
  // Written below, atomically: a process starting meanwhile reads the old bundle or the new.
  write: false,
  logLevel: 'warning',
});
const [output] = result.outputFiles;
const outfile = path.join(root, 'dist/bundle/service-main.mjs');
await mkdir(path.dirname(outfile), { recursive: true });
const temporary = `${outfile}.${process.pid}.tmp`;
await writeFile(temporary, output.contents);
await rename(temporary, outfile);
if (!quiet)
  process.stdout.write(`build-dist: dist/bundle/service-main.mjs ${(output.contents.byteLength / 1e6).toFixed(1)} MB from ${Object.keys(result.metafile.inputs).length} modules\n`);
