import pino, { type Logger } from 'pino';
import type { RtmConfig } from './config.js';

/** The process logger: pino JSON to stdout; fastify uses the same instance. */
export function createLogger(config: Pick<RtmConfig, 'logging' | 'telemetry'>): Logger {
  return pino({
    level: config.logging.level,
    base: { service: config.telemetry.serviceName, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
