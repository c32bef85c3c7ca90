// The --help texts, from the command table.
import { GLOBAL_OPTIONS, type OptionSpec } from './command-line.js';
import { COMMANDS, type Command } from './commands.js';

const usageOf = (c: Command) => ['rtmctl', ...c.words, c.args].filter((s) => s !== '').join(' ');

function optionLines(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, o]) => [`${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ' VALUE' : ''}`, o.help] as const);
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, help]) => `  ${flag.padEnd(width)}  ${help}`);
}

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => usageOf(c).length));
  return [
    'rtmctl: operate Runtime Manager (RTM) from a shell.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${usageOf(c).padEnd(width)}  ${c.summary}`),
    '',
    'Options of every command:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    'Exit codes: 0 success, 1 failure result (or RTM unreachable, or no answer in time), 2 usage error, 130 interrupted (Ctrl-C).',
    '`rtmctl --version` prints the version.',
    'Run `rtmctl COMMAND --help` for the options of one command.',
  ].join('\n');
}

export function commandHelp(c: Command): string {
  const own = Object.keys(c.options).length > 0 ? ['', 'Options:', ...optionLines(c.options)] : [];
  return [`Usage: ${usageOf(c)} [options]`, '', `${c.summary[0]?.toUpperCase() ?? ''}${c.summary.slice(1)}.`, ...own, '', 'Common options:', ...optionLines(GLOBAL_OPTIONS)].join('\n');
}
