// The recorded reconcile operations (op_source auto_reconcile), each one run of the
// pipeline under a lease the caller holds: reconcile_adopt, reconcile_mark_stopped,
// reconcile_dispose (of a record whose container vanished, or of a half-made container no
// record names), and the closing row of a restart/patch a crash interrupted.
// Which one to run is decided by ReconcileGameService; the rules: docs/workers.md.
import type { Logger } from 'pino';
import { IMAGE_REF_LABEL } from '../../domain/container-spec.js';
import { succeeded, type OperationResult } from '../../domain/operation-result.js';
import { engineEndpointFor, type RuntimeRecord } from '../../domain/runtime-record.js';
import type { Clock } from '../../ports/clock.js';
import type { ContainerIntents } from '../../ports/container-intents.js';
import type { ContainerInfo, DockerRuntime } from '../../ports/docker-runtime.js';
import type { GameLease, GameLeases } from '../../ports/game-lease.js';
import type { Metrics } from '../../ports/metrics.js';
import type { OperationLogStore } from '../../ports/operation-log.store.js';
import type { PendingOperation, PendingOperationStore } from '../../ports/pending-operation.store.js';
import type { RuntimeRecordStore } from '../../ports/runtime-record.store.js';
import type { StateDirectories } from '../../ports/state-directory.js';
import type { HealthEventRecorder } from '../health/record-health-event.service.js';
import type { OperationContext } from '../operation-context.js';
import { OperationFailure, describeError, dockerStep, storeStep } from '../pipeline/operation-failure.js';
import { answered, carrying, changeStatus, resultOf, writeRecord, type KnownSoFar, type OperationPipeline } from '../pipeline/operation-pipeline.js';

/** Which path noticed a disappearance; published as `details.source`. */
export type DisappearanceSource = 'docker_event' | 'reconcile';

export interface ReconcileOperationsDeps {
  /** The one pipeline (composition root): every operation's lease, row and metric. */
  pipeline: OperationPipeline;
  docker: Pick<DockerRuntime, 'inspectContainer' | 'removeContainer'>;
  records: Pick<RuntimeRecordStore, 'get' | 'upsert' | 'updateStatus'>;
  operationLog: OperationLogStore;
  pendingOperations: PendingOperationStore;
  /** container_disappeared goes out through it (snapshot, stream, metric). */
  health: HealthEventRecorder;
  intents: ContainerIntents;
  leases: GameLeases;
  stateDirectories: Pick<StateDirectories, 'pathFor'>;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  settings: { enginePort: number };
}

const RECONCILE: OperationContext = { opSource: 'auto_reconcile' };

export class ReconcileOperations {
  private readonly pipeline: OperationPipeline;

  constructor(private readonly deps: ReconcileOperationsDeps) {
    this.pipeline = deps.pipeline;
  }

  /** An owned running container becomes the record's (never touched). */
  adopt(lease: GameLease, previous: RuntimeRecord | null, info: ContainerInfo): Promise<OperationResult> {
    const gameId = lease.gameId;
    const imageRef = info.labels[IMAGE_REF_LABEL] ?? info.image;
    return this.pipeline.run({
      gameId,
      opKind: 'reconcile_adopt',
      context: RECONCILE,
      imageRef,
      heldLease: lease,
      details: { previous_status: previous?.status ?? null, previous_container_id: previous?.currentContainerId ?? null },
      act: async () => {
        const known: KnownSoFar = { found: previous, containerId: info.id, details: {} };
        const now = this.deps.clock.now();
        const write = () =>
          writeRecord(lease, { from: previous?.status ?? null, to: 'running', by: 'reconcile_adopt' }, () =>
          this.deps.records.upsert({
            gameId,
            status: 'running',
            currentContainerId: info.id,
            currentImageRef: imageRef,
            engineEndpoint: engineEndpointFor(gameId, this.deps.settings.enginePort),
            statePath: this.deps.stateDirectories.pathFor(gameId),
            createdAt: previous?.createdAt ?? now,
            startedAt: info.startedAt ?? now,
            stoppedAt: previous?.stoppedAt ?? null,
            removedAt: previous?.removedAt ?? null,
            lastOpAt: now,
            // Known only when the record already named this container; unknown otherwise.
            limits: previous?.currentContainerId === info.id ? previous.limits : null,
          }),
        );
        return carrying(known, async () => {
          const written = await write();
          return answered(known, succeeded(written), written);
        });
      },
    });
  }

