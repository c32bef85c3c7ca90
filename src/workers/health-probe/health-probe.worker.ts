// HTTP probe of every running engine's /healthz (CONTRACT §7) with hysteresis: one
// `probe_failed` when consecutive failures reach the threshold, one `probe_recovered` on
// the first success after it, nothing per individual failure. Like Docker's --start-period,
// failures of a booting engine (before its first success, within `startPeriodMs` of its
// start) are not counted. A `probe_failed` verdict also asks for the game's sync (an engine
// that is gone or ended gets its record corrected at once). docs/workers.md.
import { lookup } from 'node:dns/promises';
import type { Logger } from 'pino';
import type { ProbeTarget } from '../../domain/probe-target.js';
import { containerNameFor, engineEndpointFor, type RuntimeRecord } from '../../domain/runtime-record.js';
import { forEachBounded } from '../../timing/bounded-concurrency.js';
import { withDeadline } from '../../timing/deadline.js';
import { PeriodicWorker, type ContainerWatcherDeps } from '../periodic-worker.js';
import { listRunningRecords } from '../running-records.js';
import { keepAliveProbeClient } from './keep-alive-probe.client.js';

export interface HealthProbeSettings {
  intervalMs: number;
  timeoutMs: number;
  failuresThreshold: number;
  /** Boot grace after the record's start (RTMANAGER_PROBE_START_PERIOD); 0 = none. */
  startPeriodMs?: number;
  target: ProbeTarget;
  concurrency: number;
  /** The game network, whose container IP is probed in `container_ip` mode. */
  network: string;
  enginePort: number;
  /** How long `auto` waits for the DNS name to resolve before using the container IP. */
  dnsLookupTimeoutMs?: number;
}

/** True when `hostname` resolves from where RTM runs. */
export type HostResolver = (hostname: string, timeoutMs: number) => Promise<boolean>;

export type FetchLike = (url: string, init: { signal: AbortSignal }) => Promise<{ ok: boolean; status: number; body?: { cancel(): Promise<void> } | null }>;

/** `sync`: on a probe_failed verdict. */
export interface HealthProbeWorkerDeps extends ContainerWatcherDeps {
  settings: HealthProbeSettings;
  fetch?: FetchLike;
  resolveHost?: HostResolver;
}

interface ProbeState {
  containerId: string;
  consecutiveFailures: number;
  /** probe_failed was published for the current failure streak. */
  failedReported: boolean;
  /** The engine answered at least once: its boot grace is over. */
  answeredOnce: boolean;
  /** `auto` decision, made once per container. */
  mode: 'dns' | 'container_ip' | null;
  /** `container_ip` mode: the IP inspected once per container, dropped after a failed probe. */
  ip: string | null;
  /** The game's child logger, made on its first line (most probes log nothing). */
  log: Logger | null;
}

type ProbeOutcome = { ok: true; target: string } | { ok: false; target: string; error: string };

const DEFAULT_DNS_LOOKUP_TIMEOUT_MS = 1000;

export const dnsResolver: HostResolver = (hostname, timeoutMs) =>
  withDeadline(lookup(hostname), timeoutMs, () => new Error(`dns lookup of ${hostname} timed out`)).then(
    () => true,
    () => false,
  );

export class HealthProbeWorker extends PeriodicWorker {
  private readonly states = new Map<string, ProbeState>();
  private readonly fetch: FetchLike;
  private readonly resolveHost: HostResolver;
  private readonly closeClient: () => void = () => undefined;

  constructor(private readonly deps: HealthProbeWorkerDeps) {
    super('health-probe', deps);
    if (deps.fetch) {
      this.fetch = deps.fetch;
    } else {
      const client = keepAliveProbeClient();
      this.fetch = client.fetch;
      this.closeClient = client.close;
    }
    this.resolveHost = deps.resolveHost ?? dnsResolver;
  }

  protected round(signal: AbortSignal): Promise<void> {
    return this.probeRound(signal);
  }

  override async stop(): Promise<void> {
    await super.stop();
    this.closeClient();
  }

  /** One round over every running record; rounds never overlap (PeriodicTask). */
  async probeRound(signal: AbortSignal = new AbortController().signal): Promise<void> {
    const running = (await listRunningRecords(this.deps.records)).filter((r) => r.currentContainerId !== null);
    const live = new Set(running.map((r) => r.gameId));
    // Hysteresis state is forgotten once a record leaves `running`.
    for (const gameId of this.states.keys()) if (!live.has(gameId)) this.states.delete(gameId);

    // The worker's stop cuts every probe in flight through one listener per round (one per
    // probe would be `concurrency` listeners on the long-lived signal: Node warns past 10).
    const inFlight = new Set<AbortController>();
    const onStop = () => {
      for (const probe of inFlight) probe.abort(signal.reason);
    };
    signal.addEventListener('abort', onStop, { once: true });
    try {
      await forEachBounded(
        running,
        this.deps.settings.concurrency,
        async (record) => {
          try {
            await this.probeOne(record, signal, inFlight);
          } catch (err) {
            this.log.error({ err, game_id: record.gameId }, 'probe bookkeeping failed');
          }
        },
        signal,
      );
    } finally {
      signal.removeEventListener('abort', onStop);
    }
  }

