// rtmctl's main: finds the command, parses its options, builds the client from flags or
// RTM_URL / RTM_TOKEN / RTM_TIMEOUT, runs it and turns the outcome into an exit code (0
// success, 1 failure result or RTM unreachable, 2 usage, 130 interrupted: the signal aborts
// the request in flight). The environment is passed in, not read here.
import { createRtmClient, GALAXY_CALLERS, isRtmTransportError, type RtmTransportError } from '@galaxy/rtmanager-client';
import { oneOf, parseOptions, positiveSeconds, UsageError } from './command-line.js';
import { COMMANDS, type Command } from './commands.js';
import { COMPLETION_SHELLS, completionScript } from './completion-script.js';
import { commandHelp, mainHelp } from './help-text.js';
import type { Output } from './output.js';
import { rtmctlVersion } from './version.js';

export interface CliEnvironment {
  env: Record<string, string | undefined>;
  output: Output;
  /** Aborted by SIGINT/SIGTERM: ends the command at once, its request included (exit 130). */
  signal: AbortSignal;
  fetch?: typeof fetch;
}

const DEFAULT_URL = 'http://127.0.0.1:8090';
const DEFAULT_TIMEOUT_S = 30;
/** 128 + SIGINT, as shells report a command ended by Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

function findCommand(args: readonly string[]): { command: Command; rest: string[] } | null {
  for (const command of COMMANDS) {
    if (command.words.every((w, i) => args[i] === w)) return { command, rest: args.slice(command.words.length) };
  }
  return null;
}

/** A request without an answer, in one line that names the address (and the cause: ECONNREFUSED, ENOTFOUND...). */
function noAnswer(url: string, err: RtmTransportError): string {
  if (err.kind === 'unreachable') return `rtmctl: cannot reach RTM at ${url}: ${err.code ?? err.message}`;
  return `rtmctl: ${err.message.replace(/^[^:]*: /, '')} (${url})`;
}

export async function runCli(args: readonly string[], cli: CliEnvironment): Promise<number> {
  const { output, env } = cli;
  if (args.length === 1 && args[0] === '--version') {
    output.out(`rtmctl ${await rtmctlVersion()}`);
    return 0;
  }
  const found = findCommand(args);
  if (!found) {
    if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
      output.out(mainHelp());
      return args.length === 0 ? 2 : 0;
    }
    output.err(`rtmctl: unknown command "${args.join(' ')}"\n\n${mainHelp()}`);
    return 2;
  }
  const { command, rest } = found;
  let url = DEFAULT_URL;
  try {
    const { positionals, options } = parseOptions(rest, command.options);
    if (options.help === true) {
      output.out(commandHelp(command));
      return 0;
    }
    if (command.words[0] === 'completion') {
      const shell = COMPLETION_SHELLS.find((s) => positionals.length === 1 && positionals[0] === s);
      if (shell === undefined) throw new UsageError(`expected ${COMPLETION_SHELLS.join(' or ')}, got ${positionals.join(' ') || 'none'}`);
      output.out(completionScript(shell));
      return 0;
    }
    url = (options.url as string | undefined) ?? env.RTM_URL ?? DEFAULT_URL;
    const token = (options.token as string | undefined) ?? env.RTM_TOKEN;
    const caller = oneOf(options.caller, 'caller', GALAXY_CALLERS) ?? 'admin_service';
    const timeoutS = positiveSeconds((options.timeout as string | undefined) ?? env.RTM_TIMEOUT, 'timeout') ?? command.timeoutS ?? DEFAULT_TIMEOUT_S;
    const client = createRtmClient({
      baseUrl: url,
      caller,
      timeoutMs: timeoutS * 1000,
      signal: cli.signal,
      ...(token !== undefined && token !== '' ? { token } : {}),
      ...(cli.fetch ? { fetch: cli.fetch } : {}),
    });
    if (!command.run) throw new Error(`rtmctl ${command.words.join(' ')} has no handler`);
    const code = await command.run({ client, positionals, options, output, signal: cli.signal });
    return cli.signal.aborted ? EXIT_INTERRUPTED : code;
  } catch (err) {
    if (cli.signal.aborted) return EXIT_INTERRUPTED;
    if (err instanceof UsageError) {
      output.err(`rtmctl: ${err.message}\n\n${commandHelp(command)}`);
      return 2;
    }
    if (isRtmTransportError(err)) {
      output.err(noAnswer(url, err));
      return 1;
    }
    throw err;
  }
}
