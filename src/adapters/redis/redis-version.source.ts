// Redis's server version for /api/v1/internal/diagnostics, from `INFO server`.
import type { Redis } from 'ioredis';
import type { VersionSource } from '../../ports/diagnostics.js';

export class RedisVersionSource implements VersionSource {
  readonly name = 'redis';

  constructor(private readonly redis: Redis) {}

  async version(): Promise<string> {
    const info = await this.redis.info('server');
    const match = /^redis_version:(.+)$/m.exec(info);
    if (!match?.[1]) throw new Error('INFO server has no redis_version');
    return match[1].trim();
  }
}
