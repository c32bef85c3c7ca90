// Runs bench/load.child.ts in a second process and returns what it measured.
import { execFile } from 'node:child_process';
import { projectRoot } from '../src/app/project-root.js';
import type { BenchRun } from './bench-run.js';
import type { LoadOutcome, LoadSpec } from './load.child.js';

export type { LoadOutcome, LoadSpec };

export function runLoad(run: BenchRun, spec: LoadSpec): Promise<LoadOutcome> {
  run.checkpoint();
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', 'bench/load.child.ts', JSON.stringify(spec)],
      { cwd: projectRoot(), maxBuffer: 256 * 1024 * 1024, signal: run.signal, timeout: (spec.durationS + 60) * 1000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`load generator failed: ${err.message} ${stderr}`));
        try {
          resolve(JSON.parse(stdout) as LoadOutcome);
        } catch {
          reject(new Error(`load generator printed no result: ${stderr}`));
        }
      },
    );
    child.on('error', () => undefined);
  });
}
