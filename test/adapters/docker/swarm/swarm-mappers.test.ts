// The swarm backend's pure parts: the service spec of a game, the read-back comparison that
// refuses what a manager dropped, and tasks -> the port's engine info.
import { describe, expect, it } from 'vitest';
import { droppedFields, serviceSpecOf } from '../../../../src/adapters/docker/swarm/service-spec.mapper.js';
import { engineInfoOf, newestTask, type SwarmService, type SwarmTask } from '../../../../src/adapters/docker/swarm/swarm-task.mapper.js';
import { buildContainerSpec } from '../../../../src/domain/container-spec.js';
import { expressibleRows, type SwarmHardeningRow } from '../../../../src/domain/swarm-hardening.js';
import { DockerError } from '../../../../src/ports/docker-runtime.js';

/** What a 20.10 swarm (API 1.41) can express of the newer rows: nothing. */
const API_1_41: ReadonlySet<SwarmHardeningRow> = new Set();
const LIMITS = { cpus: 0.5, memoryBytes: 128 * 1024 ** 2, pidsLimit: 64 };
const spec = (over: { user?: string | null; readOnlyRootfs?: boolean; hostStatePath?: string } = {}) =>
  buildContainerSpec({
    gameId: 'g-1',
    imageRef: 'galaxy/game:1.0.0',
    hostStatePath: over.hostStatePath ?? '/srv/games/g-1',
    limits: LIMITS,
    defaults: {
      network: 'galaxy-net', enginePort: 8080, limits: LIMITS, ceilings: { cpus: null, memoryBytes: null, pidsLimit: 4096 },
      hardening: { user: over.user ?? null, allowRoot: false, readOnlyRootfs: over.readOnlyRootfs ?? true }, logDriver: 'json-file', logOptions: { 'max-size': '1m' },
    },
  });

describe('serviceSpecOf', () => {
  it('one game: one service, restart none, dnsrr, name = hostname = alias, labels on service and containers, limits, grace', () => {
    const s = serviceSpecOf(spec(), { networkId: 'net-id', stopGraceSeconds: 7.2, replicas: 0, expressible: API_1_41 });
    expect(s).toMatchObject({
      Name: 'galaxy-game-g-1',
      Labels: { 'com.galaxy.owner': 'rtmanager', 'com.galaxy.game_id': 'g-1' },
      Mode: { Replicated: { Replicas: 0 } },
      EndpointSpec: { Mode: 'dnsrr' },
      TaskTemplate: {
        RestartPolicy: { Condition: 'none', MaxAttempts: 0 },
        Networks: [{ Target: 'net-id', Aliases: ['galaxy-game-g-1'] }],
        Resources: { Limits: { NanoCPUs: 500_000_000, MemoryBytes: 128 * 1024 ** 2, Pids: 64 } },
        LogDriver: { Name: 'json-file', Options: { 'max-size': '1m' } },
        ContainerSpec: {
          Image: 'galaxy/game:1.0.0', Hostname: 'galaxy-game-g-1', Init: true, ReadOnly: true, CapabilityDrop: ['ALL'], StopGracePeriod: 8e9,
          Labels: { 'com.galaxy.owner': 'rtmanager', 'com.galaxy.game_id': 'g-1' },
          Mounts: [{ Type: 'bind', Source: '/srv/games/g-1', Target: '/var/lib/galaxy-game', ReadOnly: false }, { Type: 'tmpfs', Target: '/tmp' }],
        },
      },
    });
    expect(s.TaskTemplate.ContainerSpec).not.toHaveProperty('User');
  });

  it('a forced user is written; a writable root has no tmpfs; a colon in a bind path is refused', () => {
    const s = serviceSpecOf(spec({ user: '10001:10001', readOnlyRootfs: false }), { networkId: 'n', stopGraceSeconds: 1, replicas: 1, expressible: API_1_41 });
    expect(s.TaskTemplate.ContainerSpec).toMatchObject({ User: '10001:10001', ReadOnly: false });
    expect(s.TaskTemplate.ContainerSpec.Mounts).toHaveLength(1);
    expect(() => serviceSpecOf(spec({ hostStatePath: '/srv/a:b' }), { networkId: 'n', stopGraceSeconds: 1, replicas: 0, expressible: API_1_41 })).toThrow(DockerError);
  });
});

