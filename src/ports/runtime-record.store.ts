import type { RuntimeLimits } from '../domain/runtime-limits.js';
import type { RuntimeRecord, RuntimeStatus } from '../domain/runtime-record.js';

export interface RuntimeStatusChange {
  gameId: string;
  /** CAS guard: the write applies only while the row still has this container id. */
  expectedContainerId: string | null;
  /** Optional second guard: the write applies only while the row has this status. */
  expectedStatus?: RuntimeStatus;
  to: RuntimeStatus;
  at: Date;
}

export interface RuntimeLimitsChange {
  gameId: string;
  /** CAS guard: the write applies only while the row names this container and has this status. */
  expectedContainerId: string;
  expectedStatus: RuntimeStatus;
  limits: RuntimeLimits;
  at: Date;
}

export interface FleetLimits {
  /** Running records that know their limits. */
  engines: number;
  memoryBytes: number;
  cpus: number;
  /** Running records whose limits are unknown (written before 1.2, or adopted). */
  withoutLimits: number;
}

export interface RuntimeListQuery {
  status?: RuntimeStatus;
  limit: number;
  /** Exclusive: list game ids strictly after this one (ascending game_id order). */
  afterGameId?: string;
}

export interface RuntimeRecordStore {
  get(gameId: string): Promise<RuntimeRecord | null>;
  /**
   * Insert or replace the row for record.gameId. `created_at` of an existing row is kept
   * whatever record.createdAt says. Returns the stored row.
   */
  upsert(record: RuntimeRecord): Promise<RuntimeRecord>;
  /**
   * Compare-and-swap status update on current_container_id (and optionally status).
   * Sets stopped_at / removed_at / started_at to `at` as the target status implies, and
   * last_op_at = at. Returns the updated row, or null when the guard did not match.
   */
  updateStatus(change: RuntimeStatusChange): Promise<RuntimeRecord | null>;
  /**
   * Compare-and-swap write of the limits (and last_op_at = at), status unchanged. Returns
   * the updated row, or null when the guard did not match.
   */
  updateLimits(change: RuntimeLimitsChange): Promise<RuntimeRecord | null>;
  list(query: RuntimeListQuery): Promise<RuntimeRecord[]>;
  /** Stopped records with last_op_at < olderThan (TTL cleanup). */
  listStoppedBefore(olderThan: Date, limit: number): Promise<RuntimeRecord[]>;
  countByStatus(): Promise<Record<RuntimeStatus, number>>;
  /** The running engines' limits summed (fleet metrics); engines whose limits are unknown are counted apart. */
  runningLimits(): Promise<FleetLimits>;
}
