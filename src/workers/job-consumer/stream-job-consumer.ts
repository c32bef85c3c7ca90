// The engine shared by the Lobby job consumers (CONTRACT §6; decisions in docs/flows.md,
// "Job consumers"). It reads one stream in order from the persisted offset, runs jobs for
// different games concurrently and jobs for one game in stream order, publishes one
// runtime:job_results entry per job, and only then moves the persisted offset — never past
// an entry whose result is not published, so a crash replays and never loses a job.
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { rtmTracer, withSpan } from '../../adapters/telemetry/tracing.js';
import type { OperationResult } from '../../domain/operation-result.js';
import type { Clock } from '../../ports/clock.js';
import type { Metrics } from '../../ports/metrics.js';
import type { JobResult, JobResultPublisher } from '../../ports/publishers.js';
import type { StreamOffsetStore } from '../../ports/stream-offset.store.js';
import type { StreamEntry, StreamReader } from '../../ports/stream-reader.js';
import type { BackgroundWorker } from '../background-worker.js';
import { ExponentialBackoff, abortableSleep } from './backoff.js';
import type { DecodedEntry } from './decoded-entry.js';
import { ContiguousOffsetTracker } from './offset-tracker.js';
import { entryTimeMs } from './stream-entry-id.js';

/** Where a consumer with no stored offset starts: the beginning, never `$` (CONTRACT §6). */
export const STREAM_BEGINNING = '0-0';

/** What distinguishes the start consumer from the stop consumer. */
export interface JobConsumerDefinition<J> {
  /** Consumer label: the offset key and the `consumer` metric label (e.g. `start_jobs`). */
  label: string;
  jobKind: JobResult['jobKind'];
  decode(entry: StreamEntry): DecodedEntry<J>;
  /** Calls the service; a thrown error is an infrastructure fault and is retried. */
  execute(job: J): Promise<OperationResult>;
  /** image_ref for the result when the operation returned no record. */
  requestedImageRef(job: J): string | null;
}

export interface JobConsumerDeps {
  reader: StreamReader;
  offsets: StreamOffsetStore;
  results: JobResultPublisher;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  /** Defaults to the global RTM tracer (a no-op unless tracing is started). */
  tracer?: Tracer;
}

export interface JobConsumerSettings {
  stream: string;
  blockMs: number;
  batchSize: number;
  /** Jobs for different games in flight at once. */
  concurrency: number;
  /** How long stop() waits for in-flight jobs before abandoning them (they replay later). */
  shutdownTimeoutMs: number;
  /** Retry pacing for infrastructure faults (read, service throw, publish, offset save). */
  backoff?: { initialMs: number; maxMs: number };
  /**
   * A transient failure result (see isTransient) is retried with backoff until `windowMs`
   * has passed since the first attempt; then the last one is published. The composition root
   * sets the window beyond the lease TTL, so a lease left by a crashed holder has expired.
   */
  transientRetry?: { windowMs: number; initialDelayMs: number; maxDelayMs: number };
}

export const DEFAULT_INFRA_BACKOFF = { initialMs: 200, maxMs: 10_000 };
export const DEFAULT_TRANSIENT_RETRY = { windowMs: 40_000, initialDelayMs: 250, maxDelayMs: 2_000 };

/** Failure codes that always describe a passing state: Redis/PostgreSQL or Docker unreachable. */
export const TRANSIENT_RESULT_CODES: ReadonlySet<string> = new Set(['service_unavailable', 'docker_unavailable']);

/**
 * Failure results that describe a passing state rather than the job: a dependency briefly
 * unreachable, or the game's lease held by another operation (a `conflict` the service marks
 * `retryable`; a conflict of state — another image running, an unowned container holding the
 * name — is not). Lobby expects the job done, so these are retried before one is published.
 */
function isTransient(result: OperationResult): boolean {
  if (result.outcome !== 'failure') return false;
  return result.retryable === true || (result.errorCode !== null && TRANSIENT_RESULT_CODES.has(result.errorCode));
}

/** What is failing: reading, the offset, or one job (keyed by its entry id). */
type Fault = 'read' | 'offset' | `job ${string}`;

