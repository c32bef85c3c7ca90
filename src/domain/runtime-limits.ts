// The limits a game's container runs with (CONTRACT §11): each value with where it came
// from, and the rules of a live update (update_limits): which fields, parsed how, checked
// against the same ceilings as image labels.
import { LIMIT_SETTINGS, type ResourceLimits } from './container-spec.js';

export type LimitSource = 'image_label' | 'default' | 'override';
export type LimitKey = keyof ResourceLimits;

export interface RuntimeLimits extends ResourceLimits {
  source: Record<LimitKey, LimitSource>;
}

/** The values a limits update set; restart and patch keep them. */
export type LimitsOverride = Partial<ResourceLimits>;

const LIMIT_KEYS: readonly LimitKey[] = ['cpus', 'memoryBytes', 'pidsLimit'];

/** Limits as a start resolved them: a label's value is `image_label`, an absent label's `default`. */
export function launchLimits(limits: ResourceLimits, labels: Record<string, string>): RuntimeLimits {
  const source = {} as Record<LimitKey, LimitSource>;
  for (const setting of LIMIT_SETTINGS) source[setting.key] = labels[setting.label] === undefined ? 'default' : 'image_label';
  return { ...limits, source };
}

/** The values alone (what a container is created with). */
export function resourceLimitsOf(limits: ResourceLimits): ResourceLimits {
  return { cpus: limits.cpus, memoryBytes: limits.memoryBytes, pidsLimit: limits.pidsLimit };
}

/** The override values held by a record's limits (those whose source is `override`). */
export function overrideOf(limits: RuntimeLimits | null | undefined): LimitsOverride {
  const override: LimitsOverride = {};
  if (!limits) return override;
  for (const key of LIMIT_KEYS) if (limits.source[key] === 'override') override[key] = limits[key];
  return override;
}

/** `base` with the override's values on top, marked `override`. */
export function withOverride(base: RuntimeLimits, override: LimitsOverride): RuntimeLimits {
  const result: RuntimeLimits = { ...base, source: { ...base.source } };
  for (const key of LIMIT_KEYS) {
    const value = override[key];
    if (value === undefined) continue;
    result[key] = value;
    result.source[key] = 'override';
  }
  return result;
}

/** The REST body of internalUpdateRuntimeLimits (already schema-checked). */
export interface LimitsRequest {
  cpus?: number;
  memory?: string;
  pids_limit?: number;
}

export type LimitsRequestResult = { ok: true; override: LimitsOverride } | { ok: false; field: string; message: string };

const REQUEST_FIELD: Record<LimitKey, keyof LimitsRequest> = { cpus: 'cpus', memoryBytes: 'memory', pidsLimit: 'pids_limit' };

/**
 * A limits request -> the override it sets, each value parsed as an image label would be
 * and checked against its ceiling. The first bad field is named; nothing is partial.
 */
export function parseLimitsRequest(request: LimitsRequest, ceilings: ResourceLimits): LimitsRequestResult {
  const override: LimitsOverride = {};
  for (const setting of LIMIT_SETTINGS) {
    const field = REQUEST_FIELD[setting.key];
    const raw = request[field];
    if (raw === undefined) continue;
    const parsed = setting.parse(String(raw));
    if (parsed === null) return { ok: false, field, message: `${field}: expected ${setting.expected}` };
    const ceiling = ceilings[setting.key];
    if (parsed > ceiling)
      return { ok: false, field, message: `${field}: ${setting.show(parsed)} is above the ceiling ${setting.ceilingVar}=${setting.show(ceiling)}` };
    override[setting.key] = parsed;
  }
  if (Object.keys(override).length === 0) return { ok: false, field: 'body', message: 'body: set at least one of cpus, memory, pids_limit' };
  return { ok: true, override };
}

/** The contract's shape (OpenAPI RuntimeLimits): the REST view and the stored column. */
export interface RuntimeLimitsWire {
  cpus: number;
  memory_bytes: number;
  pids_limit: number;
  source: { cpus: LimitSource; memory_bytes: LimitSource; pids_limit: LimitSource };
}

export function limitsToWire(limits: RuntimeLimits): RuntimeLimitsWire {
  const { source } = limits;
  return {
    cpus: limits.cpus,
    memory_bytes: limits.memoryBytes,
    pids_limit: limits.pidsLimit,
    source: { cpus: source.cpus, memory_bytes: source.memoryBytes, pids_limit: source.pidsLimit },
  };
}

const SOURCES: readonly unknown[] = ['image_label', 'default', 'override'] satisfies LimitSource[];
const isSource = (value: unknown): value is LimitSource => SOURCES.includes(value);

/** null for anything that is not the contract's shape (a row written by a future version, say). */
export function limitsFromWire(value: unknown): RuntimeLimits | null {
  if (typeof value !== 'object' || value === null) return null;
  const w = value as Partial<Record<keyof RuntimeLimitsWire, unknown>>;
  const s = (w.source ?? {}) as Record<string, unknown>;
  if (typeof w.cpus !== 'number' || typeof w.memory_bytes !== 'number' || typeof w.pids_limit !== 'number') return null;
  if (!isSource(s.cpus) || !isSource(s.memory_bytes) || !isSource(s.pids_limit)) return null;
  return {
    cpus: w.cpus,
    memoryBytes: w.memory_bytes,
    pidsLimit: w.pids_limit,
    source: { cpus: s.cpus, memoryBytes: s.memory_bytes, pidsLimit: s.pids_limit },
  };
}
