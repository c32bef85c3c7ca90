// Daemon answers -> the port's types (pure). Docker's "never" and "unknown" values are
// translated here once.
import type Dockerode from 'dockerode';
import type { HostResources } from '../../domain/container-spec.js';
import type { ContainerInfo, ContainerState, ContainerSummary, ImageInfo } from '../../ports/docker-runtime.js';

/** Docker's "never" timestamp (State.StartedAt of a never-started container). */
const ZERO_TIME_PREFIX = '0001-01-01';
const CONTAINER_STATES: readonly ContainerState[] = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'];

export function imageInfoOf(raw: Dockerode.ImageInspectInfo): ImageInfo {
  // Config.User is "" when the Dockerfile has no USER: the image runs as root.
  return { id: raw.Id, labels: { ...(raw.Config?.Labels ?? {}) }, user: raw.Config?.User ?? '' };
}

/** GET /info: NCPU and MemTotal, the defaults of the operator ceilings. */
export function hostResourcesOf(raw: { NCPU?: unknown; MemTotal?: unknown }): HostResources {
  const cpus = raw.NCPU;
  const memoryBytes = raw.MemTotal;
  if (typeof cpus !== 'number' || cpus < 1 || typeof memoryBytes !== 'number' || memoryBytes < 1)
    throw new Error(`docker info did not report NCPU and MemTotal (NCPU=${String(cpus)}, MemTotal=${String(memoryBytes)})`);
  return { cpus, memoryBytes };
}

export function containerSummaryOf(c: Dockerode.ContainerInfo): ContainerSummary {
  return {
    id: c.Id,
    name: (c.Names?.[0] ?? '').replace(/^\//, ''),
    labels: { ...(c.Labels ?? {}) },
    state: containerStateOf(c.State),
    createdAt: new Date(c.Created * 1000),
  };
}

export function pullFailureOf(message: unknown): string | null {
  if (!message || typeof message !== 'object') return null;
  const m = message as { error?: unknown; errorDetail?: { message?: unknown } };
  if (typeof m.errorDetail?.message === 'string') return m.errorDetail.message;
  if (typeof m.error === 'string') return m.error;
  return null;
}

function containerStateOf(value: unknown): ContainerState {
  return CONTAINER_STATES.find((s) => s === value) ?? 'dead';
}

function dateOf(value: unknown): Date | null {
  if (typeof value !== 'string' || value === '' || value.startsWith(ZERO_TIME_PREFIX)) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

export function containerInfoOf(raw: Dockerode.ContainerInspectInfo): ContainerInfo {
  const state = containerStateOf(raw.State?.Status);
  const running = raw.State?.Running === true;
  const networkIps: Record<string, string> = {};
  for (const [network, settings] of Object.entries(raw.NetworkSettings?.Networks ?? {})) {
    // A stopped container keeps its endpoint entry with an empty address.
    if (settings?.IPAddress) networkIps[network] = settings.IPAddress;
  }
  return {
    id: raw.Id,
    name: raw.Name.replace(/^\//, ''),
    image: raw.Config?.Image ?? raw.Image,
    labels: { ...(raw.Config?.Labels ?? {}) },
    state,
    running,
    // Docker reports 0 before the first exit; the port says "no exit code yet".
    exitCode: state === 'created' || running ? null : (raw.State?.ExitCode ?? null),
    oomKilled: raw.State?.OOMKilled === true,
    restartCount: raw.RestartCount ?? 0,
    startedAt: dateOf(raw.State?.StartedAt),
    finishedAt: dateOf(raw.State?.FinishedAt),
    networkIps,
  };
}
