// `rtmctl completion bash|zsh`: a completion script written from the command table, so a new
// command or option completes without touching this file. zsh loads the same function
// through bashcompinit (zsh's own bash-completion layer).
import { GLOBAL_OPTIONS, type OptionSpec } from './command-line.js';
import { COMMANDS } from './commands.js';

export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

const quoted = (words: readonly string[]) => `"${words.join(' ')}"`;
const flags = (options: Record<string, OptionSpec>) => Object.keys(options).map((n) => `--${n}`);

/** Every word sequence that may precede the cursor: '' (nothing yet), 'runtimes', 'runtimes ls'... */
function nextWords(): Map<string, string[]> {
  const next = new Map<string, string[]>();
  for (const c of COMMANDS) {
    c.words.forEach((w, i) => {
      const before = c.words.slice(0, i).join(' ');
      const list = next.get(before) ?? [];
      if (!list.includes(w)) list.push(w);
      next.set(before, list);
    });
    if (c.argValues) next.set(c.words.join(' '), [...c.argValues]);
  }
  return next;
}

/** Values of the options that take a closed list, by option name (one list per name). */
function optionValues(): Map<string, readonly string[]> {
  const values = new Map<string, readonly string[]>();
  for (const options of [GLOBAL_OPTIONS, ...COMMANDS.map((c) => c.options)]) {
    for (const [name, o] of Object.entries(options)) if (o.values) values.set(name, o.values);
  }
  return values;
}

function bashFunction(): string {
  const next = nextWords();
  const prefixes = [...new Set([...next.keys()].filter((k) => k !== ''))].concat(COMMANDS.map((c) => c.words.join(' ')));
  const reply = (words: readonly string[]) => `COMPREPLY=($(compgen -W ${quoted(words)} -- "$cur"))`;
  return [
    '_rtmctl() {',
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" cmd="" i w',
    '  # The command words typed so far (up to the first option or argument).',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    w="${COMP_WORDS[i]}"',
    '    case "${cmd:+$cmd }$w" in',
    `      ${[...new Set(prefixes)].map((p) => `"${p}"`).join('|')}) cmd="\${cmd:+$cmd }$w" ;;`,
    '      *) break ;;',
    '    esac',
    '  done',
    '  case "$prev" in',
    ...[...optionValues()].map(([name, values]) => `    --${name}) ${reply(values)}; return ;;`),
    '  esac',
    '  if [[ $cur == -* ]]; then',
    '    case "$cmd" in',
    ...COMMANDS.map((c) => `      "${c.words.join(' ')}") ${reply([...flags(c.options), ...flags(GLOBAL_OPTIONS)])} ;;`),
    `      *) ${reply(['--help', '--version'])} ;;`,
    '    esac',
    '    return',
    '  fi',
    '  case "$cmd" in',
    ...[...next].map(([before, words]) => `    "${before}") ${reply(words)} ;;`),
    '  esac',
    '}',
    'complete -F _rtmctl rtmctl',
  ].join('\n');
}

export function completionScript(shell: CompletionShell): string {
  if (shell === 'bash') return ['# rtmctl completion for bash: eval "$(rtmctl completion bash)" in ~/.bashrc', bashFunction()].join('\n');
  return [
    '#compdef rtmctl',
    '# rtmctl completion for zsh: eval "$(rtmctl completion zsh)" in ~/.zshrc (after compinit)',
    'autoload -U +X bashcompinit && bashcompinit',
    bashFunction(),
  ].join('\n');
}
