// GET /containers/{id}/stats (stream=false) -> the port's ContainerStatsSample. Memory in
// use is what `docker stats` shows: usage minus the inactive file cache, which cgroup v1
// reports as `total_inactive_file` and cgroup v2 as `inactive_file` (nomad #12088: reading
// the wrong one shows 0 or the page cache).
import type { ContainerStatsSample, CpuReading } from '../../ports/docker-runtime.js';

interface RawCpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
  system_cpu_usage?: number;
  online_cpus?: number;
}

export interface RawContainerStats {
  read?: string;
  cpu_stats?: RawCpuStats;
  precpu_stats?: RawCpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  pids_stats?: { current?: number; limit?: number };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
}

const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

function cpuReadingOf(raw: RawCpuStats | undefined): CpuReading | null {
  const containerNs = num(raw?.cpu_usage?.total_usage);
  // A one-shot reading's precpu_stats is all zeros: no previous reading.
  if (containerNs === null || (containerNs === 0 && !raw?.system_cpu_usage)) return null;
  return { containerNs, systemNs: num(raw?.system_cpu_usage) };
}

/** `docker stats`' memory: usage − inactive file cache (v1 total_inactive_file, v2 inactive_file). */
export function memoryInUse(memory: RawContainerStats['memory_stats']): number {
  const usage = num(memory?.usage) ?? 0;
  const stats = memory?.stats ?? {};
  const inactive = num(stats.total_inactive_file) ?? num(stats.inactive_file) ?? 0;
  return inactive < usage ? usage - inactive : usage;
}

export function containerStatsOf(raw: RawContainerStats): ContainerStatsSample {
  const cpu = cpuReadingOf(raw.cpu_stats) ?? { containerNs: 0, systemNs: null };
  const onlineCpus = num(raw.cpu_stats?.online_cpus) ?? raw.cpu_stats?.cpu_usage?.percpu_usage?.length ?? 1;
  const limit = num(raw.memory_stats?.limit);
  const pidsLimit = num(raw.pids_stats?.limit);
  let rx = 0;
  let tx = 0;
  for (const net of Object.values(raw.networks ?? {})) {
    rx += num(net.rx_bytes) ?? 0;
    tx += num(net.tx_bytes) ?? 0;
  }
  const readAt = raw.read ? new Date(raw.read) : new Date(Number.NaN);
  return {
    readAt: Number.isNaN(readAt.getTime()) ? new Date() : readAt,
    cpu,
    previousCpu: cpuReadingOf(raw.precpu_stats),
    onlineCpus: onlineCpus > 0 ? onlineCpus : 1,
    memoryBytes: memoryInUse(raw.memory_stats),
    // Docker reports the host's memory as the limit of an unlimited container; RTM always sets one.
    memoryLimitBytes: limit !== null && limit > 0 ? limit : null,
    pids: num(raw.pids_stats?.current) ?? 0,
    // An unlimited pids cgroup reads as a huge number ("max"): not a limit.
    pidsLimit: pidsLimit !== null && pidsLimit > 0 && pidsLimit < 2 ** 53 ? pidsLimit : null,
    networkRxBytes: rx,
    networkTxBytes: tx,
  };
}
