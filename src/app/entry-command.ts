// The process's command line: `main.js` runs the service; the rest are one-shot entries for
// deployment tooling. Anything else is a usage error (exit 2), never a silent run.
export type EntryCommand =
  | { kind: 'run'; exitWithParent: boolean }
  | { kind: 'migrate' }
  | { kind: 'healthcheck' }
  | { kind: 'version' }
  | { kind: 'help' }
  | { kind: 'usage_error'; message: string };

export const USAGE = `usage: rtmanager [command] [--exit-with-parent]

commands:
  (none)        run the service (configured by RTMANAGER_* environment variables)
  migrate       apply the PostgreSQL migrations and exit (0 applied / up to date, 1 failed, 2 bad config)
  healthcheck   GET /healthz on the configured listener; exit 0 when it answers 200 (image HEALTHCHECK)
  --version     print the version, commit and Node version
  --help        print this text and every environment variable with its default and meaning
`;

export function parseEntryCommand(args: readonly string[]): EntryCommand {
  const rest = args.filter((a) => a !== '--exit-with-parent');
  const exitWithParent = rest.length !== args.length;
  if (rest.includes('--help') || rest.includes('-h') || rest[0] === 'help') return { kind: 'help' };
  if (rest.includes('--version') || rest.includes('-v') || rest[0] === 'version') return { kind: 'version' };
  if (rest.length === 0) return { kind: 'run', exitWithParent };
  if (rest.length === 1 && rest[0] === 'migrate') return { kind: 'migrate' };
  if (rest.length === 1 && rest[0] === 'healthcheck') return { kind: 'healthcheck' };
  return { kind: 'usage_error', message: `unknown arguments: ${rest.join(' ')}` };
}

/** The address a local client uses for the listener: wildcard binds are reached on loopback. */
export function localListenerUrl(listener: { host: string; port: number }): string {
  const host = listener.host === '0.0.0.0' || listener.host === '' ? '127.0.0.1' : listener.host === '::' ? '::1' : listener.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${listener.port}`;
}