/** Whether `work` settled before the deadline (epoch ms); it is not cancelled otherwise. */
async function settlesWithin(work: Promise<unknown>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([work.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** FIFO counting semaphore: bounds the jobs in flight across games. */
class Slots {
  private free: number;
  private readonly waiters: Array<() => void> = [];
  constructor(size: number) {
    this.free = size;
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free += 1;
  }
}

export class StreamJobConsumer<J> implements BackgroundWorker {
  readonly name: string;
  private readonly log: Logger;
  private readonly tracer: Tracer;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly transientRetry: { windowMs: number; initialDelayMs: number; maxDelayMs: number };
  /** Entries read but not yet completed, at most this many (backpressure on a stuck head). */
  private readonly maxPending: number;

  private readonly stopController = new AbortController();
  private running: Promise<void> | null = null;
  private stopped: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly gameTails = new Map<string, Promise<void>>();
  private readonly slots: Slots;
  private readonly tracker = new ContiguousOffsetTracker();
  private progress: (() => void) | null = null;
  private savedOffset: string | null = null;
  private saving: Promise<void> | null = null;
  private closed = false;
  private readonly faults = new Map<Fault, { since: Date; message: string }>();

  constructor(
    private readonly deps: JobConsumerDeps,
    private readonly definition: JobConsumerDefinition<J>,
    private readonly settings: JobConsumerSettings,
  ) {
    this.name = `${definition.label}_consumer`;
    this.log = deps.logger.child({ consumer: definition.label, stream: settings.stream });
    this.tracer = deps.tracer ?? rtmTracer();
    this.backoff = settings.backoff ?? DEFAULT_INFRA_BACKOFF;
    this.transientRetry = settings.transientRetry ?? DEFAULT_TRANSIENT_RETRY;
    this.slots = new Slots(settings.concurrency);
    this.maxPending = Math.max(settings.batchSize, settings.concurrency * 4);
  }

  start(): void {
    if (this.running) return;
    this.running = this.loop().catch((err: unknown) => {
      // The loop handles every expected failure itself; reaching here is a bug.
      this.log.error({ err }, 'job consumer loop crashed');
      this.setFault('read', err);
    });
  }

  async stop(): Promise<void> {
    if (this.stopController.signal.aborted) {
      await this.stopped;
      return;
    }
    this.stopController.abort();
    this.wakeReader();
    this.stopped = this.shutDown();
    await this.stopped;
  }

  /** Drain in-flight jobs, then save the offset of completed work; all within the timeout. */
  private async shutDown(): Promise<void> {
    const deadline = Date.now() + this.settings.shutdownTimeoutMs;
    const drained = await settlesWithin(
      (async () => {
        await this.running;
        await Promise.allSettled([...this.inFlight]);
      })(),
      deadline,
    );
    if (!drained) this.log.warn({ in_flight: this.inFlight.size }, 'shutdown timeout: abandoning in-flight jobs (they replay on next start)');
    if (!(await settlesWithin(this.flushOffset(), deadline))) this.log.warn('shutdown timeout: the final offset save did not finish');
    this.closed = true;
    this.log.info({ offset: this.savedOffset }, 'job consumer stopped');
  }

  problem(): string | null {
    const [first] = [...this.faults.entries()].sort((a, b) => a[1].since.getTime() - b[1].since.getTime());
    if (!first) return null;
    const [fault, { since, message }] = first;
    const what = fault === 'read' ? 'reading the stream' : fault === 'offset' ? 'loading/saving the offset' : `processing ${fault}`;
    return `${this.definition.label}: ${what} failing since ${since.toISOString()}: ${message}`;
  }

  private get stopping(): boolean {
    return this.stopController.signal.aborted;
  }

  private async loop(): Promise<void> {
    const stored = await this.retrying('offset', () => this.deps.offsets.load(this.definition.label));
    if (stored === undefined) return;
    this.savedOffset = stored;
    let cursor = stored ?? STREAM_BEGINNING;
    this.log.info({ offset: cursor, stored: stored !== null }, 'job consumer started');

    while (!this.stopping) {
      if (this.tracker.pendingCount >= this.maxPending) {
        await this.waitForProgress();
        continue;
      }
      const count = Math.min(this.settings.batchSize, this.maxPending - this.tracker.pendingCount);
      const from = cursor;
      const entries = await this.retrying('read', () =>
        this.deps.reader.readAfter(this.settings.stream, from, {
          count,
          blockMs: this.settings.blockMs,
          signal: this.stopController.signal,
        }),
      );
      if (entries === undefined || this.stopping) break;
      // Caught up: nothing waits, so nothing lags.
      if (entries.length === 0 && this.tracker.pendingCount === 0) this.deps.metrics.streamLag(this.definition.label, 0);
      for (const entry of entries) {
        this.dispatch(entry);
        cursor = entry.id;
      }
    }
  }

  /** Queue an entry behind earlier entries of the same game; different games run in parallel. */
  private dispatch(entry: StreamEntry): void {
    this.tracker.add(entry.id);
    const decoded = this.decode(entry);
    // Entries with no readable game id touch no game: they need no ordering.
    const key = decoded.kind === 'rejected' ? `entry:${entry.id}` : `game:${decoded.gameId}`;
    const previous = this.gameTails.get(key) ?? Promise.resolve();
    const task = previous.then(() => this.runInSlot(entry, decoded));
    this.gameTails.set(key, task);
    this.inFlight.add(task);
    void task.finally(() => {
      this.inFlight.delete(task);
      if (this.gameTails.get(key) === task) this.gameTails.delete(key);
    });
  }

  private decode(entry: StreamEntry): DecodedEntry<J> {
    try {
      return this.definition.decode(entry);
    } catch (err) {
      // A decoder bug must not stop the consumer; the entry is counted, not lost silently.
      this.log.error({ err, entry_id: entry.id }, 'decoding a stream entry crashed');
      return { kind: 'rejected', reason: 'undecodable', message: err instanceof Error ? err.message : String(err) };
    }
  }

  private async runInSlot(entry: StreamEntry, decoded: DecodedEntry<J>): Promise<void> {
    if (this.stopping) return; // not started: it replays on the next run
    await this.slots.acquire();
    try {
      if (this.stopping) return;
      const done = await this.process(entry, decoded);
      if (done) this.completed(entry.id);
    } catch (err) {
      this.log.error({ err, entry_id: entry.id }, 'job processing crashed');
    } finally {
      this.slots.release();
    }
  }

  /** Returns true when the entry is fully handled (result published or rejection counted). */
  private async process(entry: StreamEntry, decoded: DecodedEntry<J>): Promise<boolean> {
    const appendedMs = entryTimeMs(entry.id);
    if (appendedMs !== null) this.deps.metrics.streamLag(this.definition.label, (this.deps.clock.now().getTime() - appendedMs) / 1000);

    if (decoded.kind === 'rejected') {
      this.log.warn(
        { entry_id: entry.id, field_names: Object.keys(entry.fields), reason: decoded.reason, problem: decoded.message },
        'stream entry rejected: no valid game_id to answer to',
      );
      this.deps.metrics.streamEntryRejected(this.definition.label, decoded.reason);
      return true;
    }

    const log = this.log.child({ game_id: decoded.gameId, op_kind: this.definition.jobKind, entry_id: entry.id });
    const attributes = {
      'rtm.consumer': this.definition.label,
      'rtm.job_id': entry.id,
      'rtm.game_id': decoded.gameId,
      'rtm.job_kind': this.definition.jobKind,
    };
    return withSpan(this.tracer, `${this.definition.label} job`, attributes, async (span) => {
      let outcome: { result: OperationResult; completedAt: Date; imageRef: string | null } | undefined;
      if (decoded.kind === 'invalid') {
        log.warn({ problem: decoded.message, field_names: Object.keys(entry.fields) }, 'malformed job: answering invalid_request');
        outcome = {
          result: { outcome: 'failure', errorCode: 'invalid_request', errorMessage: decoded.message, record: null },
          completedAt: this.deps.clock.now(),
          imageRef: null,
        };
      }
      // Keep the service's result across publish retries: re-running the service after a
      // failed publish would turn its real outcome into a replay_no_op. A transient result
      // is not kept: by the time Redis takes the publish again, a rerun may well succeed.
      const published = await this.retrying(`job ${entry.id}`, async () => {
        if (outcome === undefined && decoded.kind === 'job') {
          const result = await this.executeWithTransientRetry(decoded.job, log);
          outcome = { result, completedAt: this.deps.clock.now(), imageRef: this.definition.requestedImageRef(decoded.job) };
        }
        if (outcome === undefined) throw new Error('unreachable: no outcome');
        try {
          await this.deps.results.publish(this.toJobResult(entry.id, decoded.gameId, outcome.result, outcome.completedAt, outcome.imageRef));
        } catch (err) {
          if (isTransient(outcome.result)) outcome = undefined;
          throw err;
        }
        return outcome.result;
      }, log);
      if (published === undefined) return false;
      span.setAttribute('rtm.outcome', published.outcome);
      if (published.errorCode) span.setAttribute('rtm.error_code', published.errorCode);
      log.info({ outcome: published.outcome, error_code: published.errorCode }, 'job result published');
      return true;
    });
  }

  /**
   * Retry transient failure results (see TRANSIENT_RESULT_CODES) with backoff; the last one
   * becomes the outcome. While stopping, a transient result is not published at all: the
   * job is abandoned and replays on the next start instead.
   */
  private async executeWithTransientRetry(job: J, log: Logger): Promise<OperationResult> {
    const pacing = new ExponentialBackoff(this.transientRetry.initialDelayMs, this.transientRetry.maxDelayMs);
    const giveUpAt = Date.now() + this.transientRetry.windowMs;
    for (let attempt = 0; ; attempt += 1) {
      const result = await this.definition.execute(job);
      if (!isTransient(result)) return result;
      if (this.stopping) throw new Error(`stopping with a transient ${result.errorCode} result: replay on next start`);
      if (Date.now() >= giveUpAt) return result;
      const delayMs = pacing.next();
      log.info({ attempt: attempt + 1, delay_ms: delayMs, error_code: result.errorCode, problem: result.errorMessage }, 'transient failure: retrying the job');
      if (!(await abortableSleep(delayMs, this.stopController.signal))) {
        throw new Error(`stopping with a transient ${result.errorCode} result: replay on next start`);
      }
    }
  }

  private toJobResult(jobId: string, gameId: string, result: OperationResult, completedAt: Date, requestedImageRef: string | null): JobResult {
    const record = result.record;
    return {
      gameId,
      jobKind: this.definition.jobKind,
      jobId,
      outcome: result.outcome,
      errorCode: result.errorCode,
      errorMessage: result.errorMessage,
      containerId: record?.currentContainerId ?? null,
      engineEndpoint: record?.engineEndpoint ?? null,
      imageRef: record?.currentImageRef ?? requestedImageRef,
      completedAt,
    };
  }

  /**
   * Run `attempt` until it succeeds, backing off (exponential, capped) on every throw and
   * recording the fault for problem(). Returns undefined when the consumer stops first
   * (so `attempt` must not resolve to undefined itself).
   * While stopping, one try is still made (in-flight work should finish) but never retried.
   */
  private async retrying<T>(fault: Fault, attempt: () => Promise<T>, log: Logger = this.log): Promise<T | undefined> {
    const pacing = new ExponentialBackoff(this.backoff.initialMs, this.backoff.maxMs);
    for (;;) {
      if (this.stopping && fault === 'read') return undefined;
      try {
        const value = await attempt();
        this.faults.delete(fault);
        return value;
      } catch (err) {
        if (this.stopping) {
          log.warn({ err }, 'infrastructure failure while stopping: abandoning (replays on next start)');
          return undefined;
        }
        this.setFault(fault, err);
        const delayMs = pacing.next();
        log.warn({ err, retry_in_ms: delayMs, fault }, 'infrastructure failure: retrying the same entry');
        if (!(await abortableSleep(delayMs, this.stopController.signal))) return undefined;
      }
    }
  }

  private setFault(fault: Fault, err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    const existing = this.faults.get(fault);
    this.faults.set(fault, { since: existing?.since ?? this.deps.clock.now(), message });
  }

  private completed(entryId: string): void {
    this.tracker.complete(entryId);
    this.wakeReader();
    this.persistOffset();
  }

  private wakeReader(): void {
    const wake = this.progress;
    this.progress = null;
    wake?.();
  }

  private waitForProgress(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.progress = resolve;
      if (this.stopping) resolve();
    });
  }

  /** One save at a time; each save writes the newest contiguous offset at that moment. */
  private persistOffset(): void {
    if (this.saving || !this.hasUnsavedProgress()) return;
    // The loop awaits a save before it can end, so it is assigned here before its `finally`
    // clears it, and its last check and the clearing happen in one tick: no completion can
    // slip between them unsaved.
    this.saving = this.saveLoop();
  }

  private hasUnsavedProgress(): boolean {
    const target = this.tracker.committable;
    return target !== null && target !== this.savedOffset && !this.closed;
  }

  private async saveLoop(): Promise<void> {
    try {
      while (this.hasUnsavedProgress()) {
        const target = this.tracker.committable as string;
        const saved = await this.retrying('offset', async () => {
          await this.deps.offsets.save(this.definition.label, target);
          return true;
        });
        if (saved === undefined) return; // stopping: stop() flushes once more
        this.savedOffset = target;
      }
    } finally {
      this.saving = null;
    }
  }

  private async flushOffset(): Promise<void> {
    await this.saving;
    const target = this.tracker.committable;
    if (target === null || target === this.savedOffset) return;
    try {
      await this.deps.offsets.save(this.definition.label, target);
      this.savedOffset = target;
    } catch (err) {
      this.log.warn({ err, offset: target }, 'could not save the final offset: completed jobs will replay as no-ops');
    }
  }
}
