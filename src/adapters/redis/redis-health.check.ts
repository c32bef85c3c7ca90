// /readyz check for Redis: a PING answered within a short timeout. ioredis queues commands
// while it reconnects, so without our own deadline a dead Redis would just hang the probe.
import type { Redis } from 'ioredis';
import type { ReadinessCheck } from '../../ports/readiness-check.js';

export class RedisHealthCheck implements ReadinessCheck {
  readonly name = 'redis';

  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs = 1000,
  ) {}

  async check(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const ping = this.redis.ping();
    // The ping may still settle after the deadline; nobody is listening then.
    ping.catch(() => undefined);
    try {
      const reply = await Promise.race([
        ping,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`redis did not answer PING within ${this.timeoutMs} ms`)), this.timeoutMs);
          timer.unref();
        }),
      ]);
      if (reply !== 'PONG') throw new Error(`redis answered PING with ${String(reply)}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
