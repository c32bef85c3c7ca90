// `rtmctl diagnostics`: readiness, versions of RTM and its dependencies, who leads, runtime counts.
// Exit 1 when RTM is not ready or the diagnostics call failed (what is known is still printed).
import type { Diagnostics } from '@galaxy/rtmanager-client';
import { UsageError } from './command-line.js';
import { json, keyValues, table } from './output.js';
import { failed, type CommandContext } from './runtime-commands.js';

export async function diagnostics(ctx: CommandContext): Promise<number> {
  if (ctx.positionals.length > 0) throw new UsageError('diagnostics takes no arguments');
  const [ready, diag] = await Promise.all([ctx.client.readyz(), ctx.client.diagnostics()]);
  if (!ready.ok) return failed(ctx, ready);
  if (!diag.ok) return failed(ctx, diag);
  const d = diag.data;
  const isReady = ready.data.status === 'ready';
  if (ctx.options.json === true) {
    ctx.output.out(json({ readiness: ready.data, ...d }));
    return isReady ? 0 : 1;
  }
  const version = (v: { version: string | null; error: string | null }) => v.version ?? `unavailable (${v.error ?? 'unknown'})`;
  ctx.output.out(
    [
      keyValues([
        ['rtm', `${d.rtm.version} (node ${d.rtm.node_version}, up ${d.rtm.uptime_s} s)`],
        ['postgres', version(d.postgres)],
        ['redis', version(d.redis)],
        ['docker', version(d.docker)],
        ['readiness', ready.data.status],
        ...leadershipLines(d.leadership),
      ]),
      '',
      table(['check', 'ok', 'error'], Object.entries(ready.data.checks).map(([name, c]) => [name, c.ok ? 'yes' : 'no', c.error])),
      '',
      table(['status', 'runtimes'], Object.entries(d.runtimes).map(([status, n]) => [status, n])),
    ].join('\n'),
  );
  return isReady ? 0 : 1;
}

/** This instance and the leader (an RTM before 1.2 reports neither: nothing is printed). */
function leadershipLines(l: Diagnostics['leadership']): Array<[string, string]> {
  if (!l) return [];
  const leader = l.leader ? `${l.leader.instance_id} (epoch ${l.leader.epoch}, since ${l.leader.since}, lease until ${l.leader.expires_at})` : 'none yet';
  return [
    ['instance', `${l.instance_id} (${l.role})`],
    ['leader', leader],
  ];
}
