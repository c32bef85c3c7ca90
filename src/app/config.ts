// The one typed, validated configuration object, built from RTMANAGER_* at startup.
// Nothing else in src/ reads process.env. Every problem is reported at once, by name.
import os from 'node:os';
import path from 'node:path';
import type { DockerTlsFiles } from '../adapters/docker/docker-client.factory.js';
import type { ConfiguredCeilings, EngineHardening, ResourceLimits } from '../domain/container-spec.js';
import { DEFAULT_MAX_PIDS_LIMIT, LIMIT_SETTINGS, parseCpus, parseMemory, parsePidsLimit, runsAsRoot } from '../domain/container-spec.js';
import { readDockerTls } from './docker-tls.config.js';
import { EnvReader, parseHostPort, parseId, parseKeyValues, parsePositiveSeconds, parseResourceAttributes, parseUrl, redisConnectionTarget, type Env } from './env-reader.js';

import { IMAGE_PULL_POLICIES, type ImagePullPolicy } from '../domain/image-pull-policy.js';
import type { ProbeTarget } from '../domain/probe-target.js';
import { SWARM_HARDENING_ROWS, type SwarmHardeningRow } from '../domain/swarm-hardening.js';
export type { ProbeTarget };
export const ENGINE_BACKENDS = ['docker', 'swarm'] as const;
export type EngineBackend = (typeof ENGINE_BACKENDS)[number];
// §2's hardening rows a Swarm service spec may not express (which ones depends on the nodes'
// engine versions: src/domain/swarm-hardening.ts, checked against the swarm at startup).
export { SWARM_HARDENING_ROWS, type SwarmHardeningRow };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface RtmConfig {
  listener: { host: string; port: number };
  docker: {
    /** unix:///path or tcp://host:port / http(s)://host:port */
    host: string;
    network: string;
    apiTimeoutMs: number;
    pullTimeoutMs: number;
    pullPolicy: ImagePullPolicy;
    imageAllowlist: string[];
    /** Client TLS for a tcp:// / https:// endpoint (verified against `ca`); null = none. */
    tls: DockerTlsFiles | null;
    /** `docker`: containers on one daemon; `swarm`: a service per game on a Swarm manager (CONTRACT §11). */
    engineBackend: EngineBackend;
    /** Hardening rows the operator waives in case the swarm's engines cannot express them (swarm only; checked at startup). */
    swarmHardeningWaiver: SwarmHardeningRow[];
  };
  postgres: { url: string; poolMax: number };
  redis: { url: string; keyPrefix: string };
  streams: {
    startJobs: string;
    stopJobs: string;
    jobResults: string;
    healthEvents: string;
    notificationIntents: string;
    blockMs: number;
    batchSize: number;
    /** Jobs for different games run concurrently up to this bound. */
    jobConcurrency: number;
    /** A job older than this is answered with its next outcome, even a retryable failure; null = never. */
    jobMaxAgeMs: number | null;
    /** Approximate length caps of the streams RTM writes (XADD MAXLEN ~); 0 = never trimmed. */
    maxLen: { jobResults: number; healthEvents: number; notificationIntents: number };
  };
  container: {
    enginePort: number;
    stateRoot: string;
    stateDirMode: number;
    stateDirUid: number | null;
    stateDirGid: number | null;
    defaultLimits: ResourceLimits;
    ceilings: ConfiguredCeilings;
    hardening: EngineHardening;
    logDriver: string;
    logOptions: Record<string, string>;
    stopTimeoutSeconds: number;
  };
  health: {
    probeIntervalMs: number;
    probeTimeoutMs: number;
    probeFailuresThreshold: number;
    probeStartPeriodMs: number;
    probeTarget: ProbeTarget;
    probeConcurrency: number;
    inspectIntervalMs: number;
    eventsReconnectMaxMs: number;
  };
  reconcile: { intervalMs: number; graceMs: number };
  cleanup: { intervalMs: number; retentionMs: number };
  /**
   * `instanceId`: this process's name among the instances (RTMANAGER_INSTANCE_ID, default the hostname).
   * `leaderLeaseTtlMs`: the leader lease (RTMANAGER_LEADER_LEASE_TTL); a dead leader is replaced within it + 5 s.
   */
  coordination: { leaseTtlMs: number; instanceId: string; leaderLeaseTtlMs: number };
  lobby: { baseUrl: string | null; timeoutMs: number };
  auth: { internalApiTokens: string[] };
  logging: { level: LogLevel };
  lifecycle: { shutdownTimeoutMs: number };
  telemetry: {
    otlpEndpoint: string | null;
    serviceName: string;
    /** OTEL_RESOURCE_ATTRIBUTES (decoded): added to the trace resource next to RTM's own. */
    resourceAttributes: Record<string, string>;
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Whether an OTLP endpoint is configured, read before anything else loads (the bootstrap
 * instruments the process only then). loadConfig validates the value itself.
 */
export function tracingRequested(env: NodeJS.ProcessEnv): boolean {
  return (env.RTMANAGER_OTLP_ENDPOINT ?? '').trim() !== '';
}

/** An instance id goes into lease values and log lines verbatim: a plain name only. */
const INSTANCE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function loadConfig(env: Env): RtmConfig {
  const r = new EnvReader(env);
  const prefix = r.string('RTMANAGER_REDIS_KEY_PREFIX', '');
  const config: RtmConfig = {
    ...connections(r, env, prefix),
    streams: streams(r, prefix),
    container: container(r),
    health: health(r),
    reconcile: {
      intervalMs: r.seconds('RTMANAGER_RECONCILE_INTERVAL', 60, { min: 0.05 }),
      graceMs: r.seconds('RTMANAGER_RECONCILE_GRACE', 30, { min: 0 }),
    },
    cleanup: {
      intervalMs: r.seconds('RTMANAGER_CLEANUP_INTERVAL', 3600, { min: 0.05 }),
      retentionMs: Math.round(r.number('RTMANAGER_CONTAINER_RETENTION_DAYS', 7, { min: 0, integer: false }) * 86_400_000),
    },
    coordination: {
      leaseTtlMs: r.seconds('RTMANAGER_LEASE_TTL', 30, { min: 0.1 }),
      instanceId: r.string('RTMANAGER_INSTANCE_ID', os.hostname()),
      leaderLeaseTtlMs: r.seconds('RTMANAGER_LEADER_LEASE_TTL', 15, { min: 1 }),
    },
    lobby: {
      baseUrl: r.parsed<string | null>('RTMANAGER_LOBBY_BASE_URL', null, parseUrl(['http:', 'https:']), 'an http(s) URL'),
      timeoutMs: r.seconds('RTMANAGER_LOBBY_TIMEOUT', 2, { min: 0.05 }),
    },
    auth: { internalApiTokens: r.list('RTMANAGER_INTERNAL_API_TOKENS') },
    logging: { level: r.oneOf('RTMANAGER_LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const, 'info') },
    lifecycle: { shutdownTimeoutMs: r.seconds('RTMANAGER_SHUTDOWN_TIMEOUT', 30, { min: 0.1 }) },
    telemetry: {
      otlpEndpoint: r.parsed<string | null>('RTMANAGER_OTLP_ENDPOINT', null, parseUrl(['http:', 'https:']), 'an http(s) URL'),
      serviceName: r.string('RTMANAGER_SERVICE_NAME', 'rtmanager'),
      resourceAttributes: r.parsed('OTEL_RESOURCE_ATTRIBUTES', {}, parseResourceAttributes, 'key=value,key=value (values percent-encoded)'),
    },
  };
  if (config.health.probeTimeoutMs > config.health.probeIntervalMs)
    r.problem('RTMANAGER_PROBE_TIMEOUT must not exceed RTMANAGER_PROBE_INTERVAL');
  if (!INSTANCE_ID.test(config.coordination.instanceId))
    r.problem(`RTMANAGER_INSTANCE_ID must be 1-128 characters of letters, digits, '.', '_', '-' or ':' (got ${JSON.stringify(config.coordination.instanceId)})`);
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return config;
}

/** Listener, PostgreSQL, Redis and Docker: where RTM connects. */
function connections(r: EnvReader, env: Env, prefix: string): Pick<RtmConfig, 'listener' | 'postgres' | 'redis' | 'docker'> {
  const listener = r.parsed('RTMANAGER_INTERNAL_HTTP_ADDR', { host: '127.0.0.1', port: 8090 }, parseHostPort, 'host:port');
  const postgresUrl = r.required('RTMANAGER_POSTGRES_URL');
  if (postgresUrl && parseUrl(['postgres:', 'postgresql:'])(postgresUrl) === null)
    r.problem('RTMANAGER_POSTGRES_URL is not a postgres:// URL');
  const redisUrl = r.required('RTMANAGER_REDIS_URL');
  if (redisUrl && parseUrl(['redis:', 'rediss:', 'unix:'])(redisUrl) === null)
    r.problem('RTMANAGER_REDIS_URL is not a redis://, rediss:// or unix:///path/to/redis.sock URL');
  const network = r.required('RTMANAGER_DOCKER_NETWORK');
  const dockerHost = r.parsed('RTMANAGER_DOCKER_HOST', 'unix:///var/run/docker.sock', parseUrl(['unix:', 'tcp:', 'http:', 'https:']), 'unix:///path or tcp://host:port');
  return {
    listener,
    docker: {
      host: dockerHost,
      network,
      apiTimeoutMs: r.seconds('RTMANAGER_DOCKER_API_TIMEOUT', 30, { min: 0.1 }),
      pullTimeoutMs: r.seconds('RTMANAGER_IMAGE_PULL_TIMEOUT', 300, { min: 1 }),
      pullPolicy: r.oneOf('RTMANAGER_IMAGE_PULL_POLICY', IMAGE_PULL_POLICIES, 'if_not_present'),
      imageAllowlist: r.list('RTMANAGER_IMAGE_ALLOWLIST'),
      tls: readDockerTls(env, dockerHost, r.problems),
      engineBackend: r.oneOf('RTMANAGER_ENGINE_BACKEND', ENGINE_BACKENDS, 'docker'),
      swarmHardeningWaiver: swarmWaiver(r),
    },
    postgres: { url: postgresUrl, poolMax: r.number('RTMANAGER_POSTGRES_POOL_MAX', 10, { min: 1, max: 200 }) },
    redis: { url: redisConnectionTarget(redisUrl), keyPrefix: prefix },
  };
}

/**
 * The waived rows, by name. Whether swarm mode may start depends on the nodes' engine versions
 * (a row they cannot express must be waived): checked against the swarm at startup, not here.
 */
function swarmWaiver(r: EnvReader): SwarmHardeningRow[] {
  const listed = r.list('RTMANAGER_SWARM_HARDENING_WAIVER');
  const known = (v: string): v is SwarmHardeningRow => (SWARM_HARDENING_ROWS as readonly string[]).includes(v);
  for (const v of listed.filter((x) => !known(x)))
    r.problem(`RTMANAGER_SWARM_HARDENING_WAIVER: unknown row ${JSON.stringify(v)} (expected ${SWARM_HARDENING_ROWS.join(', ')})`);
  return [...new Set(listed.filter(known))];
}

function streams(r: EnvReader, prefix: string): RtmConfig['streams'] {
  return {
    startJobs: `${prefix}runtime:start_jobs`,
    stopJobs: `${prefix}runtime:stop_jobs`,
    jobResults: `${prefix}runtime:job_results`,
    healthEvents: `${prefix}runtime:health_events`,
    notificationIntents: `${prefix}notification:intents`,
    blockMs: r.seconds('RTMANAGER_STREAM_BLOCK', 2, { min: 0.05 }),
    batchSize: r.number('RTMANAGER_STREAM_BATCH_SIZE', 32, { min: 1, max: 1000 }),
    jobConcurrency: r.number('RTMANAGER_JOB_CONCURRENCY', 4, { min: 1, max: 64 }),
    jobMaxAgeMs: r.parsed<number | null>('RTMANAGER_JOB_MAX_AGE', null, parsePositiveSeconds, 'seconds > 0 (fractions allowed)'),
    maxLen: {
      jobResults: r.number('RTMANAGER_STREAM_MAXLEN_JOB_RESULTS', 500_000, { min: 0 }),
      healthEvents: r.number('RTMANAGER_STREAM_MAXLEN_HEALTH_EVENTS', 100_000, { min: 0 }),
      notificationIntents: r.number('RTMANAGER_STREAM_MAXLEN_NOTIFICATION_INTENTS', 10_000, { min: 0 }),
    },
  };
}

function container(r: EnvReader): RtmConfig['container'] {
  const stateRoot = r.required('RTMANAGER_GAME_STATE_ROOT');
  if (stateRoot && !path.isAbsolute(stateRoot)) r.problem(`RTMANAGER_GAME_STATE_ROOT=${stateRoot} must be an absolute path`);
  const defaultLimits: ResourceLimits = {
    cpus: r.parsed('RTMANAGER_DEFAULT_CPUS', 1.0, parseCpus, 'a positive decimal such as 1.0'),
    memoryBytes: r.parsed('RTMANAGER_DEFAULT_MEMORY', 512 * 1024 ** 2, parseMemory, 'a size such as 512m'),
    pidsLimit: r.parsed('RTMANAGER_DEFAULT_PIDS_LIMIT', 512, parsePidsLimit, 'a positive integer'),
  };
  return {
    enginePort: r.number('RTMANAGER_ENGINE_PORT', 8080, { min: 1, max: 65535 }),
    stateRoot,
    stateDirMode: r.parsed('RTMANAGER_GAME_STATE_DIR_MODE', 0o750, (v) => (/^0?[0-7]{3,4}$/.test(v) ? parseInt(v, 8) : null), 'an octal mode such as 0750'),
    stateDirUid: r.parsed<number | null>('RTMANAGER_GAME_STATE_DIR_UID', null, parseId, 'a numeric uid'),
    stateDirGid: r.parsed<number | null>('RTMANAGER_GAME_STATE_DIR_GID', null, parseId, 'a numeric gid'),
    defaultLimits,
    ...engineConfinement(r, defaultLimits),
    logDriver: r.string('RTMANAGER_CONTAINER_LOG_DRIVER', 'json-file'),
    logOptions: r.parsed('RTMANAGER_CONTAINER_LOG_OPTS', { 'max-size': '10m', 'max-file': '3' }, parseKeyValues, 'key=value,key=value'),
    stopTimeoutSeconds: r.number('RTMANAGER_STOP_TIMEOUT', 10, { min: 0, max: 3600 }),
  };
}

function health(r: EnvReader): RtmConfig['health'] {
  return {
    probeIntervalMs: r.seconds('RTMANAGER_PROBE_INTERVAL', 10, { min: 0.05 }),
    probeTimeoutMs: r.seconds('RTMANAGER_PROBE_TIMEOUT', 2, { min: 0.05 }),
    probeFailuresThreshold: r.number('RTMANAGER_PROBE_FAILURES_THRESHOLD', 3, { min: 1, max: 1000 }),
    probeStartPeriodMs: r.seconds('RTMANAGER_PROBE_START_PERIOD', 0, { min: 0 }),
    probeTarget: r.oneOf('RTMANAGER_PROBE_TARGET', ['dns', 'container_ip', 'auto'] as const, 'auto'),
    probeConcurrency: r.number('RTMANAGER_PROBE_CONCURRENCY', 16, { min: 1, max: 256 }),
    inspectIntervalMs: r.seconds('RTMANAGER_INSPECT_INTERVAL', 30, { min: 0.05 }),
    eventsReconnectMaxMs: r.seconds('RTMANAGER_EVENTS_RECONNECT_MAX', 30, { min: 0.05 }),
  };
}

/** Ceilings (defaults within the configured ones; host-derived ones are checked at each start) and hardening (no forced root unless allowed). */
function engineConfinement(r: EnvReader, defaults: ResourceLimits): { ceilings: ConfiguredCeilings; hardening: EngineHardening } {
  const ceilings = {
    cpus: r.parsed<number | null>('RTMANAGER_MAX_CPUS', null, parseCpus, 'a positive decimal such as 2.0'),
    memoryBytes: r.parsed<number | null>('RTMANAGER_MAX_MEMORY', null, parseMemory, 'a size such as 8g'),
    pidsLimit: r.parsed('RTMANAGER_MAX_PIDS_LIMIT', DEFAULT_MAX_PIDS_LIMIT, parsePidsLimit, 'a positive integer'),
  };
  for (const { key, defaultVar, ceilingVar, show } of LIMIT_SETTINGS) {
    const ceiling = ceilings[key];
    if (ceiling !== null && defaults[key] > ceiling) r.problem(`${defaultVar} (${show(defaults[key])}) is above the ceiling ${ceilingVar} (${show(ceiling)})`);
  }
  const hardening = {
    user: r.parsed<string | null>('RTMANAGER_ENGINE_USER', null, (v) => (/^[0-9]{1,10}:[0-9]{1,10}$/.test(v) ? v : null), 'a numeric uid:gid such as 10001:10001'),
    allowRoot: r.flag('RTMANAGER_ALLOW_ROOT_ENGINES', false),
    readOnlyRootfs: r.flag('RTMANAGER_ENGINE_READ_ONLY_ROOTFS', false),
  };
  if (hardening.user !== null && runsAsRoot(hardening.user) && !hardening.allowRoot)
    r.problem(`RTMANAGER_ENGINE_USER=${hardening.user} runs engines as root; use a non-root uid:gid or set RTMANAGER_ALLOW_ROOT_ENGINES=true`);
  return { ceilings, hardening };
}
