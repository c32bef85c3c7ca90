// Health events (CONTRACT §7). Each event type has exactly one producing owner; see docs/workers.md.

import { HEALTH_EVENT_TYPES } from '../../generated/vocabularies.js';

export { HEALTH_EVENT_TYPES };
export type HealthEventType = (typeof HEALTH_EVENT_TYPES)[number];

export function isHealthEventType(value: unknown): value is HealthEventType {
  return typeof value === 'string' && (HEALTH_EVENT_TYPES as readonly string[]).includes(value);
}

/** The end of a container: after one, its watchers (probe, inspect) say nothing more about it. */
export const DEATH_EVENT_TYPES = ['container_exited', 'container_oom', 'container_disappeared'] as const satisfies readonly HealthEventType[];
/** What the watchers of a running container report. */
export const WATCH_EVENT_TYPES = ['probe_failed', 'probe_recovered', 'inspect_unhealthy'] as const satisfies readonly HealthEventType[];

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
