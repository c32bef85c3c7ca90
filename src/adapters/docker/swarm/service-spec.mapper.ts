// ContainerSpec (CONTRACT §2) -> the Swarm service spec of one game (CONTRACT §11): one
// replica, restart condition none, dnsrr, hostname and alias = the service name, RTM's labels
// on the service and on its task containers. A 20.10 manager silently drops fields it does
// not know, so every spec is read back and compared (droppedFields) after create and update.
// The newer hardening fields (no-new-privileges from API 1.44, swap = memory from 1.52) are
// written only when the nodes' engines can express them (src/domain/swarm-hardening.ts); what a
// service spec cannot express at all is the hardening table of docs/swarm.md.
import type { ContainerSpec } from '../../../domain/container-spec.js';
import type { SwarmHardeningRow } from '../../../domain/swarm-hardening.js';
import { DockerError } from '../../../ports/docker-runtime.js';

/** The /tmp of a read-only engine; the daemon mounts a tmpfs noexec,nosuid,nodev. */
const READ_ONLY_TMPFS_BYTES = 64 * 1024 ** 2;

export interface ServiceSpec {
  Name: string;
  Labels: Record<string, string>;
  TaskTemplate: {
    ContainerSpec: Record<string, unknown>;
    /** SwapBytes (API 1.52): swap on top of MemoryBytes; 0 = swap = memory, as on one daemon. */
    Resources: { Limits: { NanoCPUs: number; MemoryBytes: number; Pids: number }; SwapBytes?: number };
    RestartPolicy: { Condition: 'none'; MaxAttempts: number };
    Networks: Array<{ Target: string; Aliases: string[] }>;
    LogDriver: { Name: string; Options: Record<string, string> };
    ForceUpdate?: number;
  };
  Mode: { Replicated: { Replicas: number } };
  EndpointSpec: { Mode: 'dnsrr' };
}

export interface ServiceSpecOptions {
  /** The overlay network's id (the manager answers Target as an id; sending it keeps the read-back exact). */
  networkId: string;
  /** Seconds between SIGTERM and SIGKILL when the task is shut down (stop, cleanup). */
  stopGraceSeconds: number;
  replicas: number;
  /** The hardening rows the swarm's engines can express: their fields are written (and read back). */
  expressible: ReadonlySet<SwarmHardeningRow>;
}

export function serviceSpecOf(spec: ContainerSpec, options: ServiceSpecOptions): ServiceSpec {
  const { hostPath, containerPath } = spec.stateBind;
  if (hostPath.includes(':') || containerPath.includes(':')) {
    throw new DockerError('failed', `state bind paths must not contain ':' (${hostPath} -> ${containerPath})`);
  }
  const mounts: Array<Record<string, unknown>> = [{ Type: 'bind', Source: hostPath, Target: containerPath, ReadOnly: false }];
  if (spec.readOnlyRootfs) mounts.push({ Type: 'tmpfs', Target: '/tmp', TmpfsOptions: { SizeBytes: READ_ONLY_TMPFS_BYTES } });
  const containerSpec: Record<string, unknown> = {
    Image: spec.image,
    Labels: { ...spec.labels },
    Hostname: spec.hostname,
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    Mounts: mounts,
    ReadOnly: spec.readOnlyRootfs,
    // docker-init as PID 1: SIGTERM reaches the engine, zombies are reaped (as on one daemon).
    Init: true,
    CapabilityDrop: ['ALL'],
    StopGracePeriod: Math.max(0, Math.ceil(options.stopGraceSeconds)) * 1e9,
  };
  // Absent: the image's own USER (the start service refused it if that is root).
  if (spec.user !== null) containerSpec.User = spec.user;
  // The no_new_privs bit (as `SecurityOpt: no-new-privileges` on one daemon): Engine 25 / API 1.44.
  if (options.expressible.has('no_new_privileges')) containerSpec.Privileges = { NoNewPrivileges: true };
  const limits = { NanoCPUs: Math.round(spec.limits.cpus * 1e9), MemoryBytes: spec.limits.memoryBytes, Pids: spec.limits.pidsLimit };
  return {
    Name: spec.name,
    Labels: { ...spec.labels },
    TaskTemplate: {
      ContainerSpec: containerSpec,
      // No swap on top of the memory limit (MemorySwap = Memory on one daemon): Engine 29 / API 1.52.
      Resources: options.expressible.has('swap_limit') ? { Limits: limits, SwapBytes: 0 } : { Limits: limits },
      // RTM decides restarts and reports crashes; Swarm must not reschedule behind its back.
      RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
      Networks: [{ Target: options.networkId, Aliases: [spec.name] }],
      LogDriver: { Name: spec.logDriver, Options: { ...spec.logOptions } },
    },
    Mode: { Replicated: { Replicas: options.replicas } },
    // VIP mode needs IPVS; dnsrr resolves the name straight to the task's address.
    EndpointSpec: { Mode: 'dnsrr' },
  };
}

/** Leaves whose zero value a manager that kept them answers (a pointer field): absent = dropped. */
const ANSWERED_WHEN_KEPT = new Set(['TaskTemplate.Resources.SwapBytes']);

/**
 * `next` with `replicas` (when given) as a forced update of a service whose spec is `current`
 * (ForceUpdate+1: Swarm replaces the task even when nothing else in its template changed).
 */
export function forcedUpdate<S extends { TaskTemplate?: object }>(next: S, current: { TaskTemplate?: { ForceUpdate?: number } }, replicas?: number): S {
  return {
    ...next,
    ...(replicas === undefined ? {} : { Mode: { Replicated: { Replicas: replicas } } }),
    TaskTemplate: { ...next.TaskTemplate, ForceUpdate: (current.TaskTemplate?.ForceUpdate ?? 0) + 1 },
  };
}

/**
 * Every leaf of `sent` that the manager's answer does not carry with the same value, as a
 * dotted path ("TaskTemplate.ContainerSpec.Init"). Empty: nothing was dropped.
 */
export function droppedFields(sent: unknown, returned: unknown, path = ''): string[] {
  if (Array.isArray(sent)) {
    const back = Array.isArray(returned) ? returned : [];
    if (sent.length === 0) return [];
    return sent.flatMap((item, i) => droppedFields(item, back[i], `${path}[${i}]`));
  }
  if (sent !== null && typeof sent === 'object') {
    const back = returned !== null && typeof returned === 'object' ? (returned as Record<string, unknown>) : {};
    return Object.entries(sent as Record<string, unknown>).flatMap(([key, value]) =>
      droppedFields(value, back[key], path === '' ? key : `${path}.${key}`),
    );
  }
  // Defaults the manager leaves out of its answer (not a field that is only answered when kept).
  if (returned === undefined && (sent === false || sent === 0 || sent === '') && !ANSWERED_WHEN_KEPT.has(path)) return [];
  return Object.is(sent, returned) ? [] : [path];
}
