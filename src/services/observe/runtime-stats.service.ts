// stats (CONTRACT §11): one usage sample of a running engine. A read: no lease, no
// operation_log row. Docker's one-shot reading answers at its next collection (≤ 1 s) but
// carries no previous CPU reading; a full reading waits for two collections (1-2 s). So
// the CPU % comes from this service's own previous reading of the same container when it
// is recent (one-shot), and from the daemon's (a full reading) otherwise: a `top` that asks
// every few seconds pays ≤ 1 s per game after its first round. docs/observability.md.
import { cpuPercent, type EngineUsage } from '../../domain/engine-usage.js';
import { failed, type OperationResult } from '../../domain/operation-result.js';
import type { Clock } from '../../ports/clock.js';
import type { CpuReading, DockerRuntime } from '../../ports/docker-runtime.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import { classifyFault, OperationFailure } from '../pipeline/operation-failure.js';

export type RuntimeStatsResult = { outcome: 'success'; usage: EngineUsage } | (OperationResult & { outcome: 'failure' });

export interface RuntimeStatsDeps {
  docker: DockerRuntime;
  records: Pick<RuntimeRecordStore, 'get'>;
  clock: Clock;
}

/** A previous reading older than this is not used for the CPU % (the full reading is). */
const PREVIOUS_READING_MAX_AGE_MS = 30_000;
/** Bounded memory whatever the fleet's size: the oldest readings go first. */
const MAX_REMEMBERED_READINGS = 4096;

export class RuntimeStatsService {
  private readonly readings = new Map<string, { cpu: CpuReading; at: number }>();

  constructor(private readonly deps: RuntimeStatsDeps) {}

  async sample(gameId: string): Promise<RuntimeStatsResult> {
    try {
      return { outcome: 'success', usage: await this.read(gameId) };
    } catch (err) {
      const failure = classifyFault(err, 'reading the engine usage', 'conflict');
      return { ...failed(failure.code, failure.message), outcome: 'failure' };
    }
  }

  private async read(gameId: string): Promise<EngineUsage> {
    const record = await this.deps.records.get(gameId);
    if (record === null) throw new OperationFailure('not_found', `no runtime record for game ${gameId}`);
    const containerId = record.currentContainerId;
    if (record.status !== 'running' || containerId === null)
      throw new OperationFailure('conflict', `game ${gameId} is ${record.status}: usage is sampled only for running engines`);
    const now = this.deps.clock.now().getTime();
    const previous = this.readings.get(containerId);
    const recent = previous !== undefined && now - previous.at <= PREVIOUS_READING_MAX_AGE_MS;
    const [info, sample] = await Promise.all([
      this.deps.docker.inspectContainer(containerId),
      this.deps.docker.containerStats(containerId, { oneShot: recent }),
    ]);
    if (info === null || sample === null || !info.running)
      throw new OperationFailure('conflict', `game ${gameId}'s container ${containerId.slice(0, 12)} is not running in Docker`);
    this.remember(containerId, sample.cpu, now);
    const before = sample.previousCpu ?? (recent ? previous.cpu : null);
    return {
      gameId,
      containerId,
      observedAt: sample.readAt,
      cpuPercent: cpuPercent(sample.cpu, before, sample.onlineCpus),
      memoryBytes: sample.memoryBytes,
      memoryLimitBytes: sample.memoryLimitBytes,
      pids: sample.pids,
      pidsLimit: sample.pidsLimit,
      networkRxBytes: sample.networkRxBytes,
      networkTxBytes: sample.networkTxBytes,
      restartCount: info.restartCount,
      startedAt: info.startedAt,
    };
  }

  private remember(containerId: string, cpu: CpuReading, at: number): void {
    this.readings.delete(containerId);
    this.readings.set(containerId, { cpu, at });
    if (this.readings.size > MAX_REMEMBERED_READINGS) {
      const oldest = this.readings.keys().next().value;
      if (oldest !== undefined) this.readings.delete(oldest);
    }
  }
}
