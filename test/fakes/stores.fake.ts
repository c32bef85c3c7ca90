// In-memory fakes of the PostgreSQL-backed ports. Same semantics as the real adapters;
// the port contract suites in test/adapters/postgres run against both.
import type { HealthSnapshot } from '../../src/domain/health.js';
import type { OperationLogEntry, StoredOperationLogEntry } from '../../src/domain/operation.js';
import type { RuntimeRecord, RuntimeStatus } from '../../src/domain/runtime-record.js';
import { ALLOWED_TRANSITIONS } from '../../src/domain/runtime-transitions.js';
import type { HealthSnapshotStore } from '../../src/ports/health-snapshot.store.js';
import type { OperationLogStore } from '../../src/ports/operation-log.store.js';
import type { PendingOperation, PendingOperationStore } from '../../src/ports/pending-operation.store.js';
import type { FleetLimits, RuntimeLimitsChange, RuntimeListQuery, RuntimeRecordStore, RuntimeStatusChange } from '../../src/ports/runtime-record.store.js';

const clone = <T>(v: T): T => structuredClone(v);

export class FakeRuntimeRecordStore implements RuntimeRecordStore {
  readonly rows = new Map<string, RuntimeRecord>();

  async get(gameId: string): Promise<RuntimeRecord | null> {
    const r = this.rows.get(gameId);
    return r ? clone(r) : null;
  }

  async upsert(record: RuntimeRecord): Promise<RuntimeRecord> {
    const existing = this.rows.get(record.gameId);
    const stored = { ...clone(record), createdAt: existing ? existing.createdAt : record.createdAt };
    this.rows.set(record.gameId, stored);
    return clone(stored);
  }

  async updateStatus(change: RuntimeStatusChange): Promise<RuntimeRecord | null> {
    const r = this.rows.get(change.gameId);
    if (!r || r.currentContainerId !== change.expectedContainerId) return null;
    if (change.expectedStatus !== undefined && r.status !== change.expectedStatus) return null;
    // Like the real store: only a §3 transition matches (never status -> same status), which
    // is what leaves exactly one winner among writers with the same expectation.
    if (!ALLOWED_TRANSITIONS.some((t) => t.from === r.status && t.to === change.to && t.from !== t.to)) return null;
    r.status = change.to;
    r.lastOpAt = change.at;
    if (change.to === 'stopped') r.stoppedAt = change.at;
    if (change.to === 'removed') r.removedAt = change.at;
    if (change.to === 'running') r.startedAt = change.at;
    return clone(r);
  }

  async updateLimits(change: RuntimeLimitsChange): Promise<RuntimeRecord | null> {
    const r = this.rows.get(change.gameId);
    if (!r || r.currentContainerId !== change.expectedContainerId || r.status !== change.expectedStatus) return null;
    r.limits = clone(change.limits);
    r.lastOpAt = change.at;
    return clone(r);
  }

  async list(query: RuntimeListQuery): Promise<RuntimeRecord[]> {
    return [...this.rows.values()]
      .filter((r) => query.status === undefined || r.status === query.status)
      .filter((r) => query.afterGameId === undefined || r.gameId > query.afterGameId)
      .sort((a, b) => (a.gameId < b.gameId ? -1 : a.gameId > b.gameId ? 1 : 0))
      .slice(0, query.limit)
      .map(clone);
  }

  async listStoppedBefore(olderThan: Date, limit: number): Promise<RuntimeRecord[]> {
    return [...this.rows.values()]
      .filter((r) => r.status === 'stopped' && r.lastOpAt.getTime() < olderThan.getTime())
      .sort((a, b) => a.lastOpAt.getTime() - b.lastOpAt.getTime() || (a.gameId < b.gameId ? -1 : a.gameId > b.gameId ? 1 : 0))
      .slice(0, limit)
      .map(clone);
  }

  async runningLimits(): Promise<FleetLimits> {
    const running = [...this.rows.values()].filter((r) => r.status === 'running');
    const known = running.flatMap((r) => (r.limits ? [r.limits] : []));
    return {
      engines: known.length,
      memoryBytes: known.reduce((sum, l) => sum + l.memoryBytes, 0),
      cpus: known.reduce((sum, l) => sum + l.cpus, 0),
      withoutLimits: running.length - known.length,
    };
  }

  async countByStatus(): Promise<Record<RuntimeStatus, number>> {
    const counts: Record<RuntimeStatus, number> = { running: 0, stopped: 0, removed: 0 };
    for (const r of this.rows.values()) counts[r.status] += 1;
    return counts;
  }
}

export class FakeOperationLogStore implements OperationLogStore {
  readonly entries: StoredOperationLogEntry[] = [];
  private nextId = 1;

  async append(entry: OperationLogEntry): Promise<string> {
    const id = String(this.nextId++);
    this.entries.push({ ...clone(entry), id });
    return id;
  }

  async listByGame(gameId: string, limit: number): Promise<StoredOperationLogEntry[]> {
    return this.entries
      .filter((e) => e.gameId === gameId)
      .sort((a, b) => Number(b.id) - Number(a.id))
      .slice(0, limit)
      .map(clone);
  }

  forGame(gameId: string): StoredOperationLogEntry[] {
    return this.entries.filter((e) => e.gameId === gameId);
  }
}

export class FakeHealthSnapshotStore implements HealthSnapshotStore {
  readonly rows = new Map<string, HealthSnapshot>();

  async upsert(snapshot: HealthSnapshot): Promise<void> {
    const existing = this.rows.get(snapshot.gameId);
    if (existing && existing.observedAt.getTime() > snapshot.observedAt.getTime()) return;
    this.rows.set(snapshot.gameId, clone(snapshot));
  }

  async get(gameId: string): Promise<HealthSnapshot | null> {
    const s = this.rows.get(gameId);
    return s ? clone(s) : null;
  }
}

export class FakePendingOperationStore implements PendingOperationStore {
  readonly rows = new Map<string, PendingOperation>();
  /** Set to make every call throw (an unreachable store). */
  failWith: Error | null = null;

  async begin(marker: PendingOperation): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.rows.set(marker.gameId, clone(marker));
  }

  async end(gameId: string, correlationId: string): Promise<void> {
    if (this.failWith) throw this.failWith;
    if (this.rows.get(gameId)?.correlationId === correlationId) this.rows.delete(gameId);
  }

  async list(limit: number): Promise<PendingOperation[]> {
    if (this.failWith) throw this.failWith;
    return [...this.rows.values()]
      .sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.gameId.localeCompare(b.gameId))
      .slice(0, limit)
      .map(clone);
  }
}
