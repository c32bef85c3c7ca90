// Integration project setup: make sure the real parts are there (bootstrap is idempotent),
// the engine images exist, and no test container from a crashed earlier run is left.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../src/app/project-root.js';
import { TEST_GAME_PREFIX } from './test-env.js';

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export default function setup(): void {
  const root = projectRoot();
  if (process.env.RTM_TEST_SKIP_BOOTSTRAP !== '1') {
    execFileSync('bash', [path.join(root, 'scripts', 'bootstrap.sh'), '--quiet'], { stdio: 'inherit' });
  }
  const leftovers = sh('docker', ['ps', '-aq', '--filter', 'label=com.galaxy.owner=rtmanager', '--format', '{{.ID}} {{.Label "com.galaxy.game_id"}}'])
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter(([id, gameId]) => id && gameId?.startsWith(TEST_GAME_PREFIX))
    .map(([id]) => id as string);
  if (leftovers.length > 0) sh('docker', ['rm', '-f', ...leftovers]);
}
