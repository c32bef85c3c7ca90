// container_exited / container_oom of the listener (CONTRACT §7), each reported once per
// death of a container, whichever path saw it first: the event, the replay after a
// reconnect, or a resync after an outage. The marks are cleared when the container starts
// again, so its next death is news. An exit RTM did not ask for also asks for the game's
// sync (not awaited), so the record reads `stopped` at once; RTM's own stop or removal
// writes the record itself.
import type { Logger } from 'pino';
import type { Clock } from '../../ports/clock.js';
import type { ContainerIntents } from '../../ports/container-intents.js';
import type { ContainerInfo } from '../../ports/docker-runtime.js';
import type { HealthEventRecorder } from '../../services/health/record-health-event.service.js';
import type { GameSyncService, SyncCause } from '../../services/reconcile/game-sync.service.js';
import { BoundedKeySet } from '../../domain/bounded-key-set.js';

const REPORTED_MARKS_CAPACITY = 20_000;

export interface ExitReporterDeps {
  health: HealthEventRecorder;
  intents: ContainerIntents;
  sync: Pick<GameSyncService, 'sync'>;
  clock: Clock;
  logger: Logger;
}

export class ExitReporter {
  private readonly exitReported = new BoundedKeySet(REPORTED_MARKS_CAPACITY);
  private readonly oomReported = new BoundedKeySet(REPORTED_MARKS_CAPACITY);

  constructor(private readonly deps: ExitReporterDeps) {}

  /** The container (re)started or is gone: its next exit is news. */
  forget(containerId: string): void {
    this.exitReported.delete(containerId);
    this.oomReported.delete(containerId);
  }

  isExitReported(containerId: string): boolean {
    return this.exitReported.has(containerId);
  }

  isOomReported(containerId: string): boolean {
    return this.oomReported.has(containerId);
  }

  async exited(gameId: string, containerId: string, reportedExitCode: number | null, at: Date, cause: SyncCause): Promise<void> {
    if (this.exitReported.has(containerId)) return;
    const { intents } = this.deps;
    // The schema wants an integer; -1 stands for "Docker reported none" (not seen in practice).
    const exitCode = reportedExitCode ?? -1;
    const requestedByRtm = intents.isExpected(containerId, 'stop') || intents.isExpected(containerId, 'remove');
    await this.deps.health.record({
      gameId,
      containerId,
      eventType: 'container_exited',
      occurredAt: at,
      details: { exit_code: exitCode, requested_by_rtm: requestedByRtm },
    });
    this.exitReported.add(containerId);
    this.deps.logger.info({ game_id: gameId, container_id: containerId, exit_code: exitCode, requested_by_rtm: requestedByRtm }, 'container exited');
    if (!requestedByRtm) void this.deps.sync.sync(gameId, cause);
  }

  async oom(gameId: string, containerId: string, at: Date): Promise<void> {
    if (this.oomReported.has(containerId)) return;
    await this.deps.health.record({ gameId, containerId, eventType: 'container_oom', occurredAt: at, details: {} });
    this.oomReported.add(containerId);
    this.deps.logger.warn({ game_id: gameId, container_id: containerId }, 'container killed by the OOM killer');
  }

  /** Docker started the container (again): its next exit is news, and its watchers may report it. */
  started(containerId: string): void {
    this.forget(containerId);
    this.deps.health.containerRunsAgain(containerId);
  }

  /** What a resync learns from `docker inspect` of a running record's (existing) container. */
  async fromInspect(gameId: string, containerId: string, info: ContainerInfo): Promise<void> {
    if (info.state === 'running' || info.state === 'restarting' || info.state === 'paused') return this.started(containerId);
    if (info.state !== 'exited' && info.state !== 'dead') return;
    const at = info.finishedAt ?? this.deps.clock.now();
    if (info.oomKilled) await this.oom(gameId, containerId, at);
    await this.exited(gameId, containerId, info.exitCode, at, 'resync_exit');
  }
}
