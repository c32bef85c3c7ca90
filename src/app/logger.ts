import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';
import type { RtmConfig } from './config.js';

/**
 * trace_id and span_id of the active span, on every line written under one (tracing on);
 * nothing otherwise. With tracing off no span is ever active and this costs one lookup.
 */
export function activeTraceFields(): Record<string, string> {
  const span = trace.getSpan(context.active());
  if (!span) return {};
  const ctx = span.spanContext();
  return isSpanContextValid(ctx) ? { trace_id: ctx.traceId, span_id: ctx.spanId } : {};
}

/** The process logger: pino JSON to stdout; fastify uses the same instance. */
export function createLogger(config: Pick<RtmConfig, 'logging' | 'telemetry'>): Logger {
  return pino({
    level: config.logging.level,
    base: { service: config.telemetry.serviceName, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: activeTraceFields,
  });
}
