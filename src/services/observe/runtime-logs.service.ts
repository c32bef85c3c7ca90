// logs (CONTRACT §11): what a game's current container printed, optionally followed. A
// read: no lease, no operation_log row. The lines come from Docker at the pace the caller
// reads them; `signal` ends them (caller gone, RTM shutting down), and a followed answer
// also ends when the container stops. docs/services.md "logs and stats".
import { failed, type OperationResult } from '../../domain/operation-result.js';
import { DockerError, type DockerRuntime, type EngineLogLine } from '../../ports/docker-runtime.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import { classifyFault, OperationFailure } from '../pipeline/operation-failure.js';

export interface RuntimeLogsInput {
  gameId: string;
  tail: number;
  /** Unix seconds, a decimal string with up to nine fraction digits. */
  since?: string;
  follow: boolean;
  signal: AbortSignal;
}

export type RuntimeLogsResult = { outcome: 'success'; lines: AsyncIterable<readonly EngineLogLine[]> } | (OperationResult & { outcome: 'failure' });

export interface RuntimeLogsDeps {
  docker: DockerRuntime;
  records: Pick<RuntimeRecordStore, 'get'>;
  /** The log driver engines are created with (RTMANAGER_CONTAINER_LOG_DRIVER), named when Docker cannot read it back. */
  logDriver: string;
}

export class RuntimeLogsService {
  constructor(private readonly deps: RuntimeLogsDeps) {}

  async open(input: RuntimeLogsInput): Promise<RuntimeLogsResult> {
    try {
      return { outcome: 'success', lines: await this.connect(input) };
    } catch (err) {
      const failure = classifyFault(err, 'reading the engine logs', 'internal_error');
      return { ...failed(failure.code, failure.message), outcome: 'failure' };
    }
  }

  private async connect(input: RuntimeLogsInput): Promise<AsyncIterable<readonly EngineLogLine[]>> {
    const record = await this.deps.records.get(input.gameId);
    if (record === null || record.status === 'removed' || record.currentContainerId === null)
      throw new OperationFailure('not_found', `game ${input.gameId} has no container (no record, or removed)`);
    const { tail, follow, signal } = input;
    try {
      return await this.deps.docker.containerLogs(record.currentContainerId, { tail, follow, signal, ...(input.since !== undefined ? { since: input.since } : {}) });
    } catch (err) {
      if (err instanceof DockerError && err.kind === 'not_found')
        throw new OperationFailure('not_found', `game ${input.gameId}'s container ${record.currentContainerId.slice(0, 12)} no longer exists`);
      if (err instanceof DockerError && err.kind === 'conflict')
        throw new OperationFailure('conflict', `Docker cannot read back the engine's logs: the container's log driver (RTMANAGER_CONTAINER_LOG_DRIVER=${this.deps.logDriver}) does not support reading (${err.message})`);
      throw err;
    }
  }
}
