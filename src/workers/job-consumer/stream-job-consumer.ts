// The engine shared by the Lobby job consumers (CONTRACT §6; docs/workers.md "Job
// consumers"), put together from parts with one job each: the EntryReader reads the stream
// in order, the GameScheduler runs games concurrently and each game in stream order, the
// JobRunner answers one entry (the JobRetryPolicy deciding how long a job waits), and the
// OffsetCommitter moves the offset only past published outcomes: a crash replays, never
// loses, a job. This class owns the lifecycle: start, stop (drain, then a last save), problem.
import type { Logger } from 'pino';
import { settlesWithin } from '../../timing/deadline.js';
import type { StreamEntry } from '../../ports/stream-reader.js';
import type { BackgroundWorker } from '../background-worker.js';
import type { DecodedEntry } from './decoded-entry.js';
import { EntryReader, STREAM_BEGINNING } from './entry-reader.js';
import { GameScheduler } from './game-scheduler.js';
import { InfrastructureRetry } from './infrastructure-retry.js';
import {
  DEFAULT_MAX_THROWS,
  DEFAULT_RETRY_BACKOFF,
  type JobConsumerDefinition,
  type JobConsumerDeps,
  type JobConsumerSettings,
} from './job-consumer.definition.js';
import { JobRetryPolicy } from './job-retry.policy.js';
import { JobRunner } from './job-runner.js';
import { OffsetCommitter } from './offset-committer.js';
import { entryTimeMs } from './stream-entry-id.js';

export type { JobConsumerDefinition, JobConsumerDeps, JobConsumerSettings };

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
