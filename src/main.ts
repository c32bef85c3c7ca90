// Process entry (`node dist/src/main.js`): a bootstrap. With tracing on, OpenTelemetry's
// instrumentations must be registered before pg, ioredis and fastify load, so the service
// itself (src/app/service-main.ts) is imported only afterwards. With tracing off nothing of
// OpenTelemetry's SDK or instrumentations is loaded (docs/observability.md).
import { tracingRequested } from './app/config.js';

if (tracingRequested(process.env)) {
  const { instrumentProcess } = await import('./adapters/telemetry/instrumentation.js');
  await instrumentProcess();
}
await import('./app/service-main.js');
