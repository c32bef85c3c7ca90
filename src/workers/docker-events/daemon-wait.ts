// The wait between two connection attempts of the events stream, cut short when the daemon
// answers: it is pinged every `pingEveryMs` during the wait, and the first answer ends it.
// So the listener (and /readyz, which follows it) recovers within about one ping interval
// of the daemon answering instead of waiting out a long backoff step, while a daemon that
// answers pings but keeps breaking the stream is still tried at most once per interval.
import { abortableSleep } from '../../timing/abortable-sleep.js';
import { withDeadline } from '../../timing/deadline.js';

export type DaemonWaitOutcome = 'elapsed' | 'daemon_answers' | 'stopped';

export interface DaemonWaitOptions {
  waitMs: number;
  ping: () => Promise<void>;
  /** How often the daemon is pinged during the wait (and the shortest wait). */
  pingEveryMs: number;
  signal: AbortSignal;
}

export async function waitForDaemon({ waitMs, ping, pingEveryMs, signal }: DaemonWaitOptions): Promise<DaemonWaitOutcome> {
  const until = Date.now() + waitMs;
  for (;;) {
    const left = until - Date.now();
    if (left <= 0) return 'elapsed';
    if (!(await abortableSleep(Math.min(left, pingEveryMs), signal))) return 'stopped';
    if (Date.now() >= until) return 'elapsed';
    const answered = await withDeadline(ping(), pingEveryMs, () => new Error('docker ping timed out')).then(
      () => true,
      () => false,
    );
    if (answered) return 'daemon_answers';
  }
}
