/**
 * Shape of every long-running worker, so the composition root can start them after the
 * startup reconcile and stop them on shutdown in one way.
 */
export interface BackgroundWorker {
  readonly name: string;
  /** Begin the loop; returns at once. */
  start(): void;
  /** Stop taking new work; resolve when in-flight work finished or was abandoned cleanly. */
  stop(): Promise<void>;
  /** For /readyz: null when fine, else a short reason (e.g. "redis unreachable"). */
  problem?(): string | null;
}
