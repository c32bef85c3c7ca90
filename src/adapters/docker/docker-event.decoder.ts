// One decoded line of GET /events into the port's DockerEvent. The daemon puts the
// container's labels and its own facts (image, name, exitCode, signal) into the same
// Actor.Attributes map; the daemon's keys are split off so `labels` are the labels.
import type { DockerEvent, DockerEventAction } from '../../ports/docker-runtime.js';

export const WATCHED_EVENT_ACTIONS: readonly DockerEventAction[] = ['create', 'start', 'kill', 'die', 'stop', 'oom', 'destroy'];

/** Attribute keys the daemon adds to container events that are not labels. */
const DAEMON_ATTRIBUTE_KEYS = new Set(['image', 'name', 'exitCode', 'signal', 'execDuration']);

interface RawEvent {
  Type?: unknown;
  Action?: unknown;
  status?: unknown;
  id?: unknown;
  Actor?: { ID?: unknown; Attributes?: unknown };
  time?: unknown;
  timeNano?: unknown;
}

function isWatchedAction(value: unknown): value is DockerEventAction {
  return typeof value === 'string' && (WATCHED_EVENT_ACTIONS as readonly string[]).includes(value);
}

/**
 * JSON.parse for one events line that keeps `timeNano` exact: it exceeds 2^53, so it is
 * quoted before parsing (a quote inside a JSON string is escaped, so only the real field
 * can match).
 */
export function parseEventLine(line: string): unknown {
  return JSON.parse(line.replace(/"timeNano":(\d+)/, '"timeNano":"$1"'));
}

function timeNanoOf(raw: RawEvent): bigint | null {
  if (typeof raw.timeNano === 'number' && Number.isFinite(raw.timeNano)) return BigInt(Math.trunc(raw.timeNano));
  if (typeof raw.timeNano === 'string' && /^[0-9]+$/.test(raw.timeNano)) return BigInt(raw.timeNano);
  if (typeof raw.time === 'number' && Number.isFinite(raw.time)) return BigInt(Math.trunc(raw.time)) * 1_000_000_000n;
  return null;
}

/** null for anything that is not a watched container event (other types, exec_*, health_status...). */
export function decodeDockerEvent(value: unknown): DockerEvent | null {
  if (!value || typeof value !== 'object') return null;
  const raw = value as RawEvent;
  if (raw.Type !== undefined && raw.Type !== 'container') return null;
  const action = raw.Action ?? raw.status;
  if (!isWatchedAction(action)) return null;
  const containerId = typeof raw.Actor?.ID === 'string' ? raw.Actor.ID : typeof raw.id === 'string' ? raw.id : null;
  const timeNano = timeNanoOf(raw);
  if (!containerId || timeNano === null) return null;

  const attributes: Record<string, string> = {};
  const rawAttributes = raw.Actor?.Attributes;
  if (rawAttributes && typeof rawAttributes === 'object') {
    for (const [k, v] of Object.entries(rawAttributes)) if (typeof v === 'string') attributes[k] = v;
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(attributes)) if (!DAEMON_ATTRIBUTE_KEYS.has(k)) labels[k] = v;

  const exitCode = action === 'die' && attributes.exitCode !== undefined && /^-?[0-9]+$/.test(attributes.exitCode) ? Number(attributes.exitCode) : null;
  const signal = action === 'kill' && attributes.signal ? attributes.signal : null;
  return { action, containerId, labels, exitCode, signal, timeNano };
}
