// Test harness of the job consumers: recording fakes that write one shared sequence of
// effects (so tests can assert "published before the offset was saved"), a scripted
// service, and gates to hold a job mid-flight without sleeping.
import { pino } from 'pino';
import type { OperationResult } from '../../../src/domain/operation-result.js';
import type { RuntimeRecord } from '../../../src/domain/runtime-record.js';
import type { JobAnswerLedger, JobResult, JobResultPublisher } from '../../../src/ports/publishers.js';
import type { StreamOffsetStore } from '../../../src/ports/stream-offset.store.js';
import type { JobConsumerDeps, JobConsumerSettings } from '../../../src/workers/job-consumer/stream-job-consumer.js';
import { FakeMetrics, ManualClock } from '../../fakes/misc.fake.js';
import { FakeStreamReader } from '../../fakes/stream-reader.fake.js';

export const START_STREAM = 'runtime:start_jobs';
export const STOP_STREAM = 'runtime:stop_jobs';

export class EffectLog {
  readonly effects: string[] = [];
  record(effect: string): void {
    this.effects.push(effect);
  }
}

export class RecordingOffsetStore implements StreamOffsetStore {
  readonly offsets = new Map<string, string>();
  /** Saves and loads throw while this is set: a Redis outage. */
  failing: Error | null = null;
  /** Only saves throw while this is set. */
  failingSaves: Error | null = null;
  saveAttempts = 0;
  constructor(private readonly log: EffectLog) {}
  async load(label: string): Promise<string | null> {
    if (this.failing) throw this.failing;
    return this.offsets.get(label) ?? null;
  }
  async save(label: string, entryId: string): Promise<void> {
    this.saveAttempts += 1;
    if (this.failing ?? this.failingSaves) throw this.failing ?? this.failingSaves;
    this.offsets.set(label, entryId);
    this.log.record(`save ${entryId}`);
  }
}

/** Also the answers ledger, as the Redis publisher is: a job is answered once it was published. */
export class RecordingJobResultPublisher implements JobResultPublisher, JobAnswerLedger {
  readonly published: JobResult[] = [];
  /** The next this-many publishes throw. */
  failTimes = 0;
  attempts = 0;
  constructor(private readonly log: EffectLog) {}
  async publish(result: JobResult): Promise<string> {
    this.attempts += 1;
    if (this.failTimes > 0) {
      this.failTimes -= 1;
      throw new Error('publish failed: connection reset');
    }
    this.published.push(structuredClone(result));
    this.log.record(`publish ${result.jobId}`);
    return `9-${this.published.length}`;
  }
  async wasAnswered(jobKind: JobResult['jobKind'], jobId: string): Promise<boolean> {
    return this.published.some((r) => r.jobKind === jobKind && r.jobId === jobId);
  }
  byJob(jobId: string): JobResult | undefined {
    return this.published.find((r) => r.jobId === jobId);
  }
}

/** FakeMetrics (which passes the Metrics contract); the consumers' lag is read with `lagOf`, as a scrape does. */
export class RecordingMetrics extends FakeMetrics {}

export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** How the consumer said it retries a call (the operation context's retry fields). */
export interface RetryContext {
  retries?: number;
  deferRetryable?: boolean;
}

/**
 * A service stand-in: records each call's input (without the retry fields, which go to
 * `contexts`) and answers through `respond` (replaceable per test).
 */
export class ScriptedService<I extends { gameId: string }> {
  readonly calls: I[] = [];
  readonly contexts: RetryContext[] = [];
  readonly finished: I[] = [];
  respond: (input: I) => Promise<OperationResult> = async (input) => ({
    outcome: 'success',
    errorCode: null,
    errorMessage: null,
    record: runningRecord(input.gameId, (input as { imageRef?: string }).imageRef ?? 'galaxy/game:1.0.0'),
  });
  async execute(call: I & RetryContext): Promise<OperationResult> {
    const { retries, deferRetryable, ...rest } = call;
    const input = rest as unknown as I;
    this.calls.push(input);
    this.contexts.push({ retries, deferRetryable });
    const result = await this.respond(input);
    this.finished.push(input);
    return result;
  }
  /** Game ids in call order. */
  get calledGames(): string[] {
    return this.calls.map((c) => c.gameId);
  }
}

export function runningRecord(gameId: string, imageRef: string): RuntimeRecord {
  const at = new Date('2026-01-01T00:00:00Z');
  return {
    gameId,
    status: 'running',
    currentContainerId: `cid-${gameId}`,
    currentImageRef: imageRef,
    engineEndpoint: `http://galaxy-game-${gameId}:8080`,
    statePath: `/srv/galaxy-state/${gameId}`,
    createdAt: at,
    startedAt: at,
    stoppedAt: null,
    removedAt: null,
    lastOpAt: at,
    limits: null,
  };
}

export function stoppedRecord(gameId: string, imageRef: string): RuntimeRecord {
  const at = new Date('2026-01-01T00:00:00Z');
  return { ...runningRecord(gameId, imageRef), status: 'stopped', stoppedAt: at, lastOpAt: at };
}

/** Everything a consumer needs, sharing one effect log. */
export class ConsumerWorld {
  readonly log = new EffectLog();
  readonly offsets = new RecordingOffsetStore(this.log);
  readonly results = new RecordingJobResultPublisher(this.log);
  readonly metrics = new RecordingMetrics();
  /** Entry ids carry this fake time; the consumer's clock may run ahead of it (lag). */
  streamNowMs = Date.parse('2026-01-01T00:00:00Z');
  readonly reader = new FakeStreamReader(() => this.streamNowMs);
  readonly clock = new ManualClock(new Date(this.streamNowMs));

  deps(): JobConsumerDeps {
    return {
      reader: this.reader,
      offsets: this.offsets,
      results: this.results,
      answers: this.results,
      metrics: this.metrics,
      clock: this.clock,
      logger: pino({ level: 'silent' }),
    };
  }
}

export function testSettings(stream: string, overrides: Partial<JobConsumerSettings> = {}): JobConsumerSettings {
  return {
    stream,
    blockMs: 50,
    batchSize: 16,
    concurrency: 4,
    shutdownTimeoutMs: 2_000,
    backoff: { initialMs: 5, maxMs: 20 },
    ...overrides,
  };
}

export function startJobFields(gameId: string, imageRef = 'galaxy/game:1.0.0'): Record<string, string> {
  return { game_id: gameId, image_ref: imageRef, requested_at_ms: '1767225600000' };
}

export function stopJobFields(gameId: string, reason = 'finished'): Record<string, string> {
  return { game_id: gameId, reason, requested_at_ms: '1767225600000' };
}
