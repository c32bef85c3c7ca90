// /readyz check for Redis: a PING answered within a short timeout. ioredis queues commands
// while it reconnects, so without our own deadline a dead Redis would just hang the probe.
import type { Redis } from 'ioredis';
import type { ReadinessCheck } from '../../ports/readiness-check.js';
import { withDeadline } from '../../timing/deadline.js';

export class RedisHealthCheck implements ReadinessCheck {
  readonly name = 'redis';

  constructor(
    private readonly redis: Redis,
    private readonly timeoutMs = 1000,
  ) {}

  async check(): Promise<void> {
    const ping = this.redis.ping();
    // The ping may still settle after the deadline; nobody is listening then.
    ping.catch(() => undefined);
    const reply = await withDeadline(ping, this.timeoutMs, () => new Error(`redis did not answer PING within ${this.timeoutMs} ms`));
    if (reply !== 'PONG') throw new Error(`redis answered PING with ${String(reply)}`);
  }
}
