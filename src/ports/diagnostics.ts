import type { RuntimeStatus } from '../domain/runtime-record.js';

/** What this build is (rtmanager_build_info, diagnostics); read by app/build-info.ts. */
export interface BuildInfo {
  version: string;
  commit: string;
}

/** A dependency whose server version `rtmctl diagnostics` reports (never its address or credentials). */
export interface VersionSource {
  readonly name: 'postgres' | 'redis' | 'docker';
  /** The server's version string; rejects when the server does not answer. */
  version(): Promise<string>;
}

export interface DependencyVersion {
  version: string | null;
  /** Why `version` is null; null otherwise. */
  error: string | null;
}

/** Who leads (from the leader lease) and this instance's role (CONTRACT §11). */
export interface LeadershipDiagnostics {
  instance_id: string;
  role: 'leader' | 'standby';
  leader: { instance_id: string; epoch: number; since: string; expires_at: string } | null;
}

/** GET /api/v1/internal/diagnostics (Diagnostics in the OpenAPI spec). */
export interface DiagnosticsReport {
  rtm: { version: string; node_version: string; uptime_s: number };
  postgres: DependencyVersion;
  redis: DependencyVersion;
  docker: DependencyVersion;
  /** Absent only when the lease cannot be read (PostgreSQL down: the counts fail too). */
  leadership?: LeadershipDiagnostics;
  runtimes: Record<RuntimeStatus, number>;
}
