// Several real RTM processes on one scenario's PostgreSQL, Redis prefix, state root and Docker
// proxy (issue 21): each with its own RTMANAGER_INSTANCE_ID, spawned, SIGKILLed, SIGSTOPped
// and resumed by name; who leads is read from each one's /readyz `role`.
import { spawnRtm, type RtmProcess } from '../../support/rtm-process.js';
import { eventually } from '../../support/test-env.js';
import type { Scenario } from './fault-stack.js';
import { readyz } from './lobby-stand-in.js';

export interface ClusterMember {
  instanceId: string;
  rtm: RtmProcess;
  baseUrl: string;
}

export class RtmCluster {
  readonly members: ClusterMember[] = [];

  constructor(
    private readonly scenario: Scenario,
    private readonly env: Record<string, string> = {},
  ) {}

  /** Spawns an instance and waits until its /readyz answers 200 (leader or standby). */
  async spawn(instanceId: string): Promise<ClusterMember> {
    const rtm = spawnRtm({ ...this.scenario.env, ...this.env, RTMANAGER_INSTANCE_ID: instanceId });
    const member = { instanceId, rtm, baseUrl: await rtm.baseUrl() };
    this.members.push(member);
    await eventually(async () => ((await readyz(member.baseUrl)).status === 200 ? true : undefined), { timeoutMs: 90_000, intervalMs: 50, message: `${instanceId} not ready` });
    return member;
  }

  async role(member: ClusterMember): Promise<string | null> {
    const r = await readyz(member.baseUrl);
    return typeof r.body?.role === 'string' ? r.body.role : null;
  }

  /** The one live member answering role=leader, polled until there is exactly one. */
  async leader(timeoutMs = 30_000, among: readonly ClusterMember[] = this.live()): Promise<ClusterMember> {
    return eventually(
      async () => {
        const roles = await Promise.all(among.map(async (m) => [m, await this.role(m)] as const));
        const leaders = roles.filter(([, r]) => r === 'leader');
        return leaders.length === 1 ? leaders[0]![0] : undefined;
      },
      { timeoutMs, intervalMs: 50, message: 'no single leader' },
    );
  }

  live(): ClusterMember[] {
    return this.members.filter((m) => m.rtm.child.exitCode === null && m.rtm.child.signalCode === null);
  }

  kill(member: ClusterMember, signal: NodeJS.Signals = 'SIGKILL'): void {
    member.rtm.child.kill(signal);
  }

  /** Stops every member (resumed first if paused), SIGKILL after 15 s. */
  async dispose(): Promise<void> {
    await Promise.all(
      this.live().map(async (m) => {
        m.rtm.child.kill('SIGCONT');
        m.rtm.child.kill('SIGTERM');
        const timer = setTimeout(() => m.rtm.child.kill('SIGKILL'), 15_000);
        await m.rtm.exited;
        clearTimeout(timer);
      }),
    );
  }
}
