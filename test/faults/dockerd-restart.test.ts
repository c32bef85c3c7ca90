// A real restart of the machine's dockerd (issue 9 item 10, "daemon restart"). Without
// live-restore it stops EVERY container on the machine — other test runs' and other
// people's too — so it only runs when asked for: RTM_FAULTS_DOCKERD_RESTART=1, on a machine
// of your own. Everyday runs cover the Docker outage through the socket proxy instead
// (dependency-outages.test.ts), which RTM cannot tell apart from a daemon that is down.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/app/project-root.js';
import { Scenario, startFaultStack, type FaultStack } from './support/fault-stack.js';
import { jobRowProblems, runOutage } from './support/outage-run.js';
import { describeOps } from './support/world-audit.js';

const ENABLED = process.env.RTM_FAULTS_DOCKERD_RESTART === '1';

function dockerdPid(): number | null {
  try {
    const pid = Number(readFileSync('/var/run/docker.pid', 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

async function stopDockerd(): Promise<void> {
  const pid = dockerdPid();
  if (pid === null) throw new Error('no /var/run/docker.pid: dockerd is not managed here');
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    if (Date.now() > deadline) throw new Error('dockerd did not exit within 60 s');
    await new Promise((r) => setTimeout(r, 200));
  }
}

function startDockerd(): void {
  // bootstrap.sh starts dockerd (and nothing else that is already up) and waits for it.
  execFileSync('bash', [path.join(projectRoot(), 'scripts', 'bootstrap.sh'), '--quiet'], { stdio: 'inherit' });
}

let stack: FaultStack;
let scenario: Scenario | null = null;

describe.runIf(ENABLED)('dockerd restart (RTM_FAULTS_DOCKERD_RESTART=1)', () => {
  beforeAll(async () => {
    stack = await startFaultStack();
  }, 180_000);

  afterEach(async () => {
    if (dockerdPid() === null) startDockerd();
    await scenario?.dispose();
    scenario = null;
  }, 120_000);

  afterAll(async () => {
    await stack?.dispose();
  }, 60_000);

  it('engines stopped by the restart are reported and marked stopped; jobs wait it out', async () => {
    const o = await runOutage((scenario = await Scenario.create(stack)), {
      name: 'dockerd-restart',
      cut: stopDockerd,
      undo: async () => startDockerd(),
      killsEngines: true,
    });
    const context = `timeline: ${JSON.stringify(o.timeline, null, 1)}\n  op log:\n  ${describeOps(o.ops)}`;
    expect(o.jobs, context).toEqual([]);
    expect(jobRowProblems(o), context).toEqual([]);
    expect(o.drift, context).toEqual([]);
    expect(o.restDuring.code, context).toBe('docker_unavailable');
    expect(o.records.get(o.games.dies)?.status, context).toBe('stopped');
    expect(o.exitedEvents.length, context).toBe(1);
  }, 300_000);
});