  private async probeOne(record: RuntimeRecord, signal: AbortSignal, inFlight: Set<AbortController>): Promise<void> {
    const containerId = record.currentContainerId as string;
    const state = this.stateFor(record.gameId, containerId);
    const outcome = await this.probe(record, state, signal, inFlight);
    if (signal.aborted) return;
    const { health, clock, settings } = this.deps;
    const log = (): Logger => (state.log ??= this.log.child({ game_id: record.gameId, container_id: containerId }));
    if (outcome.ok) {
      if (state.failedReported) {
        await health.record({
          gameId: record.gameId,
          containerId,
          eventType: 'probe_recovered',
          occurredAt: clock.now(),
          details: { failed_probes: state.consecutiveFailures, target: outcome.target },
        });
        log().info({ failed_probes: state.consecutiveFailures }, 'engine healthz recovered');
      }
      state.consecutiveFailures = 0;
      state.failedReported = false;
      state.answeredOnce = true;
      return;
    }
    // The container may have a new IP (restarted in place): inspect again next time.
    state.ip = null;
    if (this.inBootGrace(record, state)) {
      if (this.log.isLevelEnabled('debug')) log().debug({ error: outcome.error }, 'engine healthz failing while booting (start period); not counted');
      return;
    }
    state.consecutiveFailures += 1;
    if (this.log.isLevelEnabled('debug')) log().debug({ consecutive_failures: state.consecutiveFailures, error: outcome.error }, 'engine healthz probe failed');
    // `>=` rather than `===`: if publishing failed at the threshold, the next failure retries it.
    if (state.consecutiveFailures >= settings.failuresThreshold && !state.failedReported) {
      await health.record({
        gameId: record.gameId,
        containerId,
        eventType: 'probe_failed',
        occurredAt: clock.now(),
        details: { consecutive_failures: state.consecutiveFailures, last_error: outcome.error, target: outcome.target },
      });
      state.failedReported = true;
      log().warn({ consecutive_failures: state.consecutiveFailures, error: outcome.error }, 'engine healthz failing');
      void this.deps.sync.sync(record.gameId, 'probe_failed');
    }
  }

  private stateFor(gameId: string, containerId: string): ProbeState {
    let state = this.states.get(gameId);
    if (!state || state.containerId !== containerId) {
      // A new container (restart, patch) starts a fresh streak and is inspected afresh.
      state = { containerId, consecutiveFailures: 0, failedReported: false, answeredOnce: false, mode: null, ip: null, log: null };
      this.states.set(gameId, state);
    }
    return state;
  }

  /** Docker's --start-period: before the first success, failures within the period after the start do not count. */
  private inBootGrace(record: RuntimeRecord, state: ProbeState): boolean {
    const periodMs = this.deps.settings.startPeriodMs ?? 0;
    if (periodMs <= 0 || state.answeredOnce || record.startedAt === null) return false;
    return this.deps.clock.now().getTime() - record.startedAt.getTime() < periodMs;
  }

  private async probe(record: RuntimeRecord, state: ProbeState, signal: AbortSignal, inFlight: Set<AbortController>): Promise<ProbeOutcome> {
    const { settings } = this.deps;
    let base: string;
    try {
      const resolved = await this.baseUrl(record, state);
      if (!resolved.ok) return { ok: false, target: resolved.target, error: resolved.error };
      base = resolved.url;
    } catch (err) {
      return { ok: false, target: 'unresolved', error: `target lookup failed: ${errorText(err)}` };
    }
    const target = `${base}/healthz`;
    // One controller per probe, cut by its timeout or the worker's stop (probeRound). Not
    // AbortSignal.any([AbortSignal.timeout(), signal]): on Node 20 each composite stays
    // referenced from the worker's long-lived signal, a steady RSS climb at 200 probes/s.
    if (signal.aborted) return { ok: false, target, error: 'stopped' };
    const probe = new AbortController();
    const timer = setTimeout(() => probe.abort(new DOMException(`timeout after ${settings.timeoutMs}ms`, 'TimeoutError')), settings.timeoutMs);
    inFlight.add(probe);
    try {
      const res = await this.fetch(target, { signal: probe.signal });
      await res.body?.cancel().catch(() => undefined);
      return res.ok ? { ok: true, target } : { ok: false, target, error: `HTTP ${res.status}` };
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError') && !signal.aborted;
      return { ok: false, target, error: timedOut ? `timeout after ${settings.timeoutMs}ms` : errorText(err) };
    } finally {
      clearTimeout(timer);
      inFlight.delete(probe);
    }
  }

  private async baseUrl(record: RuntimeRecord, state: ProbeState): Promise<{ ok: true; url: string } | { ok: false; target: string; error: string }> {
    const { settings } = this.deps;
    const dnsUrl = record.engineEndpoint ?? engineEndpointFor(record.gameId, settings.enginePort);
    if (state.mode === null) {
      if (settings.target === 'auto') {
        const resolves = await this.resolveHost(containerNameFor(record.gameId), settings.dnsLookupTimeoutMs ?? DEFAULT_DNS_LOOKUP_TIMEOUT_MS);
        state.mode = resolves ? 'dns' : 'container_ip';
        this.log.debug({ game_id: record.gameId, mode: state.mode }, 'probe target chosen');
      } else {
        state.mode = settings.target;
      }
    }
    if (state.mode === 'dns') return { ok: true, url: stripSlash(dnsUrl) };
    if (state.ip === null) {
      const info = await this.deps.docker.inspectContainer(state.containerId);
      const ip = info?.networkIps[settings.network];
      if (!ip) {
        return { ok: false, target: `container_ip:${settings.network}`, error: info ? `container has no IP on network ${settings.network}` : 'container not found' };
      }
      state.ip = ip;
    }
    return { ok: true, url: `http://${state.ip}:${settings.enginePort}` };
  }
}

function stripSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

function errorText(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}
