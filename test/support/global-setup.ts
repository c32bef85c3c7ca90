// Integration project setup: make sure the real parts are there (bootstrap is idempotent),
// the engine images exist, and no test container from a crashed earlier run is left.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../src/app/project-root.js';
import { TEST_GAME_PREFIX } from './test-env.js';
import { tagTestRun } from './test-run-leftovers.js';

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Returns the teardown: this run's Redis keys removed. */
export default async function setup(): Promise<() => Promise<void>> {
  const root = projectRoot();
  if (process.env.RTM_TEST_SKIP_BOOTSTRAP !== '1') {
    execFileSync('bash', [path.join(root, 'scripts', 'bootstrap.sh'), '--quiet'], { stdio: 'inherit' });
  }
  // Only containers older than 30 minutes: another test run on this machine may be live.
  const cutoff = Date.now() - 30 * 60_000;
  const leftovers = sh('docker', ['ps', '-a', '--filter', 'label=com.galaxy.owner=rtmanager', '--format', '{{.ID}}|{{.Label "com.galaxy.game_id"}}|{{.CreatedAt}}'])
    .split('\n')
    .map((l) => l.trim().split('|'))
    .filter(([id, gameId, created]) => id && gameId?.startsWith(TEST_GAME_PREFIX) && Date.parse((created ?? '').replace(/ [A-Z]+$/, '')) < cutoff)
    .map(([id]) => id as string);
  if (leftovers.length > 0) sh('docker', ['rm', '-f', ...leftovers]);
  return tagTestRun();
}
