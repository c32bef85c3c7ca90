// Periodic `docker inspect` of every running record's container (CONTRACT §7):
// `inspect_unhealthy` when RestartCount grew since the last look, or once per container
// and Docker status when that status contradicts the record. A death is not this worker's
// business: an exited or dead container is the events listener's `container_exited`, and a
// missing one its (or the reconciler's) `container_disappeared`; an exited or dead container
// under a running record only asks for the game's sync, so the record follows at once.
// While the Swarm node of a task is down: `node_down`, once per container (its status is stale).
import type { RuntimeRecord } from '../../domain/runtime-record.js';
import { PeriodicWorker, type ContainerWatcherDeps } from '../periodic-worker.js';
import { listRunningRecords } from '../running-records.js';

export interface DockerInspectSettings {
  intervalMs: number;
}

/** `sync`: when a running record's container has ended. */
export interface DockerInspectWorkerDeps extends ContainerWatcherDeps {
  settings: DockerInspectSettings;
}

interface InspectState {
  restartCount: number;
  /** The contradicting Docker status already reported for this container, if any. */
  reportedMismatch: string | null;
  /** node_down reported for this container since its node was last seen ready. */
  reportedNodeDown: boolean;
}

export class DockerInspectWorker extends PeriodicWorker {
  /** By container id: a new container (restart, patch) starts from its own baseline. */
  private readonly states = new Map<string, InspectState>();

  constructor(private readonly deps: DockerInspectWorkerDeps) {
    super('docker-inspect', deps);
  }

  protected round(signal: AbortSignal): Promise<void> {
    return this.inspectRound(signal);
  }

  async inspectRound(signal: AbortSignal = new AbortController().signal): Promise<void> {
    const running = await listRunningRecords(this.deps.records);
    const current = new Set(running.map((r) => r.currentContainerId).filter((id): id is string => id !== null));
    for (const id of this.states.keys()) if (!current.has(id)) this.states.delete(id);
    for (const record of running) {
      if (signal.aborted) return;
      if (!record.currentContainerId) continue;
      try {
        await this.inspectOne(record, record.currentContainerId);
      } catch (err) {
        this.log.warn({ err, game_id: record.gameId, container_id: record.currentContainerId }, 'inspect failed');
      }
    }
  }

  private async inspectOne(record: RuntimeRecord, containerId: string): Promise<void> {
    const info = await this.deps.docker.inspectContainer(containerId);
    if (!info) return;
    const log = this.log.child({ game_id: record.gameId, container_id: containerId });
    const previous = this.states.get(containerId);
    const state: InspectState = previous ?? { restartCount: info.restartCount, reportedMismatch: null, reportedNodeDown: false };
    this.states.set(containerId, state);

    // The first look only sets the baseline: restarts before RTM looked are not news.
    if (previous && info.restartCount > previous.restartCount) {
      await this.publish(record, containerId, {
        reason: 'restart_count_grew',
        restart_count: info.restartCount,
        previous_restart_count: previous.restartCount,
        docker_status: info.state,
      });
      log.warn({ restart_count: info.restartCount, previous_restart_count: previous.restartCount }, 'engine container restarted');
    }
    state.restartCount = Math.max(state.restartCount, info.restartCount);

    if (info.node !== undefined && info.node.state !== 'ready') {
      if (state.reportedNodeDown) return;
      const node = info.node;
      await this.publish(record, containerId, { reason: 'node_down', node_id: node.id, node_hostname: node.hostname, node_state: node.state, docker_status: info.state });
      state.reportedNodeDown = true;
      log.warn({ node_id: node.id, node_hostname: node.hostname, node_state: node.state }, 'the node running the engine is down');
      return;
    }
    state.reportedNodeDown = false;

    if (info.state === 'running') {
      state.reportedMismatch = null;
      return;
    }
    if (info.state === 'exited' || info.state === 'dead') {
      void this.deps.sync.sync(record.gameId, 'inspect_ended');
      return;
    }
    if (state.reportedMismatch === info.state) return;
    await this.publish(record, containerId, { reason: 'status_mismatch', docker_status: info.state, record_status: record.status });
    state.reportedMismatch = info.state;
    log.warn({ docker_status: info.state, record_status: record.status }, 'container status contradicts the record');
  }

  private async publish(record: RuntimeRecord, containerId: string, details: Record<string, unknown>): Promise<void> {
    await this.deps.health.record({
      gameId: record.gameId,
      containerId,
      eventType: 'inspect_unhealthy',
      occurredAt: this.deps.clock.now(),
      details,
    });
  }
}
