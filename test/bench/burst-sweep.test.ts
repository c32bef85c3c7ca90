import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startDurationsMs } from '../../bench/burst-sweep.scenario.js';

describe('startDurationsMs', () => {
  let dir: string | null = null;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = null;
  });

  it('reads the duration of every successful start from an RTM log, and nothing else', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rtm-sweep-log-'));
    const log = path.join(dir, 'rtm.log');
    const lines = [
      { level: 30, op_kind: 'start', outcome: 'success', duration_s: 0.25, msg: 'start succeeded' },
      '(node:1) Warning: not JSON "start succeeded"',
      { level: 40, op_kind: 'start', outcome: 'failure', duration_s: 9, msg: 'start failed' },
      { level: 30, op_kind: 'stop', outcome: 'success', duration_s: 3, msg: 'stop succeeded' },
      { level: 30, op_kind: 'start', outcome: 'success', duration_s: 1.5, msg: 'start succeeded' },
    ];
    await writeFile(log, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'));
    expect(await startDurationsMs(log)).toEqual([250, 1500]);
  });
});