  /** A running record whose container exists but is not running. */
  markStopped(lease: GameLease, record: RuntimeRecord, info: ContainerInfo): Promise<OperationResult> {
    return this.pipeline.run({
      gameId: record.gameId,
      opKind: 'reconcile_mark_stopped',
      context: RECONCILE,
      imageRef: record.currentImageRef,
      heldLease: lease,
      details: { docker_status: info.state, exit_code: info.exitCode, oom_killed: info.oomKilled },
      act: () => {
        const known: KnownSoFar = { found: record, containerId: info.id, details: {} };
        return carrying(known, async () => {
          const at = this.deps.clock.now();
          const written = await changeStatus(lease, this.deps.records, { gameId: record.gameId, containerId: info.id, from: 'running', to: 'stopped', by: 'reconcile_mark_stopped', at });
          return answered(known, succeeded(written), written);
        });
      },
    });
  }

  /**
   * A record (running or stopped) whose container is gone becomes `removed`. Only a
   * running one is a disappearance: container_disappeared is published after the row.
   */
  disposeVanished(lease: GameLease, record: RuntimeRecord, source: DisappearanceSource): Promise<OperationResult> {
    const containerId = record.currentContainerId;
    const from = record.status;
    return this.pipeline.run({
      gameId: record.gameId,
      opKind: 'reconcile_dispose',
      context: RECONCILE,
      imageRef: record.currentImageRef,
      heldLease: lease,
      details: { source, previous_status: from },
      act: () => {
        const known: KnownSoFar = { found: record, containerId, details: {} };
        return carrying(known, async () => {
          const at = this.deps.clock.now();
          const written = await changeStatus(lease, this.deps.records, { gameId: record.gameId, containerId, from, to: 'removed', by: 'reconcile_dispose', at });
          return answered(known, succeeded(written), written);
        });
      },
      after: async (_result, outcome, op) => {
        if (outcome.written === null || from !== 'running' || containerId === null) return;
        await this.publishDisappeared(record.gameId, containerId, source, op.startedAt, op.log);
      },
    });
  }

  /** An owned container that never started and that no record names: half made by a start that died. */
  removeHalfMade(lease: GameLease, record: RuntimeRecord | null, info: ContainerInfo): Promise<OperationResult> {
    return this.pipeline.run({
      gameId: lease.gameId,
      opKind: 'reconcile_dispose',
      context: RECONCILE,
      imageRef: info.labels[IMAGE_REF_LABEL] ?? info.image,
      heldLease: lease,
      details: { kind: 'never_started_container', record_status: record?.status ?? null, record_container_id: record?.currentContainerId ?? null },
      act: () => {
        const known: KnownSoFar = { found: record, containerId: info.id, details: {} };
        return carrying(known, async () => {
          this.deps.intents.expect(info.id, 'remove');
          await dockerStep('removing the never-started container', 'internal_error', () => this.deps.docker.removeContainer(info.id, { force: true }));
          return answered(known, succeeded(record));
        });
      },
    });
  }

  /**
   * The outer row of a restart/patch whose process died before writing it: a failure
   * (`internal_error`, details.interrupted). True once the row is written and the marker
   * cleared; false when the row could not be written (the marker stays for next pass).
   */
  async closeInterrupted(lease: GameLease, marker: PendingOperation, record: RuntimeRecord | null): Promise<boolean> {
    if (await this.alreadyRecorded(marker)) {
      // RTM stopped between the operation's row and the marker's end: the row stands.
      await storeStep('clearing the finished marker', () => this.deps.pendingOperations.end(marker.gameId, marker.correlationId));
      return true;
    }
    const result = await this.pipeline.run({
      gameId: marker.gameId,
      opKind: marker.opKind,
      context: { opSource: marker.opSource, correlationId: marker.correlationId },
      imageRef: marker.imageRef,
      startedAt: marker.startedAt,
      heldLease: lease,
      details: { interrupted: true, closed_by: 'reconcile', final_status: record?.status ?? null },
      act: async () => {
        const failure = new OperationFailure(
          'internal_error',
          `${marker.opKind} was interrupted (RTM stopped before it finished); reconcile found the game ${record?.status ?? 'without a record'}`,
        );
        return answered({ found: record, containerId: record?.currentContainerId ?? null, details: {} }, resultOf(failure, record));
      },
    });
    if (result.errorCode !== 'internal_error') return false;
    // After the row: a crash in between only repeats the row, never loses it.
    await storeStep('clearing the interrupted marker', () => this.deps.pendingOperations.end(marker.gameId, marker.correlationId));
    return true;
  }

  /** The operation's own row, written just before a crash that left its marker. */
  private async alreadyRecorded(marker: PendingOperation): Promise<boolean> {
    const recent = await storeStep('reading the operation log', () => this.deps.operationLog.listByGame(marker.gameId, 50));
    return recent.some((row) => row.opKind === marker.opKind && row.correlationId === marker.correlationId);
  }

  private async publishDisappeared(gameId: string, containerId: string, source: DisappearanceSource, at: Date, log: Logger): Promise<void> {
    try {
      await this.deps.health.record({ gameId, containerId, eventType: 'container_disappeared', occurredAt: at, details: { source } });
    } catch (err) {
      log.error({ err: describeError(err) }, 'could not publish container_disappeared');
    }
  }
}
