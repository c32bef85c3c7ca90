// Issue 21's bench row: two RTM instances on one PostgreSQL, Redis and Docker; the leader is
// SIGKILLed and a stop job is appended at once; measured: the kill -> that job's result (the
// standby's lease takeover, its startup reconcile, its first answer), against the leader lease
// TTL of the same run (the bound is TTL + 5 s). The killed instance comes back as a standby
// before the next sample. No Docker work: the job's game has no record.
import type { BenchFlags } from './bench-flags.js';
import { side, type BenchRow } from './bench-report.js';
import type { BenchRun } from './bench-run.js';
import { benchDatabase, benchRedis, benchStateRoot } from './bench-servers.js';
import { startRtmUnderTest, type RtmUnderTest, type RtmUnderTestOptions } from './rtm-under-test.js';

const LEADER_TTL_S = 5;

async function roleOf(rtm: RtmUnderTest): Promise<string | null> {
  const res = await fetch(`${rtm.baseUrl}/readyz`).catch(() => null);
  const body = (await res?.json().catch(() => null)) as { role?: string } | null;
  return body?.role ?? null;
}

export async function failoverScenario(run: BenchRun, flags: BenchFlags, logDir: string): Promise<BenchRow[]> {
  const prefix = `bench:${run.runId}:failover:`;
  const redis = benchRedis(run, prefix);
  const { url } = await benchDatabase(run, 'failover');
  const stateRoot = await benchStateRoot(run, 'failover');
  const options = (label: string): RtmUnderTestOptions => ({
    label, postgresUrl: url, redisPrefix: prefix, stateRoot, logDir,
    env: { RTMANAGER_INSTANCE_ID: `bench-${label}`, RTMANAGER_LEADER_LEASE_TTL: String(LEADER_TTL_S), RTMANAGER_STREAM_BLOCK: '0.2' },
  });
  const members = new Map<string, RtmUnderTest>([['a', await startRtmUnderTest(run, options('a'))]]);
  members.set('b', await startRtmUnderTest(run, options('b')));
  const samples = flags.quick ? 1 : 3;
  run.log(`  failover: leader SIGKILLed -> first job answered by the new leader, x${samples} (lease TTL ${LEADER_TTL_S} s)`);
  const failoverMs: number[] = [];
  for (let i = 0; i < samples; i++) {
    const leader = await run.until('one leader', 30_000, 50, async () => {
      for (const [label, rtm] of members) if ((await roleOf(rtm)) === 'leader') return label;
      return null;
    });
    const victim = members.get(leader)!;
    const t0 = performance.now();
    victim.process.child.kill('SIGKILL');
    await victim.process.exited;
    const jobId = await redis.xadd(`${prefix}runtime:stop_jobs`, '*', 'game_id', `bench-failover-${run.runId}-${i}`, 'reason', 'admin_request', 'requested_at_ms', String(Date.now()));
    await run.until('the job answered by the new leader', (LEADER_TTL_S + 30) * 1000, 20, async () => {
      const entries = await redis.xrange(`${prefix}runtime:job_results`, '-', '+');
      return entries.some(([, fields]) => fields[fields.indexOf('job_id') + 1] === jobId) ? true : null;
    });
    failoverMs.push(performance.now() - t0);
    members.set(leader, await startRtmUnderTest(run, options(leader)));
  }
  const rtm = side('RTM', failoverMs);
  const ttl = side('leader lease TTL', [LEADER_TTL_S * 1000]);
  return [
    {
      key: 'failover',
      label: 'leader SIGKILLed -> first job answered by the new leader',
      unit: 'ms',
      rtm,
      baseline: ttl,
      ratio: Math.round((rtm.summary.median / (LEADER_TTL_S * 1000)) * 100) / 100,
      compare: 'median',
      target: '<= TTL + 5 s',
      holds: rtm.summary.max <= LEADER_TTL_S * 1000 + 5_000,
      note: 'the lease lapses at most one TTL after the last renewal; the standby tries every 2/15 of it',
    },
  ];
}
