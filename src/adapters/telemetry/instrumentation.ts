// The maintained OpenTelemetry instrumentations (docs/observability.md "Spans"), loaded by
// the process bootstrap (src/main.ts) only when tracing is on, before pg, ioredis or fastify
// are loaded: RTM is ESM, so its own imports of pg and ioredis are hooked through
// import-in-the-middle's loader (module.register), which wraps only the modules an
// instrumentation asked for; their CommonJS internals (pg-pool, http) through require.
//
// What is traced: work under an RTM span (a REST request, a stream job, a stream write).
// Every client instrumentation requires a parent span, so background polling (probes every
// interval per engine, inspect passes, XREAD BLOCK loops, readiness and scrapes) makes no
// spans at all; the probe, scrape and readiness routes are not traced either.
import { register } from 'node:module';
import { FastifyOtelInstrumentation } from '@fastify/otel';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { createAddHookMessageChannel } from 'import-in-the-middle';

/** Polled by orchestrators and Prometheus every few seconds: one trace each would drown the rest. */
export const UNTRACED_ROUTES: readonly string[] = ['/healthz', '/readyz', '/metrics'];

function untracedPath(url: string | undefined): boolean {
  const path = (url ?? '').split('?')[0] ?? '';
  return UNTRACED_ROUTES.includes(path);
}

/** Registers the loader hook and the instrumentations; resolves once the loader knows what to wrap. */
export async function instrumentProcess(): Promise<void> {
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register('import-in-the-middle/hook.mjs', import.meta.url, registerOptions);
  registerInstrumentations({
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => untracedPath(request.url),
        // Docker calls (docker-modem over the socket) nest under RTM's docker.* spans; the
        // events stream is one request open for hours, not a span.
        requireParentforOutgoingSpans: true,
        ignoreOutgoingRequestHook: (options) => typeof options.path === 'string' && options.path.split('?')[0]?.endsWith('/events') === true,
      }),
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        ignorePaths: (route) => untracedPath(route.url),
        // One span for the request and one for the handler; not one per lifecycle hook.
        instrumentHooks: false,
      }),
      new UndiciInstrumentation({ requireParentforSpans: true }),
      new PgInstrumentation({ requireParentSpan: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  await waitForAllMessagesAcknowledged();
}
