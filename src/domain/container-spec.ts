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

/** Operator ceilings as configured: null = the Docker host's own CPUs / memory. */
export interface ConfiguredCeilings {
  cpus: number | null;
  memoryBytes: number | null;
  pidsLimit: number;
}

/** What the daemon reports about its host (`docker info` NCPU, MemTotal). */
export interface HostResources {
  cpus: number;
  memoryBytes: number;
}

export interface EngineHardening {
  /** `uid:gid` forced on every engine; null runs the image's own USER. */
  user: string | null;
  /** Lets an image whose USER is root run (RTMANAGER_ALLOW_ROOT_ENGINES). */
  allowRoot: boolean;
  /** Read-only root filesystem with a tmpfs /tmp; the state bind mount stays writable. */
  readOnlyRootfs: boolean;
}

export interface ContainerDefaults {
  network: string;
  enginePort: number;
  limits: ResourceLimits;
  ceilings: ConfiguredCeilings;
  hardening: EngineHardening;
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
  /** null: the image's own USER (checked not to be root unless allowed). */
  user: string | null;
  readOnlyRootfs: boolean;
  logDriver: string;
  logOptions: Record<string, string>;
}

export type LabelParseResult =
  | { ok: true; limits: ResourceLimits }
  /** `label` names the image label (or the RTMANAGER_DEFAULT_* variable) at fault. */
  | { ok: false; label: string; value: string; reason: string; message: string };

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
  // Docker's floor is 0.01 CPU (NanoCpus 1e7): below it the daemon refuses the create.
  return cpus >= 0.01 && cpus <= 1024 ? cpus : null;
}

export function parsePidsLimit(value: string): number | null {
  if (!/^[0-9]+$/.test(value.trim())) return null;
  const n = Number(value);
  return n >= 1 && Number.isSafeInteger(n) ? n : null;
}

export interface LimitSetting {
  key: keyof ResourceLimits;
  label: string;
  parse: (value: string) => number | null;
  expected: string;
  defaultVar: string;
  ceilingVar: string;
  show: (n: number) => string;
}

/** The three limits, their label, their config variables and how each is shown. */
export const LIMIT_SETTINGS: readonly LimitSetting[] = [
  {
    key: 'cpus',
    label: CPU_QUOTA_LABEL,
    parse: parseCpus,
    expected: 'a decimal number of CPUs from 0.01, e.g. 1.0',
    defaultVar: 'RTMANAGER_DEFAULT_CPUS',
    ceilingVar: 'RTMANAGER_MAX_CPUS',
    show: (n: number) => `${n} CPUs`,
  },
  {
    key: 'memoryBytes',
    label: MEMORY_LABEL,
    parse: parseMemory,
    expected: 'a size such as 512m (at least 6m)',
    defaultVar: 'RTMANAGER_DEFAULT_MEMORY',
    ceilingVar: 'RTMANAGER_MAX_MEMORY',
    show: (n: number) => `${n} bytes (${(n / 1024 ** 3).toFixed(2)} GiB)`,
  },
  {
    key: 'pidsLimit',
    label: PIDS_LIMIT_LABEL,
    parse: parsePidsLimit,
    expected: 'a positive integer',
    defaultVar: 'RTMANAGER_DEFAULT_PIDS_LIMIT',
    ceilingVar: 'RTMANAGER_MAX_PIDS_LIMIT',
    show: (n: number) => `${n} pids`,
  },
];

export const DEFAULT_MAX_PIDS_LIMIT = 32768;

/** The ceilings in force: the configured ones, the Docker host's CPUs and memory otherwise. */
export function effectiveCeilings(configured: ConfiguredCeilings, host: HostResources): ResourceLimits {
  return {
    cpus: configured.cpus ?? host.cpus,
    memoryBytes: configured.memoryBytes ?? host.memoryBytes,
    pidsLimit: configured.pidsLimit,
  };
}

/**
 * Resource limits from image labels, config defaults where a label is absent; every
 * resulting limit (label or default) must stay within its ceiling.
 */
export function resourceLimitsFromLabels(
  labels: Record<string, string> | null | undefined,
  defaults: ResourceLimits,
  ceilings: ResourceLimits,
): LabelParseResult {
  const l = labels ?? {};
  const limits = { ...defaults };
  for (const setting of LIMIT_SETTINGS) {
    const raw = l[setting.label];
    const parsed = raw === undefined ? defaults[setting.key] : setting.parse(raw);
    const source = raw === undefined ? { label: setting.defaultVar, value: String(parsed) } : { label: setting.label, value: raw };
    const shown = `${raw === undefined ? 'the default' : 'image label'} ${source.label}=${JSON.stringify(source.value)}`;
    if (parsed === null) {
      const reason = `expected ${setting.expected}`;
      return { ok: false, ...source, reason, message: `${shown} is invalid: ${reason}` };
    }
    const ceiling = ceilings[setting.key];
    if (parsed > ceiling) {
      const reason = `${setting.show(parsed)} is above the ceiling ${setting.ceilingVar}=${setting.show(ceiling)}`;
      return { ok: false, ...source, reason, message: `${shown} is refused: ${reason}` };
    }
    limits[setting.key] = parsed;
  }
  return { ok: true, limits };
}

/** Docker runs an image with an empty USER, `root`, uid 0 or `0:<gid>` as root. */
export function runsAsRoot(user: string): boolean {
  const name = user.trim().split(':')[0] ?? '';
  return name === '' || name === 'root' || /^0+$/.test(name);
}

/** null when the engine may run as the user it would get; else why not. */
export function rootRefusal(imageUser: string, hardening: EngineHardening): string | null {
  const effective = hardening.user ?? imageUser;
  if (hardening.allowRoot || !runsAsRoot(effective)) return null;
  const shown = imageUser.trim() === '' ? 'no USER (root)' : `USER ${JSON.stringify(imageUser)}`;
  return `the image would run as root (${shown}): set RTMANAGER_ENGINE_USER to a non-root uid:gid, or RTMANAGER_ALLOW_ROOT_ENGINES=true`;
}

export type EngineLaunchResult = { ok: true; limits: ResourceLimits } | { ok: false; message: string };

/** Everything the image decides about its container, checked before anything is created. */
export function resolveEngineLaunch(
  image: { labels: Record<string, string>; user: string },
  defaults: ContainerDefaults,
  host: HostResources,
): EngineLaunchResult {
  const refusal = rootRefusal(image.user, defaults.hardening);
  if (refusal !== null) return { ok: false, message: refusal };
  const parsed = resourceLimitsFromLabels(image.labels, defaults.limits, effectiveCeilings(defaults.ceilings, host));
  return parsed.ok ? parsed : { ok: false, message: parsed.message };
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
    user: args.defaults.hardening.user,
    readOnlyRootfs: args.defaults.hardening.readOnlyRootfs,
    logDriver: args.defaults.logDriver,
    logOptions: args.defaults.logOptions,
  };
}
