// Every rtmctl command: its words, arguments, options, one-line summary and handler. The
// --help texts and docs/client.md's CLI reference are written from this table.
import { GALAXY_CALLERS, HEALTH_EVENT_TYPES, RUNTIME_STATUSES, STOP_REASONS } from '@galaxy/rtmanager-client';
import type { OptionSpec } from './command-line.js';
import { diagnostics } from './diagnostics-command.js';
import { eventsTail } from './events-tail.js';
import { cleanup, patch, restart, runtimesGet, runtimesLs, runtimesOps, start, stop, type CommandContext } from './runtime-commands.js';
import { limits, logs, stats, top } from './engine-commands.js';

export interface Command {
  words: readonly string[];
  args: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Absent for `completion` (no RTM), which run-cli runs itself. */
  run?: (ctx: CommandContext) => Promise<number>;
  /** The values of its first argument, when they are a closed list (for the completion). */
  argValues?: readonly string[];
  /** Default seconds to wait for RTM's answer (--timeout, RTM_TIMEOUT win); 30 unless set. */
  timeoutS?: number;
}

/** Above RTMANAGER_IMAGE_PULL_TIMEOUT's default (300 s) and a container start: a pull is not cut short. */
const PULLING_TIMEOUT_S = 330;

const CALLER: Record<string, OptionSpec> = {
  caller: { type: 'string', help: 'X-Galaxy-Caller: admin_service (default) or game_master', values: GALAXY_CALLERS },
};

export const COMMANDS: readonly Command[] = [
  {
    words: ['runtimes', 'ls'],
    args: '',
    summary: 'list runtimes (removed ones only with --all)',
    options: {
      status: { type: 'string', help: 'only runtimes in this status (running, stopped, removed)', values: RUNTIME_STATUSES },
      all: { type: 'boolean', help: 'include removed runtimes' },
    },
    run: runtimesLs,
  },
  { words: ['runtimes', 'get'], args: 'GAME_ID', summary: 'show one runtime with its latest health', options: {}, run: runtimesGet },
  {
    words: ['runtimes', 'ops'],
    args: 'GAME_ID',
    summary: "show a game's operation log, newest first",
    options: { limit: { type: 'string', help: 'at most N entries (1..500, default 50)' } },
    run: runtimesOps,
  },
  { words: ['start'], args: 'GAME_ID IMAGE', summary: "start the game's engine container", options: CALLER, run: start, timeoutS: PULLING_TIMEOUT_S },
  {
    words: ['stop'],
    args: 'GAME_ID',
    summary: "stop the game's engine container (kept until cleanup)",
    options: { ...CALLER, reason: { type: 'string', help: 'orphan_cleanup, cancelled, finished, admin_request (default) or timeout', values: STOP_REASONS } },
    run: stop,
  },
  { words: ['restart'], args: 'GAME_ID', summary: 'recreate the container with the same image', options: CALLER, run: restart, timeoutS: PULLING_TIMEOUT_S },
  { words: ['patch'], args: 'GAME_ID IMAGE', summary: 'move to another patch version of the image', options: CALLER, run: patch, timeoutS: PULLING_TIMEOUT_S },
  { words: ['cleanup'], args: 'GAME_ID', summary: "remove a stopped game's container (never its state)", options: CALLER, run: cleanup },
  {
    words: ['logs'],
    args: 'GAME_ID',
    summary: "print the engine's output (stdout; its stderr lines to stderr); -f follows until Ctrl-C",
    options: {
      tail: { type: 'string', help: 'the last N lines (1..10000, default 200)' },
      since: { type: 'string', help: 'only lines from then on: RFC 3339 or Unix seconds' },
      follow: { type: 'boolean', short: 'f', help: 'keep printing new lines until the engine stops or Ctrl-C' },
      timestamps: { type: 'boolean', short: 't', help: "prefix each line with Docker's timestamp" },
    },
    run: logs,
  },
  { words: ['stats'], args: 'GAME_ID', summary: "one usage sample of a running engine (CPU, memory, pids, network)", options: {}, run: stats },
  {
    words: ['top'],
    args: '',
    summary: 'every running engine\'s usage, sorted, refreshed until Ctrl-C',
    options: {
      sort: { type: 'string', help: 'cpu (default) or memory', values: ['cpu', 'memory'] },
      interval: { type: 'string', help: 'seconds between refreshes (default 2)' },
      once: { type: 'boolean', help: 'print one screen and exit' },
    },
    run: top,
  },
  {
    words: ['limits'],
    args: 'GAME_ID',
    summary: "change the engine's limits in place (no restart; kept by restart and patch)",
    options: {
      ...CALLER,
      cpus: { type: 'string', help: 'CPUs, e.g. 1.5' },
      memory: { type: 'string', help: 'a Docker size, e.g. 768m' },
      pids: { type: 'string', help: 'the pids limit' },
    },
    run: limits,
  },
  {
    words: ['events', 'tail'],
    args: '',
    summary: 'follow runtime:health_events and runtime:job_results live (through RTM, with the API token)',
    options: {
      game: { type: 'string', help: 'only events of this game' },
      type: { type: 'string', help: 'only these event types, comma-separated (e.g. container_exited,job_result)', values: [...HEALTH_EVENT_TYPES, 'job_result'] },
      from: { type: 'string', help: 'start after this entry id (0 = from the beginning); default: only new events' },
      max: { type: 'string', help: 'exit after N events' },
    },
    run: eventsTail,
  },
  { words: ['diagnostics'], args: '', summary: 'readiness, versions of RTM, PostgreSQL, Redis and Docker, runtime counts', options: {}, run: diagnostics },
  { words: ['completion'], args: 'bash|zsh', summary: 'print the shell completion script (eval "$(rtmctl completion bash)")', options: {}, argValues: ['bash', 'zsh'] },
];
