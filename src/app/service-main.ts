// The service process: config (exit 2 on bad env), migrations (exit 1 on failure, before any
// listener opens), then the service; SIGTERM/SIGINT stop it within the shutdown timeout.
// Run by the bootstrap (src/main.ts) once tracing instrumentation, if any, is in place, from
// dist/src/ or from the bundle of this module (scripts/build-dist.mjs): `startPath` says which.
import { readBuildInfo } from './build-info.js';
import { renderConfigHelp } from './config-catalog.js';
import { ConfigError, loadConfig, type RtmConfig } from './config.js';
import { parseEntryCommand, USAGE } from './entry-command.js';
import { createLogger } from './logger.js';
import { healthcheck, migrateOnly } from './one-shot-commands.js';
import { startRtm } from './rtm.js';
import type { StartPath } from './start-path.js';
import { settlesWithin } from '../timing/deadline.js';

export async function runService(entry: { startPath: StartPath }): Promise<void> {
  const command = parseEntryCommand(process.argv.slice(2));
  if (command.kind === 'usage_error') {
    process.stderr.write(`rtmanager: ${command.message}\n${USAGE}`);
    process.exit(2);
  }
  if (command.kind === 'help') {
    process.stdout.write(`${USAGE}\n${renderConfigHelp()}`);
    process.exit(0);
  }
  if (command.kind === 'version') {
    const info = readBuildInfo();
    process.stdout.write(`rtmanager ${info.version} (commit ${info.commit}, node ${process.version})\n`);
    process.exit(0);
  }
  const config = loadConfigOrExit();
  if (command.kind === 'healthcheck') process.exit(await healthcheck(config));
  const logger = createLogger(config);
  if (command.kind === 'migrate') process.exit(await migrateOnly(config, logger));
  const buildInfo = readBuildInfo();
  logger.info({ version: buildInfo.version, commit: buildInfo.commit, start_path: entry.startPath, node_version: process.version }, 'starting');
  let rtm;
  try {
    rtm = await startRtm(config, logger, { buildInfo });
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
  if (command.exitWithParent) watchParent(() => shutdown('parent exited'));
}

/** Exit 2 on a bad environment: every problem named, for people (stderr) and log pipelines (one JSON line). */
function loadConfigOrExit(): RtmConfig {
  try {
    return loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`rtmanager: ${err.message}\n`);
    const line = { level: 'fatal', time: new Date().toISOString(), service: 'rtmanager', pid: process.pid, msg: 'invalid configuration', problems: err.problems };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    process.exit(2);
  }
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

