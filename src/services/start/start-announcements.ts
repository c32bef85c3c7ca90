// What a start tells others after its row is written: `container_started` for a start
// that happened, the admin notification intent for the three start failures an admin
// must act on (CONTRACT §6), and the Lobby's view of the game (diagnostics only: never
// awaited, never fails a start; docs/services.md "Lobby"). Publishing never changes the
// start's Result: a lost event is logged, the game is still up and recorded.
import type { Logger } from 'pino';
import type { ErrorCode } from '../../domain/error-codes.js';
import type { OperationResult } from '../../domain/operation-result.js';
import type { RuntimeRecord } from '../../domain/runtime-record.js';
import type { Clock } from '../../ports/clock.js';
import type { LobbyClient } from '../../ports/lobby-client.js';
import type { NotificationIntentPublisher, NotificationIntentType } from '../../ports/publishers.js';
import type { HealthEventRecorder } from '../health/record-health-event.service.js';
import { describeError } from '../pipeline/operation-failure.js';
import type { OperationView } from '../pipeline/operation-pipeline.js';
import type { OperationOutcome } from '../pipeline/operation-recorder.js';

/** The three start failures an admin is told about (CONTRACT §6 notification:intents). */
const INTENT_BY_CODE: Partial<Record<string, NotificationIntentType>> = {
  image_pull_failed: 'runtime.image_pull_failed',
  container_start_failed: 'runtime.container_start_failed',
  start_config_invalid: 'runtime.start_config_invalid',
};

export interface StartAnnouncementsDeps {
  healthEvents: HealthEventRecorder;
  notificationIntents: NotificationIntentPublisher;
  /** Diagnostics only; null when RTMANAGER_LOBBY_BASE_URL is not set. */
  lobby: LobbyClient | null;
  clock: Clock;
}

export class StartAnnouncements {
  constructor(private readonly deps: StartAnnouncementsDeps) {}

  /**
   * From what the start returned: the record it wrote (a container it started; its Result
   * is success, or service_unavailable when only the row could not be written), else the
   * recorded Result's code (one of the three failures an admin is told about).
   */
  async outcome(result: OperationResult, outcome: OperationOutcome, op: OperationView): Promise<void> {
    if (outcome.written !== null) return this.started(outcome.written, op);
    const intentType = result.errorCode === null ? undefined : INTENT_BY_CODE[result.errorCode];
    if (intentType) await this.intent(intentType, result, op);
  }

  private async started(record: RuntimeRecord, op: OperationView): Promise<void> {
    try {
      await this.deps.healthEvents.record({
        gameId: record.gameId,
        containerId: record.currentContainerId ?? '',
        eventType: 'container_started',
        occurredAt: this.deps.clock.now(),
        details: { image_ref: record.currentImageRef },
      });
      // Counted by the health service (rtmanager_health_events_total), like every other event.
    } catch (err) {
      op.log.error({ err: describeError(err) }, 'publishing container_started failed');
    }
  }

  private async intent(intentType: NotificationIntentType, failure: OperationResult, op: OperationView): Promise<void> {
    try {
      await this.deps.notificationIntents.publish({
        intentType,
        idempotencyKey: `${intentType}:${op.scope.gameId}:${op.attemptId}`,
        gameId: op.scope.gameId,
        imageRef: op.scope.imageRef ?? '',
        errorCode: failure.errorCode as ErrorCode,
        errorMessage: failure.errorMessage ?? '',
        attemptedAt: op.startedAt,
      });
    } catch (err) {
      op.log.error({ intent_type: intentType, err: describeError(err) }, 'publishing the admin notification intent failed');
    }
  }

  /** Diagnostics only: never awaited by the start, never fails it. */
  logLobbyView(gameId: string, log: Logger): void {
    const lobby = this.deps.lobby;
    if (lobby === null) return;
    lobby.getGame(gameId).then(
      (game) => {
        if (game === null) log.warn('lobby does not know this game');
        else log.debug({ lobby_status: game.status }, 'lobby view of the game');
      },
      (err: unknown) => log.warn({ err: describeError(err) }, 'lobby diagnostics fetch failed'),
    );
  }
}
