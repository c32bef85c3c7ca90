// The wait between two connection attempts of the events stream, cut short when the daemon
// comes back: a daemon that failed a ping during the wait and then answers one ends it at
// once, so the listener (and /readyz, which follows it) recovers within one ping interval
// of the daemon answering instead of waiting out a long backoff step.
import { abortableSleep } from '../../timing/abortable-sleep.js';
import { withDeadline } from '../../timing/deadline.js';

export type DaemonWaitOutcome = 'elapsed' | 'daemon_back' | 'stopped';

export interface DaemonWaitOptions {
  waitMs: number;
  ping: () => Promise<void>;
  /** How often the daemon is pinged during the wait. */
  pingEveryMs: number;
  signal: AbortSignal;
}

export async function waitForDaemon({ waitMs, ping, pingEveryMs, signal }: DaemonWaitOptions): Promise<DaemonWaitOutcome> {
  const until = Date.now() + waitMs;
  let failedPing = false;
  for (;;) {
    const left = until - Date.now();
    if (left <= 0) return 'elapsed';
    if (!(await abortableSleep(Math.min(left, pingEveryMs), signal))) return 'stopped';
    if (Date.now() >= until) return 'elapsed';
    // A daemon that answered all along broke the stream for another reason: keep the backoff.
    const answered = await withDeadline(ping(), pingEveryMs, () => new Error('docker ping timed out')).then(
      () => true,
      () => false,
    );
    if (!answered) failedPing = true;
    else if (failedPing) return 'daemon_back';
  }
}
