// notification:intents (CONTRACT §6): admin-only alerts for the Notification Service.
// Trimmed approximately to RTMANAGER_STREAM_MAXLEN_NOTIFICATION_INTENTS (docs/observability.md).
import type { Redis } from 'ioredis';
import { appendEntry } from './stream-append.js';
import type { NotificationIntent, NotificationIntentPublisher } from '../../ports/publishers.js';

export class RedisNotificationIntentPublisher implements NotificationIntentPublisher {
  constructor(
    private readonly redis: Redis,
    /** `config.streams.notificationIntents` (already prefixed). */
    readonly stream: string,
    /** Approximate cap on the stream's length (XADD MAXLEN ~); 0 = never trimmed. */
    private readonly maxLen = 0,
  ) {}

  async publish(intent: NotificationIntent): Promise<string> {
    return appendEntry(this.redis, this.stream, this.maxLen, notificationIntentFields(intent));
  }
}

/** Flat wire fields, in the contract's order; the payload is one JSON string. */
export function notificationIntentFields(i: NotificationIntent): string[] {
  const payload = {
    game_id: i.gameId,
    image_ref: i.imageRef,
    error_code: i.errorCode,
    error_message: i.errorMessage,
    attempted_at_ms: i.attemptedAt.getTime(),
  };
  return [
    'intent_type', i.intentType,
    'audience', 'admin',
    'channels', 'email',
    'idempotency_key', i.idempotencyKey,
    'payload', JSON.stringify(payload),
    'producer', 'rtmanager',
  ];
}
