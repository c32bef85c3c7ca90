#!/usr/bin/env node
// The `rtmctl` bin: wires the process (argv, env, stdout/stderr, signals) to runCli. The
// first SIGINT/SIGTERM aborts the command and its request (exit 130/143); should anything
// still hold the process, it exits anyway half a second later; a second signal kills it.
import { runCli } from './run-cli.js';

const EXIT_BY_SIGNAL = { SIGINT: 130, SIGTERM: 143 } as const;
const abort = new AbortController();
let interrupted: keyof typeof EXIT_BY_SIGNAL | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted ??= signal;
    abort.abort(new Error(`rtmctl: ${signal}`));
    setTimeout(() => process.exit(EXIT_BY_SIGNAL[signal]), 500).unref();
  });
}

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  signal: abort.signal,
  output: {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  },
});
process.exitCode = interrupted ? EXIT_BY_SIGNAL[interrupted] : code;
