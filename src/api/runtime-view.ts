// Domain -> wire shape of a runtime (CONTRACT §5): snake_case, RFC 3339 UTC timestamps.
import type { components } from '../../generated/openapi/types.js';
import type { EngineUsage } from '../domain/engine-usage.js';
import type { HealthSnapshot } from '../domain/health.js';
import type { StoredOperationLogEntry } from '../domain/operation.js';
import { limitsToWire } from '../domain/runtime-limits.js';
import type { RuntimeRecord } from '../domain/runtime-record.js';
import { isValidGameId } from '../domain/game-id.js';
import type { ReadinessReport } from '../ports/readiness-check.js';

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
    limits: record.limits ? limitsToWire(record.limits) : null,
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

/** The OpenAPI `RuntimeList` as JSON text, from runtimes already rendered as JSON (RuntimeReadStore). */
export function runtimeListJson(items: readonly string[], nextCursor: string | null): string {
  return `{"items":[${items.join(',')}],"next_cursor":${nextCursor === null ? 'null' : JSON.stringify(nextCursor)}}`;
}

/** Opaque list cursor: the last game_id of the page, base64url. */
export function encodeCursor(lastGameId: string): string {
  return Buffer.from(lastGameId, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): string | null {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) return null;
  const v = Buffer.from(cursor, 'base64url').toString('utf8');
  // Only what encodeCursor produces decodes: the game id must survive a round trip.
  return isValidGameId(v) && encodeCursor(v) === cursor ? v : null;
}

/** The four dependencies /readyz reports (ReadyzResponse.checks in the OpenAPI spec). */
export const READYZ_CHECKS = ['postgres', 'redis', 'docker', 'network'] as const;

/**
 * ReadinessReport -> ReadyzResponse. The spec's `checks` holds exactly the four
 * dependencies; any other problem in the report (startup reconcile pending, a consumer
 * without Redis) still makes the answer `not_ready` and is returned separately so the
 * caller can log it.
 */
type ReadyzChecks = components['schemas']['ReadyzResponse']['checks'];
type ReadinessCheckView = components['schemas']['ReadinessCheck'];

export function readyzView(report: ReadinessReport) {
  const view = (name: string): ReadinessCheckView => {
    const c = report.checks[name];
    return !c ? { ok: false, error: 'not checked' } : c.ok ? { ok: true } : { ok: false, error: c.error ?? 'failed' };
  };
  const checks: ReadyzChecks = { postgres: view('postgres'), redis: view('redis'), docker: view('docker'), network: view('network') };
  // Components that cannot do their work (startup reconcile pending, a consumer without
  // Redis) are named in the body too, so an operator sees why RTM is not ready.
  const otherProblems = Object.entries(report.checks)
    .filter(([name, c]) => !(READYZ_CHECKS as readonly string[]).includes(name) && !c.ok)
    .map(([name, c]) => ({ name, error: c.error ?? 'failed' }));
  for (const p of otherProblems) checks[p.name] = { ok: false, error: p.error };
  const ready = report.ready && Object.values(checks).every((c) => c.ok);
  const status = ready ? ('ready' as const) : ('not_ready' as const);
  return { body: report.role === undefined ? { status, checks } : { status, checks, role: report.role }, otherProblems };
}

/** A usage sample as the REST API shows it (OpenAPI `RuntimeStats`). */
export function usageView(usage: EngineUsage) {
  return {
    game_id: usage.gameId,
    container_id: usage.containerId,
    observed_at: usage.observedAt.toISOString(),
    cpu_percent: usage.cpuPercent,
    memory_bytes: usage.memoryBytes,
    memory_limit_bytes: usage.memoryLimitBytes,
    pids: usage.pids,
    pids_limit: usage.pidsLimit,
    network_rx_bytes: usage.networkRxBytes,
    network_tx_bytes: usage.networkTxBytes,
    restart_count: usage.restartCount,
    started_at: iso(usage.startedAt),
  };
}
