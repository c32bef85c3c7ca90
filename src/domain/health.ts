// Health events (CONTRACT §7). Each event type has exactly one producing owner; see docs/workers.md.

export const HEALTH_EVENT_TYPES = [
  'container_started',
  'container_exited',
  'container_oom',
  'container_disappeared',
  'probe_failed',
  'probe_recovered',
  'inspect_unhealthy',
] as const;
export type HealthEventType = (typeof HEALTH_EVENT_TYPES)[number];

export interface HealthEvent {
  gameId: string;
  containerId: string;
  eventType: HealthEventType;
  occurredAt: Date;
  /** Schema depends on eventType; see api/runtime-health-asyncapi.yaml. */
  details: Record<string, unknown>;
}

/** Latest health per game (`health_snapshots`). */
export interface HealthSnapshot {
  gameId: string;
  containerId: string;
  eventType: HealthEventType;
  details: Record<string, unknown>;
  observedAt: Date;
}
