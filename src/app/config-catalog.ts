// Every environment variable RTM reads, with its default and meaning: the one definition
// behind `--help` and the README's configuration table (`npm run docs:config` renders it;
// test/app/config-catalog.test.ts fails when loadConfig reads a variable missing here, or
// when the README drifts). Durations are seconds and accept fractions.

export type ConfigGroup =
  | 'listener'
  | 'postgres'
  | 'redis'
  | 'docker'
  | 'container'
  | 'streams'
  | 'health'
  | 'reconcile'
  | 'cleanup'
  | 'coordination'
  | 'lobby'
  | 'auth'
  | 'logging'
  | 'lifecycle'
  | 'telemetry';

export interface ConfigVariable {
  name: string;
  group: ConfigGroup;
  /** The default as an operator would write it; null = unset/empty; required ones have none. */
  default: string | null;
  required?: true;
  /** One line, markdown allowed (backticks). */
  meaning: string;
}

const required = null;

export const CONFIG_VARIABLES: readonly ConfigVariable[] = [
  { name: 'RTMANAGER_INTERNAL_HTTP_ADDR', group: 'listener', default: '127.0.0.1:8090', meaning: '`host:port` of the internal REST listener (also `/healthz`, `/readyz`, `/metrics`)' },
  { name: 'RTMANAGER_POSTGRES_URL', group: 'postgres', default: required, required: true, meaning: 'PostgreSQL URL (`postgres://…`, or a socket folder: `postgres:///db?host=/run/postgresql`); migrations create schema `rtmanager`' },
  { name: 'RTMANAGER_POSTGRES_POOL_MAX', group: 'postgres', default: '10', meaning: 'pool size' },
  { name: 'RTMANAGER_REDIS_URL', group: 'redis', default: required, required: true, meaning: 'Redis URL (`redis://`, `rediss://` or `unix:///path/redis.sock?db=0`)' },
  { name: 'RTMANAGER_REDIS_KEY_PREFIX', group: 'redis', default: null, meaning: 'prefix for every stream and key RTM uses (tests isolate with it; leave empty in production)' },
  { name: 'RTMANAGER_DOCKER_HOST', group: 'docker', default: 'unix:///var/run/docker.sock', meaning: 'Docker endpoint (`unix://`, `tcp://`, `http(s)://`)' },
  { name: 'RTMANAGER_DOCKER_TLS_CA', group: 'docker', default: null, meaning: 'PEM CA the remote daemon\'s certificate is verified against (`tcp://` with TLS; docs/deploy.md)' },
  { name: 'RTMANAGER_DOCKER_TLS_CERT', group: 'docker', default: null, meaning: 'PEM client certificate RTM presents to the daemon' },
  { name: 'RTMANAGER_DOCKER_TLS_KEY', group: 'docker', default: null, meaning: 'PEM key of that certificate' },
  { name: 'RTMANAGER_DOCKER_CERT_PATH', group: 'docker', default: null, meaning: 'folder with `ca.pem`, `cert.pem`, `key.pem` (the `DOCKER_CERT_PATH` layout); the three above win over it' },
  { name: 'RTMANAGER_DOCKER_NETWORK', group: 'docker', default: required, required: true, meaning: 'the user-defined game network; must exist (RTM never creates it)' },
  { name: 'RTMANAGER_ENGINE_BACKEND', group: 'docker', default: 'docker', meaning: '`docker` (containers on one daemon) or `swarm` (a service per game on the Swarm manager `RTMANAGER_DOCKER_HOST`, `RTMANAGER_DOCKER_NETWORK` an attachable overlay; docs/swarm.md)' },
  { name: 'RTMANAGER_SWARM_HARDENING_WAIVER', group: 'docker', default: null, meaning: 'swarm only: comma-separated hardening rows the operator waives (`no_new_privileges`, `swap_limit`, `cgroupns`); at startup every row the lowest node engine cannot express in a service spec must be listed, or RTM refuses to start (20.10: all three; Engine 25+: `swap_limit`, `cgroupns`; 29+: `cgroupns`; docs/swarm.md)' },
  { name: 'RTMANAGER_DOCKER_API_TIMEOUT', group: 'docker', default: '30', meaning: 'timeout of every Docker call except pull' },
  { name: 'RTMANAGER_IMAGE_PULL_TIMEOUT', group: 'docker', default: '300', meaning: 'timeout of an image pull' },
  { name: 'RTMANAGER_IMAGE_PULL_POLICY', group: 'docker', default: 'if_not_present', meaning: '`always`, `if_not_present` or `never`' },
  { name: 'RTMANAGER_IMAGE_ALLOWLIST', group: 'docker', default: null, meaning: 'comma-separated image prefixes (empty: all); others get `image_ref_not_allowed`' },
  { name: 'RTMANAGER_GAME_STATE_ROOT', group: 'container', default: required, required: true, meaning: 'absolute host folder holding one state folder per game' },
  { name: 'RTMANAGER_GAME_STATE_DIR_MODE', group: 'container', default: '0750', meaning: 'mode of a new state folder' },
  { name: 'RTMANAGER_GAME_STATE_DIR_UID', group: 'container', default: null, meaning: 'owner (uid) of a new state folder' },
  { name: 'RTMANAGER_GAME_STATE_DIR_GID', group: 'container', default: null, meaning: 'group (gid) of a new state folder' },
  { name: 'RTMANAGER_ENGINE_PORT', group: 'container', default: '8080', meaning: 'engine port inside the container' },
  { name: 'RTMANAGER_DEFAULT_CPUS', group: 'container', default: '1.0', meaning: 'CPUs when the image has no `com.galaxy.cpu_quota` label' },
  { name: 'RTMANAGER_DEFAULT_MEMORY', group: 'container', default: '512m', meaning: 'memory (= memory + swap) when the image has no `com.galaxy.memory` label' },
  { name: 'RTMANAGER_DEFAULT_PIDS_LIMIT', group: 'container', default: '512', meaning: 'pids limit when the image has no `com.galaxy.pids_limit` label' },
  { name: 'RTMANAGER_MAX_CPUS', group: 'container', default: null, meaning: 'ceiling on CPUs from labels and defaults (unset: the Docker host\'s CPUs); above -> `start_config_invalid` (docs/security.md)' },
  { name: 'RTMANAGER_MAX_MEMORY', group: 'container', default: null, meaning: 'ceiling on memory (unset: the Docker host\'s memory)' },
  { name: 'RTMANAGER_MAX_PIDS_LIMIT', group: 'container', default: '32768', meaning: 'ceiling on the pids limit' },
  { name: 'RTMANAGER_ENGINE_USER', group: 'container', default: null, meaning: 'numeric `uid:gid` forced on every engine (unset: the image\'s `USER`)' },
  { name: 'RTMANAGER_ALLOW_ROOT_ENGINES', group: 'container', default: 'false', meaning: '`true` lets an image whose `USER` is root run; otherwise it is `start_config_invalid`' },
  { name: 'RTMANAGER_ENGINE_READ_ONLY_ROOTFS', group: 'container', default: 'false', meaning: '`true`: read-only root filesystem with a tmpfs `/tmp` (the state mount stays writable)' },
  { name: 'RTMANAGER_CONTAINER_LOG_DRIVER', group: 'container', default: 'json-file', meaning: 'engine log driver' },
  { name: 'RTMANAGER_CONTAINER_LOG_OPTS', group: 'container', default: 'max-size=10m,max-file=3', meaning: 'engine log driver options (`key=value,…`)' },
  { name: 'RTMANAGER_STOP_TIMEOUT', group: 'container', default: '10', meaning: 'graceful `docker stop` timeout' },
  { name: 'RTMANAGER_STREAM_BLOCK', group: 'streams', default: '2', meaning: 'XREAD BLOCK time of the job consumers' },
  { name: 'RTMANAGER_STREAM_BATCH_SIZE', group: 'streams', default: '32', meaning: 'entries per XREAD' },
  { name: 'RTMANAGER_JOB_CONCURRENCY', group: 'streams', default: '4', meaning: 'jobs of different games run concurrently up to this bound' },
  { name: 'RTMANAGER_JOB_MAX_AGE', group: 'streams', default: null, meaning: 'seconds; a Lobby job older than this (since it was appended) is answered with its failure while PostgreSQL, Redis or Docker is still unreachable, and recorded; unset = jobs wait out any outage' },
  { name: 'RTMANAGER_STREAM_MAXLEN_JOB_RESULTS', group: 'streams', default: '500000', meaning: 'approximate cap (`XADD MAXLEN ~`) of `runtime:job_results`; 0 = never trim. A day of results at ~5.8/s (docs/observability.md)' },
  { name: 'RTMANAGER_STREAM_MAXLEN_HEALTH_EVENTS', group: 'streams', default: '100000', meaning: 'approximate cap of `runtime:health_events`; 0 = never trim' },
  { name: 'RTMANAGER_STREAM_MAXLEN_NOTIFICATION_INTENTS', group: 'streams', default: '10000', meaning: 'approximate cap of `notification:intents`; 0 = never trim' },
  { name: 'RTMANAGER_PROBE_INTERVAL', group: 'health', default: '10', meaning: 'HTTP `/healthz` probe period' },
  { name: 'RTMANAGER_PROBE_TIMEOUT', group: 'health', default: '2', meaning: 'per-probe timeout (at most the interval)' },
  { name: 'RTMANAGER_PROBE_FAILURES_THRESHOLD', group: 'health', default: '3', meaning: 'consecutive failures before one `probe_failed`' },
  { name: 'RTMANAGER_PROBE_TARGET', group: 'health', default: 'auto', meaning: '`dns`, `container_ip` or `auto` (DNS name when it resolves, else container IP)' },
  { name: 'RTMANAGER_PROBE_START_PERIOD', group: 'health', default: '0', meaning: 'seconds of boot grace after a start (Docker\'s `--start-period`): failures before the engine\'s first success within it are not counted' },
  { name: 'RTMANAGER_PROBE_CONCURRENCY', group: 'health', default: '16', meaning: 'probes in flight at once' },
  { name: 'RTMANAGER_INSPECT_INTERVAL', group: 'health', default: '30', meaning: 'periodic inspect' },
  { name: 'RTMANAGER_EVENTS_RECONNECT_MAX', group: 'health', default: '30', meaning: 'cap of the Docker events reconnect backoff' },
  { name: 'RTMANAGER_RECONCILE_INTERVAL', group: 'reconcile', default: '60', meaning: 'periodic reconcile' },
  { name: 'RTMANAGER_RECONCILE_GRACE', group: 'reconcile', default: '30', meaning: 'a container younger than this is not drift (in-flight start)' },
  { name: 'RTMANAGER_CLEANUP_INTERVAL', group: 'cleanup', default: '3600', meaning: 'TTL cleanup period' },
  { name: 'RTMANAGER_CONTAINER_RETENTION_DAYS', group: 'cleanup', default: '7', meaning: 'stopped containers older than this are removed (fractions allowed)' },
  { name: 'RTMANAGER_LEASE_TTL', group: 'coordination', default: '30', meaning: 'per-game lease TTL (renewed while held)' },
  { name: 'RTMANAGER_INSTANCE_ID', group: 'coordination', default: null, meaning: 'this process\'s name among the instances (unset: the host name); unique among live processes: a new process with the id of a dead one takes over its leader lease and per-game leases at once; the traces\' `service.instance.id`' },
  { name: 'RTMANAGER_LEADER_LEASE_TTL', group: 'coordination', default: '15', meaning: 'leader lease (renewed every 2/3 of it, tried every 2/15 of it by a standby): a dead leader is replaced within this + 5 s' },
  { name: 'RTMANAGER_LOBBY_BASE_URL', group: 'lobby', default: null, meaning: 'Lobby internal API, diagnostics only' },
  { name: 'RTMANAGER_LOBBY_TIMEOUT', group: 'lobby', default: '2', meaning: 'Lobby call timeout' },
  { name: 'RTMANAGER_INTERNAL_API_TOKENS', group: 'auth', default: null, meaning: 'comma-separated bearer tokens; when set, every `/api/v1/internal/*` call needs one' },
  { name: 'RTMANAGER_LOG_LEVEL', group: 'logging', default: 'info', meaning: 'pino level' },
  { name: 'RTMANAGER_SHUTDOWN_TIMEOUT', group: 'lifecycle', default: '30', meaning: 'SIGTERM: finish or abandon in-flight work and exit within this' },
  { name: 'RTMANAGER_OTLP_ENDPOINT', group: 'telemetry', default: null, meaning: 'OTLP/HTTP traces endpoint (tracing off when unset)' },
  { name: 'RTMANAGER_SERVICE_NAME', group: 'telemetry', default: 'rtmanager', meaning: 'service name in logs and traces' },
  { name: 'OTEL_RESOURCE_ATTRIBUTES', group: 'telemetry', default: null, meaning: 'extra trace resource attributes, `key=value,…` (values percent-encoded; OpenTelemetry\'s variable); `service.name`, `service.version`, `service.instance.id` stay RTM\'s' },
];

const plain = (s: string) => s.replace(/`/g, '');

/** The variables part of `--help`: grouped, one line each. */
export function renderConfigHelp(variables: readonly ConfigVariable[] = CONFIG_VARIABLES): string {
  const width = Math.max(...variables.map((v) => v.name.length));
  const out: string[] = ['environment variables (durations in seconds, fractions allowed):'];
  let group: ConfigGroup | null = null;
  for (const v of variables) {
    if (v.group !== group) {
      group = v.group;
      out.push('', `  [${group}]`);
    }
    const dflt = v.required ? 'required' : v.default === null ? 'unset' : `default ${v.default}`;
    out.push(`  ${v.name.padEnd(width)}  ${plain(v.meaning)} (${dflt})`);
  }
  return `${out.join('\n')}\n`;
}

/** The README's markdown table. */
export function renderConfigTable(variables: readonly ConfigVariable[] = CONFIG_VARIABLES): string {
  const rows = variables.map((v) => {
    const dflt = v.required ? '**required**' : v.default === null ? 'unset' : `\`${v.default}\``;
    return `| \`${v.name}\` | ${dflt} | ${v.meaning} |`;
  });
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
