// die/oom events that could not be handled when they came (a store down), kept until a
// resync handles them: by then the reconciler may have marked the record stopped, which the
// running-records pass would not see, and the death must still be published. Bounded: the
// oldest is dropped first (the running-records pass still re-derives what it can).
import type { Logger } from 'pino';
import type { DockerEvent } from '../../ports/docker-runtime.js';

const CAPACITY = 10_000;

export class UnhandledDeaths {
  private readonly kept = new Map<string, { gameId: string; event: DockerEvent }>();

  constructor(private readonly logger: Logger) {}

  keep(key: string, gameId: string, event: DockerEvent): void {
    this.kept.set(key, { gameId, event });
    if (this.kept.size <= CAPACITY) return;
    const oldest = this.kept.keys().next().value;
    if (oldest !== undefined) this.kept.delete(oldest);
    this.logger.warn({ capacity: CAPACITY }, 'too many unhandled docker events; dropped the oldest');
  }

  /** Handles each kept event again, in order; one that still fails stays kept, and throws. */
  async retry(handle: (gameId: string, event: DockerEvent) => Promise<void>): Promise<void> {
    for (const [key, { gameId, event }] of [...this.kept]) {
      await handle(gameId, event);
      this.kept.delete(key);
    }
  }
}
