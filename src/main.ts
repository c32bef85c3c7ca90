// Process entry (`node dist/src/main.js`): a bootstrap. With tracing off it starts the
// bundled service (dist/bundle/service-main.mjs, scripts/build-dist.mjs) when it is fresh.
// With tracing on, OpenTelemetry's instrumentations must be registered before pg, ioredis and
// fastify load, so the service (src/app/service-main.ts) is imported module by module, only
// afterwards; with tracing off nothing of OpenTelemetry's SDK is loaded (docs/observability.md).
import { tracingRequested } from './app/config.js';
import { chooseStartPath, startPathFiles } from './app/start-path.js';

const tracing = tracingRequested(process.env);
const files = startPathFiles(import.meta.url);
const choice = chooseStartPath(files, tracing);
if (choice.staleBundle) process.emitWarning(`not starting the bundle: ${choice.staleBundle}`, 'RtmStartPath');
if (tracing) {
  const { instrumentProcess } = await import('./adapters/telemetry/instrumentation.js');
  await instrumentProcess();
}
type ServiceModule = typeof import('./app/service-main.js');
const service = (choice.path === 'bundle' ? await import(files.bundle.href) : await import('./app/service-main.js')) as ServiceModule;
await service.runService({ startPath: choice.path });
