// ContainerSpec (CONTRACT §2, built in the domain) -> POST /containers/create body.
// Every hardening field is written out, even where it equals Docker's default, so the
// create request alone documents (and the tests can check) what an engine may do.
import type Dockerode from 'dockerode';
import type { ContainerSpec } from '../../domain/container-spec.js';
import { DockerError } from '../../ports/docker-runtime.js';

/** /tmp of a read-only engine: writable scratch space that cannot hold programs. */
export const READ_ONLY_TMPFS = { '/tmp': 'rw,noexec,nosuid,nodev,size=64m' };

// @types/dockerode 4.0.2 predates CgroupnsMode (Docker API 1.41).
type HostConfig = NonNullable<Dockerode.ContainerCreateOptions['HostConfig']> & { CgroupnsMode: 'private' | 'host' };

export function containerCreateOptions(spec: ContainerSpec): Dockerode.ContainerCreateOptions {
  const { hostPath, containerPath } = spec.stateBind;
  // The Binds syntax is colon-separated: a colon inside a path would silently mount
  // something else. (Binds, not Mounts: Binds creates a missing host directory.)
  if (hostPath.includes(':') || containerPath.includes(':')) {
    throw new DockerError('failed', `state bind paths must not contain ':' (${hostPath} -> ${containerPath})`);
  }
  return {
    name: spec.name,
    Hostname: spec.hostname,
    Image: spec.image,
    // Empty: the image's own USER (the start service refused it if that is root).
    User: spec.user ?? '',
    Labels: { ...spec.labels },
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    ExposedPorts: { [`${spec.exposedPort}/tcp`]: {} },
    HostConfig: hostConfigOf(spec, `${hostPath}:${containerPath}:rw`),
    NetworkingConfig: {
      EndpointsConfig: { [spec.network]: { Aliases: [spec.name] } },
    },
  };
}

function hostConfigOf(spec: ContainerSpec, stateBind: string): HostConfig {
  return {
    NetworkMode: spec.network,
    Binds: [stateBind],
    NanoCpus: Math.round(spec.limits.cpus * 1e9),
    Memory: spec.limits.memoryBytes,
    // Equal to Memory: no swap beyond the memory limit.
    MemorySwap: spec.limits.memoryBytes,
    PidsLimit: spec.limits.pidsLimit,
    Privileged: false,
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges:true'],
    // docker-init as PID 1 forwards SIGTERM and reaps zombies: an engine that is PID 1
    // would otherwise ignore SIGTERM and every graceful stop would wait the full timeout.
    Init: true,
    // A private cgroup namespace: the engine sees its own cgroup as the root, not the host's tree.
    CgroupnsMode: 'private',
    // Private IPC and PID namespaces, no user-namespace opt-out: nothing shared with the host.
    IpcMode: 'private',
    PidMode: '',
    UsernsMode: '',
    ReadonlyRootfs: spec.readOnlyRootfs,
    // Tmpfs adds mounts only; an empty map mounts nothing.
    Tmpfs: spec.readOnlyRootfs ? { ...READ_ONLY_TMPFS } : {},
    // RTM decides restarts (and reports crashes); a Docker restart policy would restart
    // behind its back and make the record and the health events lie.
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    AutoRemove: false,
    LogConfig: { Type: spec.logDriver, Config: { ...spec.logOptions } },
    // Reachable only on the game network by name: nothing is published on the host.
    PublishAllPorts: false,
    PortBindings: {},
  };
}
