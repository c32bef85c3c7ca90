// The engine shared by the Lobby job consumers (CONTRACT §6; docs/workers.md "Job
// consumers"), put together from parts with one job each: the EntryReader reads the stream
// in order, the GameScheduler runs games concurrently and each game in stream order, the
// JobRunner answers one entry (the JobRetryPolicy deciding how long a job waits), and the
// OffsetCommitter moves the offset only past published outcomes: a crash replays, never
// loses, a job. This class owns the lifecycle: start, stop (drain, then a last save), problem.
import type { Logger } from 'pino';
import type { OperationResult } from '../../domain/operation-result.js';
import type { Clock } from '../../ports/clock.js';
import type { Metrics } from '../../ports/metrics.js';
import type { JobAnswerLedger, JobResult, JobResultPublisher } from '../../ports/publishers.js';
import type { StreamOffsetStore } from '../../ports/stream-offset.store.js';
import type { BackoffSettings } from '../../timing/backoff.policy.js';
import { settlesWithin } from '../../timing/deadline.js';
import type { StreamEntry, StreamReader } from '../../ports/stream-reader.js';
import type { BackgroundWorker } from '../background-worker.js';
import { EntryReader, STREAM_BEGINNING } from './entry-reader.js';
import { GameScheduler } from './game-scheduler.js';
import { InfrastructureRetry } from './infrastructure-retry.js';
import { JobRetryPolicy, JobRunner, entryTimeMs, type JobAttempt } from './job-runner.js';
import { OffsetCommitter } from './offset-committer.js';

// What a consumer's decoder makes of one stream entry (CONTRACT §6 malformed jobs).
export type DecodedEntry<J> =
  /** A well-formed job. */
  | { kind: 'job'; gameId: string; job: J }
  /** Malformed, with a readable game_id (valid or not): answered with a failure result `invalid_request`. */
  | { kind: 'invalid'; gameId: string; message: string }
  /** No readable game_id to answer to: logged and counted (`reason` is the metric label). */
  | { kind: 'rejected'; reason: RejectionReason; message: string };

export type RejectionReason = 'missing_game_id' | 'invalid_game_id' | 'undecodable';

// What distinguishes the start and stop consumers (definition, lobby-jobs.ts), the ports a
// consumer uses (deps) and its knobs (settings).
export interface JobConsumerDefinition<J> {
  /** Consumer label: the offset key and the `consumer` metric label (e.g. `start_jobs`). */
  label: string;
  jobKind: JobResult['jobKind'];
  decode(entry: StreamEntry): DecodedEntry<J>;
  /** Calls the service with the attempt's operation context; a throw is a bug (job-retry.policy.ts). */
  execute(job: J, attempt: JobAttempt): Promise<OperationResult>;
  /** image_ref for the result when the operation returned no record. */
  requestedImageRef(job: J): string | null;
}

/** The part of a span the consumer annotates. */
export interface JobSpan {
  setAttribute(key: string, value: string): unknown;
}

/** The job a span is about: its stream entry id and game. */
export interface TracedJob {
  messageId: string;
  gameId: string;
  jobKind: JobResult['jobKind'];
}

/** Runs `fn` inside the job's CONSUMER span (the composition root passes the telemetry adapter's). */
export type TraceJob = <T>(job: TracedJob, fn: (span: JobSpan) => Promise<T>) => Promise<T>;

export interface JobConsumerDeps {
  reader: StreamReader;
  offsets: StreamOffsetStore;
  results: JobResultPublisher;
  /** Jobs already answered (a replay after a crash between publish and offset save); none when absent. */
  answers?: JobAnswerLedger;
  metrics: Metrics;
  clock: Clock;
  logger: Logger;
  /** No tracing unless given. */
  traceJob?: TraceJob;
}

export interface JobConsumerSettings {
  stream: string;
  blockMs: number;
  batchSize: number;
  /** Jobs for different games in flight at once. */
  concurrency: number;
  /** How long stop() waits for in-flight jobs before abandoning them (they replay later). */
  shutdownTimeoutMs: number;
  /** Pacing of every retry: infrastructure faults (read, publish, offset) and retryable results. */
  backoff?: BackoffSettings;
  /** RTMANAGER_JOB_MAX_AGE: a job older than this is answered with its next outcome; null/absent = never. */
  maxAgeMs?: number | null;
  /** Service throws tolerated per job before it is answered internal_error. */
  maxThrows?: number;
}

export const DEFAULT_RETRY_BACKOFF: BackoffSettings = { initialMs: 250, maxMs: 5_000 };
export const DEFAULT_MAX_THROWS = 5;

