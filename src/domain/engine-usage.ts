// One usage sample of a running engine (CONTRACT §11 stats) and the CPU rule it uses.
/** CPU counters of one stats reading (nanoseconds). */
export interface CpuReading {
  containerNs: number;
  /** The host's CPU time; null when the daemon does not report it. */
  systemNs: number | null;
}

/** What an engine holds and is allowed: Docker's stats reading and the usage answered share them. */
export interface ResourceFigures {
  memoryBytes: number;
  memoryLimitBytes: number | null;
  pids: number;
  pidsLimit: number | null;
  networkRxBytes: number;
  networkTxBytes: number;
}

export interface EngineUsage extends ResourceFigures {
  gameId: string;
  containerId: string;
  observedAt: Date;
  /** 100 = one CPU fully used. */
  cpuPercent: number;
  restartCount: number;
  startedAt: Date | null;
}

/**
 * `docker stats`' CPU %: the container's CPU time over the host's between two readings,
 * times the host's CPUs (so 100 = one CPU). 0 without two comparable readings.
 */
export function cpuPercent(current: CpuReading, previous: CpuReading | null, onlineCpus: number): number {
  if (previous === null || current.systemNs === null || previous.systemNs === null) return 0;
  const container = current.containerNs - previous.containerNs;
  const system = current.systemNs - previous.systemNs;
  if (container <= 0 || system <= 0) return 0;
  return Math.round((container / system) * onlineCpus * 100 * 100) / 100;
}
