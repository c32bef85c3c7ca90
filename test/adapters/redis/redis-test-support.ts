// Shared pieces of the Redis adapter suites: a connection to the test Redis, key cleanup
// by prefix, and loggers.
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { TEST_REDIS_URL } from '../../support/test-env.js';

export function connectTestRedis(): Redis {
  return new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
}

export { deleteKeysWithPrefix } from '../../support/test-env.js';

export const silentLogger: Logger = pino({ level: 'silent' });

/** A logger whose JSON lines land in `lines`. */
export function capturingLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}
