// Process entry: config (exit 2 on bad env), migrations (exit 1 on failure, before any
// listener opens), then the service; SIGTERM/SIGINT stop it within the shutdown timeout.
import { ConfigError, loadConfig } from './app/config.js';
import { createLogger } from './app/logger.js';
import { startRtm } from './app/rtm.js';
import { settlesWithin } from './timing/deadline.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`rtmanager: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config);
  let rtm;
  try {
    rtm = await startRtm(config, logger);
  } catch (err) {
    logger.fatal({ err }, 'startup failed');
    process.exitCode = 1;
    return;
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const stopped = rtm.stop().then(
      () => 0,
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        return 1;
      },
    );
    void settlesWithin(stopped, config.lifecycle.shutdownTimeoutMs).then(async (inTime) => {
      if (!inTime) {
        logger.error({ timeout_ms: config.lifecycle.shutdownTimeoutMs }, 'shutdown timeout reached; abandoning in-flight work');
        process.exit(1);
      }
      const code = await stopped;
      if (code === 0) logger.info('stopped');
      process.exit(code);
    });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (process.argv.includes('--exit-with-parent')) watchParent(() => shutdown('parent exited'));
}

/**
 * npm 11 does not forward SIGTERM to the script it runs: it exits and leaves us orphaned.
 * Under `npm start` (scripts/start.sh passes the flag) losing the parent is treated as SIGTERM.
 */
function watchParent(onOrphaned: () => void): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      onOrphaned();
    }
  }, 250);
  timer.unref();
}

void main();
