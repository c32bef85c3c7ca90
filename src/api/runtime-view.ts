// Domain -> wire shape of a runtime (CONTRACT §5): snake_case, RFC 3339 UTC timestamps.
import type { HealthSnapshot } from '../domain/health.js';
import type { StoredOperationLogEntry } from '../domain/operation.js';
import type { RuntimeRecord } from '../domain/runtime-record.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function runtimeView(record: RuntimeRecord, health: HealthSnapshot | null) {
  return {
    game_id: record.gameId,
    status: record.status,
    current_container_id: record.currentContainerId,
    current_image_ref: record.currentImageRef,
    engine_endpoint: record.engineEndpoint,
    state_path: record.statePath,
    created_at: record.createdAt.toISOString(),
    started_at: iso(record.startedAt),
    stopped_at: iso(record.stoppedAt),
    removed_at: iso(record.removedAt),
    last_op_at: record.lastOpAt.toISOString(),
    health: health
      ? {
          container_id: health.containerId,
          event_type: health.eventType,
          details: health.details,
          observed_at: health.observedAt.toISOString(),
        }
      : null,
  };
}

export function operationView(entry: StoredOperationLogEntry) {
  return {
    id: entry.id,
    game_id: entry.gameId,
    op_kind: entry.opKind,
    op_source: entry.opSource,
    outcome: entry.outcome,
    error_code: entry.errorCode,
    error_message: entry.errorMessage,
    image_ref: entry.imageRef,
    container_id: entry.containerId,
    correlation_id: entry.correlationId,
    details: entry.details,
    started_at: entry.startedAt.toISOString(),
    finished_at: entry.finishedAt.toISOString(),
  };
}

/** Opaque list cursor: the last game_id of the page, base64url. */
export function encodeCursor(lastGameId: string): string {
  return Buffer.from(lastGameId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  const v = Buffer.from(cursor, 'base64url').toString('utf8');
  return /^[a-z0-9-]{1,51}$/.test(v) ? v : null;
}
