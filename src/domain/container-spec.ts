// The container model of CONTRACT §2 as a pure function: given a game, an image and the
// image's labels, what exactly gets created. The Docker adapter only translates it.
import { containerNameFor } from './runtime-record.js';

export const OWNER_LABEL = 'com.galaxy.owner';
export const OWNER_VALUE = 'rtmanager';
export const GAME_ID_LABEL = 'com.galaxy.game_id';
export const IMAGE_REF_LABEL = 'com.galaxy.image_ref';
export const CPU_QUOTA_LABEL = 'com.galaxy.cpu_quota';
export const MEMORY_LABEL = 'com.galaxy.memory';
export const PIDS_LIMIT_LABEL = 'com.galaxy.pids_limit';
export const CONTAINER_STATE_PATH = '/var/lib/galaxy-game';

export interface ResourceLimits {
  /** CPUs as a decimal, e.g. 1.0; Docker NanoCpus = cpus * 1e9. */
  cpus: number;
  memoryBytes: number;
  pidsLimit: number;
}

export interface ContainerDefaults {
  network: string;
  enginePort: number;
  limits: ResourceLimits;
  logDriver: string;
  logOptions: Record<string, string>;
}

export interface ContainerSpec {
  name: string;
  hostname: string;
  image: string;
  labels: Record<string, string>;
  env: Record<string, string>;
  network: string;
  /** Host path -> container path, read-write. */
  stateBind: { hostPath: string; containerPath: string };
  exposedPort: number;
  limits: ResourceLimits;
  logDriver: string;
  logOptions: Record<string, string>;
}

export type LabelParseResult =
  | { ok: true; limits: ResourceLimits }
  | { ok: false; label: string; value: string; reason: string };

const MEMORY_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

export function parseMemory(value: string): number | null {
  const m = /^([0-9]+)([bkmg]?)$/i.exec(value.trim());
  if (!m || !m[1]) return null;
  const bytes = Number(m[1]) * (MEMORY_UNITS[(m[2] ?? '').toLowerCase()] ?? NaN);
  // Docker's floor is 6 MiB; anything smaller is a label mistake, not a request.
  return Number.isSafeInteger(bytes) && bytes >= 6 * 1024 ** 2 ? bytes : null;
}

export function parseCpus(value: string): number | null {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(value.trim())) return null;
  const cpus = Number(value);
  return cpus > 0 && cpus <= 1024 ? cpus : null;
}

export function parsePidsLimit(value: string): number | null {
  if (!/^[0-9]+$/.test(value.trim())) return null;
  const n = Number(value);
  return n >= 1 && Number.isSafeInteger(n) ? n : null;
}

/** Resource limits from image labels, config defaults where a label is absent. */
export function resourceLimitsFromLabels(
  labels: Record<string, string> | null | undefined,
  defaults: ResourceLimits,
): LabelParseResult {
  const l = labels ?? {};
  const limits = { ...defaults };
  const checks: Array<[string, (v: string) => number | null, keyof ResourceLimits, string]> = [
    [CPU_QUOTA_LABEL, parseCpus, 'cpus', 'expected a positive decimal number of CPUs, e.g. 1.0'],
    [MEMORY_LABEL, parseMemory, 'memoryBytes', 'expected a size such as 512m (at least 6m)'],
    [PIDS_LIMIT_LABEL, parsePidsLimit, 'pidsLimit', 'expected a positive integer'],
  ];
  for (const [label, parse, key, reason] of checks) {
    const raw = l[label];
    if (raw === undefined) continue;
    const parsed = parse(raw);
    if (parsed === null) return { ok: false, label, value: raw, reason };
    limits[key] = parsed;
  }
  return { ok: true, limits };
}

export function buildContainerSpec(args: {
  gameId: string;
  imageRef: string;
  hostStatePath: string;
  limits: ResourceLimits;
  defaults: ContainerDefaults;
}): ContainerSpec {
  const name = containerNameFor(args.gameId);
  return {
    name,
    hostname: name,
    image: args.imageRef,
    labels: {
      [OWNER_LABEL]: OWNER_VALUE,
      [GAME_ID_LABEL]: args.gameId,
      [IMAGE_REF_LABEL]: args.imageRef,
    },
    env: { GAME_STATE_PATH: CONTAINER_STATE_PATH, STORAGE_PATH: CONTAINER_STATE_PATH },
    network: args.defaults.network,
    stateBind: { hostPath: args.hostStatePath, containerPath: CONTAINER_STATE_PATH },
    exposedPort: args.defaults.enginePort,
    limits: args.limits,
    logDriver: args.defaults.logDriver,
    logOptions: args.defaults.logOptions,
  };
}