describe('serviceSpecOf per engine version (the newer hardening fields only where the nodes can express them)', () => {
  const on = (engine: string, apiVersion: string) =>
    serviceSpecOf(spec(), { networkId: 'n', stopGraceSeconds: 1, replicas: 0, expressible: expressibleRows({ engines: [engine], apiVersion }) });

  it('20.10 (API 1.41): neither Privileges nor SwapBytes', () => {
    const s = on('20.10.24+dfsg1', '1.41');
    expect(s.TaskTemplate.ContainerSpec).not.toHaveProperty('Privileges');
    expect(s.TaskTemplate.Resources).toEqual({ Limits: { NanoCPUs: 500_000_000, MemoryBytes: 128 * 1024 ** 2, Pids: 64 } });
  });

  it('25.0 (API 1.44): Privileges.NoNewPrivileges, no SwapBytes', () => {
    const s = on('25.0.3', '1.44');
    expect(s.TaskTemplate.ContainerSpec.Privileges).toEqual({ NoNewPrivileges: true });
    expect(s.TaskTemplate.Resources).not.toHaveProperty('SwapBytes');
  });

  it('29.0 (API 1.52): NoNewPrivileges and SwapBytes 0 (swap = memory), the limits unchanged', () => {
    const s = on('29.0.1', '1.52');
    expect(s.TaskTemplate.ContainerSpec.Privileges).toEqual({ NoNewPrivileges: true });
    expect(s.TaskTemplate.Resources).toEqual({ Limits: { NanoCPUs: 500_000_000, MemoryBytes: 128 * 1024 ** 2, Pids: 64 }, SwapBytes: 0 });
  });

  it('a 29 engine behind requests of API 1.44 gets no SwapBytes', () => {
    expect(on('29.0.1', '1.44').TaskTemplate.Resources).not.toHaveProperty('SwapBytes');
  });
});

describe('droppedFields', () => {
  const sent = serviceSpecOf(spec(), { networkId: 'n', stopGraceSeconds: 5, replicas: 0, expressible: API_1_41 });

  it('nothing when the manager kept every field (and added its own, or left out false/0 defaults)', () => {
    const back = structuredClone(sent) as unknown as Record<string, unknown> & { TaskTemplate: { ContainerSpec: Record<string, unknown> } };
    back.TaskTemplate.ContainerSpec.Isolation = 'default';
    (back.TaskTemplate.ContainerSpec.Mounts as Array<Record<string, unknown>>)[0]!.ReadOnly = undefined;
    expect(droppedFields(sent, back)).toEqual([]);
  });

  it('names every field the manager did not keep or changed', () => {
    const back = structuredClone(sent) as unknown as { TaskTemplate: { ContainerSpec: Record<string, unknown>; Resources: { Limits: Record<string, unknown> } }; EndpointSpec: Record<string, unknown> };
    delete back.TaskTemplate.ContainerSpec.Init;
    delete back.TaskTemplate.Resources.Limits.Pids;
    back.TaskTemplate.ContainerSpec.CapabilityDrop = [];
    back.EndpointSpec.Mode = 'vip';
    expect(droppedFields(sent, back).sort()).toEqual(
      ['EndpointSpec.Mode', 'TaskTemplate.ContainerSpec.CapabilityDrop[0]', 'TaskTemplate.ContainerSpec.Init', 'TaskTemplate.Resources.Limits.Pids'].sort(),
    );
  });
});

