import path from 'node:path';
import { isValidGameId } from '../../src/domain/game-id.js';
import type { HealthEventType } from '../../src/domain/health.js';
import type { OpKind, OpSource, Outcome } from '../../src/domain/operation.js';
import type { Clock } from '../../src/ports/clock.js';
import type { LobbyClient, LobbyGameRecord } from '../../src/ports/lobby-client.js';
import { reconcileActionOf, type CompletedOperation, type HttpRequestObservation, type Metrics } from '../../src/ports/metrics.js';
import type { StateDirectories } from '../../src/ports/state-directory.js';

export class ManualClock implements Clock {
  constructor(private current = new Date('2026-01-01T00:00:00.000Z')) {}
  now(): Date {
    return new Date(this.current.getTime());
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
  set(date: Date): void {
    this.current = new Date(date.getTime());
  }
}

export class FakeStateDirectories implements StateDirectories {
  readonly ensured = new Set<string>();
  failNext: Error | null = null;
  constructor(private readonly root = '/srv/galaxy-state') {}
  pathFor(gameId: string): string {
    // Like FsStateDirectories: an invalid id never becomes a path.
    if (!isValidGameId(gameId)) throw new Error(`refusing state path for invalid game_id ${JSON.stringify(gameId)}`);
    return path.join(this.root, gameId);
  }
  async ensure(gameId: string): Promise<string> {
    this.pathFor(gameId);
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = null;
      throw e;
    }
    this.ensured.add(gameId);
    return this.pathFor(gameId);
  }
}

export class FakeLobbyClient implements LobbyClient {
  readonly games = new Map<string, LobbyGameRecord>();
  down = false;
  async getGame(gameId: string): Promise<LobbyGameRecord | null> {
    if (this.down) throw new Error('lobby unreachable');
    return this.games.get(gameId) ?? null;
  }
}

/**
 * Metrics that remember what was reported, with the Prometheus adapter's semantics (the
 * metrics contract suite in test/adapters/telemetry runs against both): counters add up,
 * the lag is read from its source at each read and never goes below zero.
 */
export class FakeMetrics implements Metrics {
  readonly operations: Array<{ opKind: OpKind; opSource: OpSource; outcome: Outcome; seconds: number; errorCode: string | null }> = [];
  readonly healthEvents: HealthEventType[] = [];
  readonly droppedHealthEvents: HealthEventType[] = [];
  /** By consumer: its lag source (read like a scrape: never below zero). */
  readonly lagSources = new Map<string, () => number>();
  readonly rejected: Array<{ consumer: string; reason: string }> = [];
  readonly jobRetries: Array<'start' | 'stop'> = [];
  readonly httpRequests: HttpRequestObservation[] = [];
  readonly dockerCalls: Array<{ operation: string; seconds: number; errorReason: string | null }> = [];
  /** Last state reported, null before the first report. */
  eventsConnected: boolean | null = null;
  eventsReconnects = 0;
  readonly reconcileActions: string[] = [];
  readonly leaseConflicts: OpKind[] = [];
  operationCompleted({ opKind, opSource, outcome, durationSeconds: seconds, errorCode = null }: CompletedOperation): void {
    this.operations.push({ opKind, opSource, outcome, seconds, errorCode });
    const reconcileKind = reconcileActionOf(opKind, outcome);
    if (reconcileKind !== null) this.reconcileActions.push(reconcileKind);
  }
  healthEventPublished(eventType: HealthEventType): void {
    this.healthEvents.push(eventType);
  }
  healthEventDropped(eventType: HealthEventType): void {
    this.droppedHealthEvents.push(eventType);
  }
  observeStreamLag(consumer: string, ageSeconds: () => number): void {
    this.lagSources.set(consumer, ageSeconds);
  }
  /** The consumer's lag now, as a scrape reads it; undefined when none registered. */
  lagOf(consumer: string): number | undefined {
    const source = this.lagSources.get(consumer);
    return source === undefined ? undefined : Math.max(0, source());
  }
  streamEntryRejected(consumer: string, reason: string): void {
    this.rejected.push({ consumer, reason });
  }
  jobRetried(jobKind: 'start' | 'stop'): void {
    this.jobRetries.push(jobKind);
  }
  httpRequestCompleted(request: HttpRequestObservation): void {
    this.httpRequests.push({ ...request });
  }
  dockerCallCompleted(operation: string, seconds: number, errorReason: string | null): void {
    this.dockerCalls.push({ operation, seconds, errorReason });
  }
  dockerEventsConnected(connected: boolean): void {
    this.eventsConnected = connected;
  }
  dockerEventsReconnecting(): void {
    this.eventsReconnects += 1;
  }
  reconcileActionTaken(kind: string): void {
    this.reconcileActions.push(kind);
  }
  leaseConflict(opKind: OpKind): void {
    this.leaseConflicts.push(opKind);
  }
  /** By worker: its interval, last success (Unix s) and rounds. */
  readonly workers = new Map<string, { intervalSeconds: number; lastSuccess: number; rounds: Array<{ ok: boolean; seconds: number }> }>();
  workerStarted(worker: string, intervalSeconds: number, atSeconds: number): void {
    this.workers.set(worker, { intervalSeconds, lastSuccess: atSeconds, rounds: this.workers.get(worker)?.rounds ?? [] });
  }
  workerStopped(worker: string): void {
    this.workers.delete(worker);
  }
  workerRoundCompleted(worker: string, ok: boolean, seconds: number, atSeconds: number): void {
    const state = this.workers.get(worker) ?? { intervalSeconds: 0, lastSuccess: 0, rounds: [] };
    state.rounds.push({ ok, seconds });
    if (ok) state.lastSuccess = atSeconds;
    this.workers.set(worker, state);
  }
}