export class StreamJobConsumer<J> implements BackgroundWorker {
  readonly name: string;
  private readonly log: Logger;
  private readonly stopController = new AbortController();
  private readonly retry: InfrastructureRetry;
  private readonly reader: EntryReader;
  private readonly scheduler: GameScheduler;
  private readonly committer: OffsetCommitter;
  private readonly runner: JobRunner<J>;
  private running: Promise<void> | null = null;
  private stopped: Promise<void> | null = null;

  constructor(
    private readonly deps: JobConsumerDeps,
    private readonly definition: JobConsumerDefinition<J>,
    private readonly settings: JobConsumerSettings,
  ) {
    this.name = `${definition.label}_consumer`;
    this.log = deps.logger.child({ consumer: definition.label, stream: settings.stream });
    const signal = this.stopController.signal;
    const backoff = settings.backoff ?? DEFAULT_RETRY_BACKOFF;
    this.retry = new InfrastructureRetry(backoff, signal, deps.clock, this.log);
    // Entries read but not yet committed, at most this many (backpressure on a stuck head).
    const maxPending = Math.max(settings.batchSize, settings.concurrency * 4);
    this.reader = new EntryReader(deps.reader, { ...settings, maxPending }, this.retry, signal, this.log);
    this.scheduler = new GameScheduler(settings.concurrency, signal, (err) => this.log.error({ err }, 'job processing crashed'));
    this.committer = new OffsetCommitter(definition.label, deps.offsets, this.retry, this.log);
    const policy = new JobRetryPolicy({ backoff, maxAgeMs: settings.maxAgeMs ?? null, maxThrows: settings.maxThrows ?? DEFAULT_MAX_THROWS }, signal);
    this.runner = new JobRunner(deps, definition, policy, this.retry, this.log);
    // Lag is the age of the oldest job not answered yet, at scrape time: it grows while that
    // job waits or retries, and drops to 0 once every job read is answered.
    deps.metrics.observeStreamLag(definition.label, () => this.oldestUnansweredAgeSeconds());
  }

  start(): void {
    if (this.running) return;
    this.running = this.loop().catch((err: unknown) => {
      // Every expected failure is handled where it happens; reaching here is a bug.
      this.log.error({ err }, 'job consumer loop crashed');
      this.retry.report('read', err);
    });
  }

  async stop(): Promise<void> {
    if (!this.stopController.signal.aborted) {
      this.stopController.abort();
      this.reader.notify();
      this.stopped = this.shutDown();
    }
    await this.stopped;
  }

  problem(): string | null {
    return this.retry.problem(this.definition.label);
  }

  private async loop(): Promise<void> {
    const stored = await this.committer.load();
    if (stored === undefined) return; // stopped while Redis was away
    this.log.info({ offset: stored ?? STREAM_BEGINNING, stored: stored !== null }, 'job consumer started');
    await this.reader.run(
      stored ?? STREAM_BEGINNING,
      () => this.committer.pendingCount,
      (entry) => this.dispatch(entry),
    );
  }

  private oldestUnansweredAgeSeconds(): number {
    const oldest = this.committer.oldestUnanswered;
    const appendedMs = oldest === null ? null : entryTimeMs(oldest);
    return appendedMs === null ? 0 : Math.max(0, (this.deps.clock.now().getTime() - appendedMs) / 1000);
  }

  private dispatch(entry: StreamEntry): void {
    this.committer.track(entry.id);
    const decoded = this.decode(entry);
    // Entries with no readable game id touch no game: they need no ordering.
    const key = decoded.kind === 'rejected' ? `entry:${entry.id}` : `game:${decoded.gameId}`;
    this.scheduler.schedule(key, async () => {
      if (!(await this.runner.run(entry, decoded))) return;
      this.committer.complete(entry.id);
      this.reader.notify();
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

  /** Drain in-flight jobs, then save the offset of completed work; all within the timeout. */
  private async shutDown(): Promise<void> {
    const deadline = Date.now() + this.settings.shutdownTimeoutMs;
    const drained = settlesWithin(
      (async () => {
        await this.running;
        await this.scheduler.idle();
      })(),
      this.settings.shutdownTimeoutMs,
    );
    if (!(await drained)) this.log.warn({ in_flight: this.scheduler.size }, 'shutdown timeout: abandoning in-flight jobs (they replay on next start)');
    if (!(await settlesWithin(this.committer.flush(), deadline - Date.now()))) this.log.warn('shutdown timeout: the final offset save did not finish');
    this.log.info({ offset: this.committer.savedOffset }, 'job consumer stopped');
  }
}