describe('droppedFields: the newer hardening fields', () => {
  const sent = serviceSpecOf(spec(), { networkId: 'n', stopGraceSeconds: 5, replicas: 0, expressible: new Set(['no_new_privileges', 'swap_limit']) });

  it('an older manager that dropped them: both named (SwapBytes 0 counts, it is answered when kept)', () => {
    const back = structuredClone(sent) as unknown as { TaskTemplate: { ContainerSpec: Record<string, unknown>; Resources: Record<string, unknown> } };
    back.TaskTemplate.ContainerSpec.Privileges = { CredentialSpec: null, SELinuxContext: null };
    delete back.TaskTemplate.Resources.SwapBytes;
    expect(droppedFields(sent, back).sort()).toEqual(['TaskTemplate.ContainerSpec.Privileges.NoNewPrivileges', 'TaskTemplate.Resources.SwapBytes']);
  });

  it('a manager that kept them (and answers its own Privileges fields): nothing', () => {
    const back = structuredClone(sent) as unknown as { TaskTemplate: { ContainerSpec: Record<string, unknown> } };
    back.TaskTemplate.ContainerSpec.Privileges = { CredentialSpec: null, SELinuxContext: null, NoNewPrivileges: true };
    expect(droppedFields(sent, back)).toEqual([]);
  });
});

describe('engineInfoOf', () => {
  const service: SwarmService = { ID: 'svc', Version: { Index: 3 }, Spec: { Name: 'galaxy-game-g-1', Labels: { 'com.galaxy.game_id': 'g-1' }, TaskTemplate: { ContainerSpec: { Image: 'img:1' } } } };
  const task = (state: string, extra: Partial<SwarmTask> = {}): SwarmTask => ({
    ID: `t-${state}`, ServiceID: 'svc', NodeID: 'node-2', CreatedAt: '2026-12-05T03:00:00.000Z',
    Status: { State: state, Timestamp: '2026-12-05T03:00:01.5Z', ContainerStatus: { ContainerID: 'c'.repeat(64), ExitCode: 137 } },
    NetworksAttachments: [{ Network: { Spec: { Name: 'galaxy-net' } }, Addresses: ['10.0.1.5/24'] }],
    ...extra,
  });

  it('a running task: its container, address on the overlay, node; no exit code', () => {
    const info = engineInfoOf(service, task('running'), { ID: 'node-2', Description: { Hostname: 'worker-2' }, Status: { State: 'down' } });
    expect(info).toMatchObject({ id: 'c'.repeat(64), name: 'galaxy-game-g-1', state: 'running', running: true, exitCode: null, networkIps: { 'galaxy-net': '10.0.1.5' } });
    expect(info.node).toEqual({ id: 'node-2', hostname: 'worker-2', state: 'down' });
    expect(info.startedAt?.toISOString()).toBe('2026-12-05T03:00:01.500Z');
  });

  it('a failed task: exited with its code; a rejected one without a container: dead; no task: created, or exited once scaled down', () => {
    expect(engineInfoOf(service, task('failed'))).toMatchObject({ state: 'exited', exitCode: 137, networkIps: {} });
    expect(engineInfoOf(service, task('rejected', { Status: { State: 'rejected', Err: 'No such image' } }))).toMatchObject({ id: 'svc', state: 'dead' });
    expect(engineInfoOf(service, null)).toMatchObject({ id: 'svc', state: 'created', running: false });
    expect(engineInfoOf({ ...service, PreviousSpec: {} }, null)).toMatchObject({ state: 'exited' });
    expect(engineInfoOf(service, task('preparing')).state).toBe('created');
  });

  it('newestTask: the last created', () => {
    expect(newestTask([task('failed', { ID: 'old', CreatedAt: '2026-12-05T02:00:00Z' }), task('running', { ID: 'new' })])?.ID).toBe('new');
    expect(newestTask([])).toBeNull();
  });

  it('newestTask: a task that ended without a container counts only when alone', () => {
    const kept = task('shutdown', { ID: 'kept', CreatedAt: '2026-12-05T02:00:00Z' });
    const placeholder = task('rejected', { ID: 'placeholder', Status: { State: 'rejected', Timestamp: '2026-12-05T03:00:00Z' } });
    expect(newestTask([kept, placeholder])?.ID).toBe('kept');
    expect(newestTask([placeholder])?.ID).toBe('placeholder');
    const pending = task('pending', { ID: 'pending', Status: { State: 'pending' } });
    expect(newestTask([kept, pending])?.ID).toBe('pending');
  });
});
