// What the fleet rows watch, all from the bench process so both sides of a row are seen
// by the same observer: RTM's output streams (`runtime:job_results`,
// `runtime:health_events` under its prefix) on a dedicated blocking Redis connection, and
// the baseline for crash detection — Docker's own event stream, subscribed directly
// (label-filtered `die`, as minimal as a subscriber gets). Arrival times are
// performance.now() of the bench process.
import type { Readable } from 'node:stream';
import type Dockerode from 'dockerode';
import { Redis } from 'ioredis';
import { OWNER_LABEL, OWNER_VALUE } from '../src/domain/container-spec.js';
import type { BenchRun } from './bench-run.js';
import { REDIS_URL } from './bench-servers.js';

export interface Arrival {
  at: number;
  fields: Record<string, string>;
}

export class FleetObserver {
  /** game_id -> job result entries, in arrival order. */
  readonly results = new Map<string, Arrival[]>();
  /** `${game_id} ${event_type}` -> health event entries, in arrival order. */
  readonly health = new Map<string, Arrival[]>();
  /** container id -> arrival times of Docker `die` events. */
  readonly dies = new Map<string, number[]>();
  private readonly redis: Redis;
  private events: Readable | null = null;
  private stopped = false;
  private reading: Promise<void> | null = null;
  private waiters: Array<() => void> = [];

  constructor(
    private readonly run: BenchRun,
    private readonly streams: { jobResults: string; healthEvents: string },
  ) {
    this.redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null, connectionName: `rtm-bench-${run.runId}-observer` });
    this.redis.on('error', () => undefined);
  }

  async start(docker: Dockerode): Promise<void> {
    const stream = (await docker.getEvents({
      filters: { type: ['container'], event: ['die'], label: [`${OWNER_LABEL}=${OWNER_VALUE}`] },
    })) as Readable;
    this.events = stream;
    let buffer = '';
    stream.on('data', (chunk: Buffer) => {
      const at = performance.now();
      buffer += chunk.toString('utf8');
      for (let i = buffer.indexOf('\n'); i >= 0; i = buffer.indexOf('\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 1);
        try {
          const id = (JSON.parse(line) as { id?: string }).id;
          if (id) this.dies.set(id, [...(this.dies.get(id) ?? []), at]);
        } catch {
          // not a JSON line: ignore
        }
      }
      this.wake();
    });
    stream.on('error', () => undefined);
    this.reading = this.readStreams();
  }

  private async readStreams(): Promise<void> {
    const ids = { [this.streams.jobResults]: '0', [this.streams.healthEvents]: '0' };
    while (!this.stopped) {
      const reply = (await this.redis
        .xread('COUNT', 500, 'BLOCK', 250, 'STREAMS', this.streams.jobResults, this.streams.healthEvents, ids[this.streams.jobResults] ?? '0', ids[this.streams.healthEvents] ?? '0')
        .catch(() => null)) as Array<[string, Array<[string, string[]]>]> | null;
      if (!reply) continue;
      const at = performance.now();
      for (const [stream, entries] of reply) {
        for (const [id, flat] of entries) {
          ids[stream] = id;
          const fields: Record<string, string> = {};
          for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
          const gameId = fields.game_id ?? '';
          if (stream === this.streams.jobResults) this.results.set(gameId, [...(this.results.get(gameId) ?? []), { at, fields }]);
          else {
            const key = `${gameId} ${fields.event_type ?? ''}`;
            this.health.set(key, [...(this.health.get(key) ?? []), { at, fields }]);
          }
        }
      }
      this.wake();
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves with `probe()`'s first non-null answer, re-asked on every arrival; throws past the deadline. */
  async waitFor<T>(what: string, deadlineMs: number, probe: () => T | null): Promise<T> {
    const deadline = performance.now() + deadlineMs;
    for (;;) {
      const v = probe();
      if (v !== null) return v;
      const left = deadline - performance.now();
      if (left <= 0) throw new Error(`${what}: not seen within ${deadlineMs} ms`);
      this.run.checkpoint();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** First health event of this type for the game that arrived after `after`. */
  healthAfter(gameId: string, eventType: string, after: number): Arrival | null {
    return this.health.get(`${gameId} ${eventType}`)?.find((a) => a.at > after) ?? null;
  }

  dieAfter(containerId: string, after: number): number | null {
    return this.dies.get(containerId)?.find((t) => t > after) ?? null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.events?.destroy();
    this.redis.disconnect();
    await this.reading?.catch(() => undefined);
  }
}
