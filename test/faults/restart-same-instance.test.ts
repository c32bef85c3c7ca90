// Issue 21 item 4: RTM SIGKILLed inside a restart or a patch (at the old container's destroy,
// at the new one's create), then a new process with the same RTMANAGER_INSTANCE_ID, with the
// production lease TTL (30 s) and reconcile grace (30 s). The new process takes over the dead
// incarnation's per-game lease at once, so its startup reconcile repairs the game: record and
// Docker agree, with the interrupted operation's outer op-log row, within 5 s of /readyz 200.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { onContainerEvent, type ContainerEvent } from './support/docker-event-trigger.js';
import { Scenario, startFaultStack, type FaultStack } from './support/fault-stack.js';
import { readyz } from './support/lobby-stand-in.js';
import { OP_KIND, issue, prepare } from './support/operations.js';
import { LobbyStandIn } from './support/lobby-stand-in.js';
import { describeOps, driftProblems, readOperations, readRecords, rowsOf } from './support/world-audit.js';
import { spawnRtm } from '../support/rtm-process.js';

const PRODUCTION_TIMINGS = {
  RTMANAGER_LEASE_TTL: '30',
  RTMANAGER_RECONCILE_GRACE: '30',
  RTMANAGER_RECONCILE_INTERVAL: '60',
  RTMANAGER_INSTANCE_ID: 'rtm-same-a',
};
const REPAIR_BUDGET_MS = 5_000;

const KILL_POINTS = [
  { op: 'restart', action: 'destroy', of: 'old' },
  { op: 'restart', action: 'create', of: 'new' },
  { op: 'patch', action: 'destroy', of: 'old' },
  { op: 'patch', action: 'create', of: 'new' },
] as const;

let stack: FaultStack;
let scenario: Scenario | null = null;

beforeAll(async () => {
  stack = await startFaultStack();
}, 180_000);

afterEach(async () => {
  await scenario?.dispose();
  scenario = null;
}, 60_000);

afterAll(async () => {
  await stack?.dispose();
}, 60_000);

describe('a restart with the same instance id repairs an interrupted restart/patch at once', () => {
  for (const { op, action, of } of KILL_POINTS) {
    it(`${op} killed at the ${of} container's ${action}: repaired within ${REPAIR_BUDGET_MS} ms of /readyz 200`, async () => {
      const s = (scenario = await Scenario.create(stack, PRODUCTION_TIMINGS));
      const gameId = s.game(`${op.slice(0, 3)}-${action}`);
      await s.startRtm();
      const oldContainer = await prepare(s, op, gameId);
      const matches = (e: ContainerEvent) => e.action === action && (of === 'old' ? e.containerId === oldContainer : e.containerId !== oldContainer);
      const trigger = await onContainerEvent(gameId, matches, () => s.killRtm());
      const exited = s.rtm!.exited;
      await issue(s, new LobbyStandIn(s.redis, s.prefix), op, 'rest', gameId);
      await trigger.fired.finally(() => trigger.close());
      await exited;
      const driftAtKill = await driftProblems(s.pool, [gameId]);

      // The new process: same instance id, new boot id. Time runs from its first /readyz 200.
      s.rtm = spawnRtm(s.env);
      const base = await s.rtm.baseUrl();
      const spawnedAt = Date.now();
      let readyAt = 0;
      while (readyAt === 0) {
        if ((await readyz(base)).status === 200) readyAt = Date.now();
        else await new Promise((r) => setTimeout(r, 50));
        if (Date.now() - spawnedAt > 60_000) throw new Error('RTM not ready within 60 s');
      }
      const ofThisOp = async () => rowsOf(await readOperations(s.pool, [gameId]), gameId, OP_KIND[op], 'admin_rest');
      let drift = await driftProblems(s.pool, [gameId]);
      let outer = await ofThisOp();
      while ((drift.length > 0 || outer.length === 0) && Date.now() - readyAt < REPAIR_BUDGET_MS) {
        await new Promise((r) => setTimeout(r, 100));
        drift = await driftProblems(s.pool, [gameId]);
        outer = await ofThisOp();
      }
      const repairedMs = Date.now() - readyAt;
      const ops = await readOperations(s.pool, [gameId]);
      const startupReport = s.rtm.logs.find((l) => l.msg === 'startup reconcile done')?.report;
      const context = `drift at kill: ${JSON.stringify(driftAtKill)}; startup reconcile: ${JSON.stringify(startupReport)}\n  op log:\n  ${describeOps(ops)}`;
      console.info(`[restart-same-instance] ${op}@${of}.${action}: ready ${readyAt - spawnedAt} ms after spawn, repaired ${repairedMs} ms after ready; ${context}`);

      expect(drift, `records and Docker agree within ${REPAIR_BUDGET_MS} ms of ready\n  ${context}`).toEqual([]);
      expect(outer.length, `the interrupted ${op}'s outer row, once\n  ${context}`).toBe(1);
      expect(outer[0]?.outcome, context).toBe('failure');
      expect(s.rtm.logs.some((l) => l.msg === 'took over a per-game lease of a previous incarnation of this instance' && l.game_id === gameId), context).toBe(true);
      expect((await readRecords(s.pool, [gameId])).get(gameId), context).toBeDefined();
    }, 150_000);
  }
});
