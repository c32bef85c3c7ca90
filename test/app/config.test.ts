import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/app/config.js';

const minimal = {
  RTMANAGER_POSTGRES_URL: 'postgres://postgres@127.0.0.1:5432/rtm',
  RTMANAGER_REDIS_URL: 'redis://127.0.0.1:6379/0',
  RTMANAGER_DOCKER_NETWORK: 'galaxy-net',
  RTMANAGER_GAME_STATE_ROOT: '/var/lib/galaxy/games',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('builds defaults from the required variables alone', () => {
    const c = loadConfig(minimal);
    expect(c.listener).toEqual({ host: '127.0.0.1', port: 8090 });
    expect(c.docker.pullPolicy).toBe('if_not_present');
    expect(c.docker.host).toBe('unix:///var/run/docker.sock');
    expect(c.streams.startJobs).toBe('runtime:start_jobs');
    expect(c.streams.notificationIntents).toBe('notification:intents');
    expect(c.container.defaultLimits).toEqual({ cpus: 1, memoryBytes: 512 * 1024 ** 2, pidsLimit: 512 });
    expect(c.container.logOptions).toEqual({ 'max-size': '10m', 'max-file': '3' });
    expect(c.health.probeTarget).toBe('auto');
    expect(c.cleanup.retentionMs).toBe(7 * 86_400_000);
    expect(c.auth.internalApiTokens).toEqual([]);
    expect(c.lobby.baseUrl).toBeNull();
  });

  it('names every missing required variable at once', () => {
    const problems = problemsOf({});
    for (const name of ['RTMANAGER_POSTGRES_URL', 'RTMANAGER_REDIS_URL', 'RTMANAGER_DOCKER_NETWORK', 'RTMANAGER_GAME_STATE_ROOT'])
      expect(problems.some((p) => p.startsWith(name))).toBe(true);
    expect(problems).toHaveLength(4);
  });

  it('reports every bad value by name', () => {
    const problems = problemsOf({
      ...minimal,
      RTMANAGER_INTERNAL_HTTP_ADDR: 'nope',
      RTMANAGER_IMAGE_PULL_POLICY: 'sometimes',
      RTMANAGER_PROBE_TARGET: 'carrier-pigeon',
      RTMANAGER_STOP_TIMEOUT: '-1',
      RTMANAGER_DEFAULT_MEMORY: '12q',
      RTMANAGER_GAME_STATE_DIR_MODE: '999',
      RTMANAGER_POSTGRES_URL: 'mysql://x',
      RTMANAGER_GAME_STATE_ROOT: 'relative/path',
      RTMANAGER_CONTAINER_LOG_OPTS: 'novalue',
    });
    for (const name of [
      'RTMANAGER_INTERNAL_HTTP_ADDR',
      'RTMANAGER_IMAGE_PULL_POLICY',
      'RTMANAGER_PROBE_TARGET',
      'RTMANAGER_STOP_TIMEOUT',
      'RTMANAGER_DEFAULT_MEMORY',
      'RTMANAGER_GAME_STATE_DIR_MODE',
      'RTMANAGER_POSTGRES_URL',
      'RTMANAGER_GAME_STATE_ROOT',
      'RTMANAGER_CONTAINER_LOG_OPTS',
    ])
      expect(problems.some((p) => p.startsWith(name)), name).toBe(true);
    expect(problems).toHaveLength(9);
  });

  it('accepts fractions for durations and retention days', () => {
    const c = loadConfig({
      ...minimal,
      RTMANAGER_PROBE_INTERVAL: '0.2',
      RTMANAGER_PROBE_TIMEOUT: '0.1',
      RTMANAGER_CONTAINER_RETENTION_DAYS: '0.00001',
    });
    expect(c.health.probeIntervalMs).toBe(200);
    expect(c.health.probeTimeoutMs).toBe(100);
    expect(c.cleanup.retentionMs).toBe(864);
  });

  it('reads the probe boot grace in seconds, none by default, and refuses a negative one', () => {
    expect(loadConfig(minimal).health.probeStartPeriodMs).toBe(0);
    expect(loadConfig({ ...minimal, RTMANAGER_PROBE_START_PERIOD: '45' }).health.probeStartPeriodMs).toBe(45_000);
    expect(problemsOf({ ...minimal, RTMANAGER_PROBE_START_PERIOD: '-1' })).toEqual([expect.stringContaining('RTMANAGER_PROBE_START_PERIOD')]);
  });

  it('stream caps: documented defaults, 0 = never trim, negative or fractional refused', () => {
    expect(loadConfig(minimal).streams.maxLen).toEqual({ jobResults: 500_000, healthEvents: 100_000, notificationIntents: 10_000 });
    expect(loadConfig({ ...minimal, RTMANAGER_STREAM_MAXLEN_JOB_RESULTS: '0' }).streams.maxLen.jobResults).toBe(0);
    expect(problemsOf({ ...minimal, RTMANAGER_STREAM_MAXLEN_HEALTH_EVENTS: '-1', RTMANAGER_STREAM_MAXLEN_NOTIFICATION_INTENTS: '1.5' })).toEqual([
      expect.stringContaining('RTMANAGER_STREAM_MAXLEN_HEALTH_EVENTS'),
      expect.stringContaining('RTMANAGER_STREAM_MAXLEN_NOTIFICATION_INTENTS'),
    ]);
  });

  it('parses lists, tokens, the prefix and the listener address', () => {
    const c = loadConfig({
      ...minimal,
      RTMANAGER_IMAGE_ALLOWLIST: 'registry.galaxy/game, galaxy/game-test ,',
      RTMANAGER_INTERNAL_API_TOKENS: 'a,b',
      RTMANAGER_REDIS_KEY_PREFIX: 'test:1:',
      RTMANAGER_INTERNAL_HTTP_ADDR: '0.0.0.0:0',
      RTMANAGER_GAME_STATE_DIR_MODE: '0700',
    });
    expect(c.docker.imageAllowlist).toEqual(['registry.galaxy/game', 'galaxy/game-test']);
    expect(c.auth.internalApiTokens).toEqual(['a', 'b']);
    expect(c.streams.jobResults).toBe('test:1:runtime:job_results');
    expect(c.listener).toEqual({ host: '0.0.0.0', port: 0 });
    expect(c.container.stateDirMode).toBe(0o700);
  });

  it('reads RTMANAGER_JOB_MAX_AGE as seconds; unset is off; zero, negative or text is refused', () => {
    expect(loadConfig(minimal).streams.jobMaxAgeMs).toBeNull();
    expect(loadConfig({ ...minimal, RTMANAGER_JOB_MAX_AGE: '90' }).streams.jobMaxAgeMs).toBe(90_000);
    expect(loadConfig({ ...minimal, RTMANAGER_JOB_MAX_AGE: '0.5' }).streams.jobMaxAgeMs).toBe(500);
    expect(loadConfig({ ...minimal, RTMANAGER_JOB_MAX_AGE: '' }).streams.jobMaxAgeMs).toBeNull(); // empty = unset, as for every variable
    for (const bad of ['0', '-3', 'soon'])
      expect(problemsOf({ ...minimal, RTMANAGER_JOB_MAX_AGE: bad }), bad).toEqual([expect.stringMatching(/^RTMANAGER_JOB_MAX_AGE=.* is invalid/)]);
  });

  it('instance id: the host name unless RTMANAGER_INSTANCE_ID names it', () => {
    expect(loadConfig(minimal).coordination.instanceId).toBe(os.hostname());
    expect(loadConfig({ ...minimal, RTMANAGER_INSTANCE_ID: 'rtm-b' }).coordination.instanceId).toBe('rtm-b');
  });

  it('OTEL_RESOURCE_ATTRIBUTES: none by default, percent-decoded pairs, a malformed value refused by name', () => {
    expect(loadConfig(minimal).telemetry.resourceAttributes).toEqual({});
    const c = loadConfig({ ...minimal, OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod, cloud.region=eu%20west' });
    expect(c.telemetry.resourceAttributes).toEqual({ 'deployment.environment.name': 'prod', 'cloud.region': 'eu west' });
    expect(problemsOf({ ...minimal, OTEL_RESOURCE_ATTRIBUTES: 'no-equals-sign' })[0]).toMatch(/^OTEL_RESOURCE_ATTRIBUTES/);
    expect(problemsOf({ ...minimal, OTEL_RESOURCE_ATTRIBUTES: 'a=%zz' })[0]).toMatch(/^OTEL_RESOURCE_ATTRIBUTES/);
  });

  it('instances: the host name and a 15 s leader lease by default; a set id is kept; an id with spaces or slashes is refused', () => {
    const c = loadConfig(minimal);
    expect(c.coordination.instanceId).toBe(os.hostname());
    expect(c.coordination.leaderLeaseTtlMs).toBe(15_000);
    expect(loadConfig({ ...minimal, RTMANAGER_INSTANCE_ID: 'rtm-a.eu:2', RTMANAGER_LEADER_LEASE_TTL: '3' }).coordination).toMatchObject({ instanceId: 'rtm-a.eu:2', leaderLeaseTtlMs: 3_000 });
    expect(problemsOf({ ...minimal, RTMANAGER_INSTANCE_ID: 'rtm a/1' }).join('\n')).toMatch(/RTMANAGER_INSTANCE_ID/);
    expect(problemsOf({ ...minimal, RTMANAGER_LEADER_LEASE_TTL: '0.5' }).join('\n')).toMatch(/RTMANAGER_LEADER_LEASE_TTL/);
  });

  it('refuses a probe timeout longer than the interval', () => {
    expect(problemsOf({ ...minimal, RTMANAGER_PROBE_INTERVAL: '1', RTMANAGER_PROBE_TIMEOUT: '2' })).toEqual([
      'RTMANAGER_PROBE_TIMEOUT must not exceed RTMANAGER_PROBE_INTERVAL',
    ]);
  });
});

describe('loadConfig: engine ceilings and hardening (issue 9 items 6, 9)', () => {
  it('defaults: CPU and memory ceilings from the Docker host (null), 32768 pids, image user, root refused, writable rootfs', () => {
    const c = loadConfig(minimal);
    expect(c.container.ceilings).toEqual({ cpus: null, memoryBytes: null, pidsLimit: 32768 });
    expect(c.container.hardening).toEqual({ user: null, allowRoot: false, readOnlyRootfs: false });
  });

  it('reads the ceilings and the hardening switches', () => {
    const c = loadConfig({
      ...minimal,
      RTMANAGER_MAX_CPUS: '1.5',
      RTMANAGER_MAX_MEMORY: '4g',
      RTMANAGER_MAX_PIDS_LIMIT: '1024',
      RTMANAGER_ENGINE_USER: '10001:10001',
      RTMANAGER_ALLOW_ROOT_ENGINES: 'true',
      RTMANAGER_ENGINE_READ_ONLY_ROOTFS: 'true',
    });
    expect(c.container.ceilings).toEqual({ cpus: 1.5, memoryBytes: 4 * 1024 ** 3, pidsLimit: 1024 });
    expect(c.container.hardening).toEqual({ user: '10001:10001', allowRoot: true, readOnlyRootfs: true });
  });

  it.each([
    [{ RTMANAGER_MAX_CPUS: 'many' }, 'RTMANAGER_MAX_CPUS=many'],
    [{ RTMANAGER_MAX_MEMORY: '1.5g' }, 'RTMANAGER_MAX_MEMORY=1.5g'],
    [{ RTMANAGER_MAX_PIDS_LIMIT: '0' }, 'RTMANAGER_MAX_PIDS_LIMIT=0'],
    [{ RTMANAGER_ENGINE_USER: 'nobody' }, 'RTMANAGER_ENGINE_USER=nobody'],
    [{ RTMANAGER_ENGINE_USER: '1000' }, 'RTMANAGER_ENGINE_USER=1000'],
    [{ RTMANAGER_ALLOW_ROOT_ENGINES: 'yes' }, 'RTMANAGER_ALLOW_ROOT_ENGINES=yes'],
    [{ RTMANAGER_ENGINE_READ_ONLY_ROOTFS: '1' }, 'RTMANAGER_ENGINE_READ_ONLY_ROOTFS=1'],
  ])('refuses %j by name', (env, named) => {
    expect(problemsOf({ ...minimal, ...env }).some((p) => p.startsWith(named))).toBe(true);
  });

  it.each([
    [{ RTMANAGER_MAX_CPUS: '0.5' }, 'RTMANAGER_DEFAULT_CPUS (1 CPUs) is above the ceiling RTMANAGER_MAX_CPUS (0.5 CPUs)'],
    [{ RTMANAGER_MAX_MEMORY: '256m' }, 'RTMANAGER_DEFAULT_MEMORY'],
    [{ RTMANAGER_MAX_PIDS_LIMIT: '100' }, 'RTMANAGER_DEFAULT_PIDS_LIMIT (512 pids) is above the ceiling RTMANAGER_MAX_PIDS_LIMIT (100 pids)'],
    [{ RTMANAGER_DEFAULT_PIDS_LIMIT: '40000' }, 'RTMANAGER_DEFAULT_PIDS_LIMIT (40000 pids) is above the ceiling RTMANAGER_MAX_PIDS_LIMIT (32768 pids)'],
  ])('refuses defaults above the configured ceilings: %j', (env, message) => {
    expect(problemsOf({ ...minimal, ...env }).some((p) => p.startsWith(message))).toBe(true);
  });

  it('refuses a forced root user unless root engines are allowed', () => {
    expect(problemsOf({ ...minimal, RTMANAGER_ENGINE_USER: '0:0' }).some((p) => p.includes('runs engines as root'))).toBe(true);
    expect(loadConfig({ ...minimal, RTMANAGER_ENGINE_USER: '0:0', RTMANAGER_ALLOW_ROOT_ENGINES: 'true' }).container.hardening.user).toBe('0:0');
  });
});

describe('loadConfig: engine backend (issue 20, CONTRACT §11)', () => {
  it('defaults to the docker backend and needs no waiver there', () => {
    const c = loadConfig(minimal);
    expect(c.docker.engineBackend).toBe('docker');
    expect(c.docker.swarmHardeningWaiver).toEqual([]);
  });

  it('swarm mode takes any subset of the rows (whether they suffice is checked against the nodes at startup)', () => {
    const one = loadConfig({ ...minimal, RTMANAGER_ENGINE_BACKEND: 'swarm', RTMANAGER_SWARM_HARDENING_WAIVER: 'cgroupns' });
    expect(one.docker.engineBackend).toBe('swarm');
    expect(one.docker.swarmHardeningWaiver).toEqual(['cgroupns']);
    expect(loadConfig({ ...minimal, RTMANAGER_ENGINE_BACKEND: 'swarm' }).docker.swarmHardeningWaiver).toEqual([]);
    const c = loadConfig({ ...minimal, RTMANAGER_ENGINE_BACKEND: 'swarm', RTMANAGER_SWARM_HARDENING_WAIVER: 'no_new_privileges, swap_limit,cgroupns,cgroupns' });
    expect(c.docker.swarmHardeningWaiver).toEqual(['no_new_privileges', 'swap_limit', 'cgroupns']);
  });

  it('an unknown backend or waiver row is a problem by name', () => {
    expect(problemsOf({ ...minimal, RTMANAGER_ENGINE_BACKEND: 'k8s' }).join('\n')).toMatch(/RTMANAGER_ENGINE_BACKEND/);
    expect(problemsOf({ ...minimal, RTMANAGER_SWARM_HARDENING_WAIVER: 'privileged' }).join('\n')).toMatch(/unknown row "privileged"/);
  });
});
