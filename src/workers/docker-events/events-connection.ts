// The listener's connection to the Docker events stream: open it, hand each event on in
// order, and when the stream ends or breaks reconnect (retryWithBackoff, the wait cut short
// once the daemon answers a ping) resuming from the newest event seen. A connection that
// stays up a moment counts as healthy again: the backoff and the failure count reset, and
// after a break the listener is told so it can resync.
import type { Logger } from 'pino';
import type { Clock } from '../../ports/clock.js';
import type { DockerEvent, DockerRuntime } from '../../ports/docker-runtime.js';
import type { Metrics } from '../../ports/metrics.js';
import { Backoff } from '../../timing/backoff.policy.js';
import { retryWithBackoff } from '../../timing/retry.js';
import { waitForDaemon } from './daemon-wait.js';

export interface EventsConnectionSettings {
  reconnectInitialMs: number;
  reconnectMaxMs: number;
  /** A connection open this long without breaking counts as healthy again. */
  healthyAfterMs: number;
  /** How often the daemon is pinged while waiting to reconnect. */
  pingEveryMs: number;
}

export interface EventsConnectionDeps {
  docker: Pick<DockerRuntime, 'events' | 'ping'>;
  metrics: Pick<Metrics, 'dockerEventsConnected' | 'dockerEventsReconnecting'>;
  clock: Clock;
  logger: Logger;
  settings: EventsConnectionSettings;
  /** Each event, in order: the next one is read once this resolves. */
  onEvent: (e: DockerEvent) => Promise<void>;
  /** A connection after a break stayed up: what was missed meanwhile needs a resync. */
  onReconnected: () => void;
  /** The newest daemon time seen (ns), where a reconnect resumes; null before the first event. */
  resumeFrom: () => bigint | null;
}

const NANOS_PER_SECOND = 1_000_000_000n;

export class EventsConnection {
  /** Reconnects since the last healthy connection (problem() of the listener). */
  failedAttempts = 0;
  /** How many times the stream was opened. */
  connections = 0;
  private readonly reconnect: Backoff;

  constructor(private readonly deps: EventsConnectionDeps) {
    this.reconnect = new Backoff({ initialMs: deps.settings.reconnectInitialMs, maxMs: deps.settings.reconnectMaxMs });
  }

  /** Connects, and reconnects whenever the stream ends, until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { settings, metrics, logger } = this.deps;
    // First connection: replay from the start of this second, so a death between the
    // startup reconcile and this subscription is not lost.
    let since = Math.floor(this.deps.clock.now().getTime() / 1000);
    let broke = false;
    const connection = async (): Promise<void> => {
      const resume = this.deps.resumeFrom();
      if (resume !== null) since = Number(resume / NANOS_PER_SECOND);
      await this.consume(since, broke, signal);
      metrics.dockerEventsConnected(false);
      broke = true;
    };
    const untilDaemonAnswers = async (waitMs: number): Promise<boolean> => {
      const waited = await waitForDaemon({ waitMs, ping: () => this.deps.docker.ping(), pingEveryMs: settings.pingEveryMs, signal });
      if (waited === 'daemon_answers') logger.info({ attempt: this.failedAttempts }, 'docker daemon answers again; reconnecting now');
      return waited !== 'stopped';
    };
    await retryWithBackoff(connection, {
      backoff: this.reconnect,
      signal,
      done: () => false, // a stream never ends well: every end is a reconnect
      wait: untilDaemonAnswers,
      onRetry: (_, waitMs) => {
        metrics.dockerEventsReconnecting();
        this.failedAttempts += 1;
        logger.warn({ since, retry_in_ms: waitMs, attempt: this.failedAttempts }, 'docker events stream broke; reconnecting');
      },
    });
  }

  /** One connection: returns when the stream ends, throws or `signal` aborts. */
  private async consume(since: number, afterBreak: boolean, signal: AbortSignal): Promise<void> {
    let onAbort: () => void = () => undefined;
    const stopped = new Promise<'stopped'>((resolve) => {
      onAbort = () => resolve('stopped');
      if (signal.aborted) resolve('stopped');
      signal.addEventListener('abort', onAbort, { once: true });
    });
    let iterator: AsyncIterator<DockerEvent> | null = null;
    let healthy = false;
    // Connected and not broken for a moment (or an event arrived): the stream is back.
    const becameHealthy = () => {
      if (healthy) return;
      healthy = true;
      this.deps.metrics.dockerEventsConnected(true);
      this.failedAttempts = 0;
      this.reconnect.reset();
      if (afterBreak) this.deps.onReconnected();
    };
    const settle = setTimeout(becameHealthy, this.deps.settings.healthyAfterMs);
    settle.unref();
    try {
      this.connections += 1;
      iterator = this.deps.docker.events({ since, signal })[Symbol.asyncIterator]();
      for (;;) {
        // Raced against stop so a stream that ignores its signal cannot hold shutdown.
        const next = await Promise.race([iterator.next(), stopped]);
        if (next === 'stopped' || next.done) break;
        becameHealthy();
        await this.deps.onEvent(next.value);
      }
    } catch (err) {
      if (!signal.aborted) this.deps.logger.warn({ err }, 'docker events stream failed');
    } finally {
      clearTimeout(settle);
      signal.removeEventListener('abort', onAbort);
      iterator?.return?.().catch(() => undefined);
    }
  }
}
