// CPU time of processes, from /proc/<pid>/stat (user + system). On a shared machine the wall
// time of a request moves with everyone else's load; the CPU a server and its PostgreSQL
// backends spend per request moves far less, so the REST rows note it next to req/s and the
// cold start next to its wall time.
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import type pg from 'pg';

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

/** utime + stime of `pid` in seconds; 0 for a process that is gone. */
export async function cpuSecondsOf(pid: number): Promise<number> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

/** The PostgreSQL backends serving `databases` now (the server runs on this machine). */
export async function postgresBackendPids(admin: pg.Pool, databases: readonly string[]): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = ANY($1::text[]) AND pid <> pg_backend_pid()', [databases]);
  return rows.map((r) => r.pid);
}

/** CPU seconds of a process and of the PostgreSQL backends of `databases`, summed. */
export interface CpuReading {
  process: number;
  postgres: Map<number, number>;
}

export async function readCpu(pid: number, admin: pg.Pool, databases: readonly string[]): Promise<CpuReading> {
  const backends = await postgresBackendPids(admin, databases);
  const postgres = new Map<number, number>();
  for (const b of backends) postgres.set(b, await cpuSecondsOf(b));
  return { process: await cpuSecondsOf(pid), postgres };
}

/**
 * CPU spent between two readings: the process's, and the backends' (a backend that appeared
 * in between counts from 0; one that ended in between is lost, rare within one load window).
 */
export function cpuSpent(before: CpuReading, after: CpuReading): { process: number; postgres: number } {
  let postgres = 0;
  for (const [pid, seconds] of after.postgres) postgres += seconds - (before.postgres.get(pid) ?? 0);
  return { process: after.process - before.process, postgres };
}
