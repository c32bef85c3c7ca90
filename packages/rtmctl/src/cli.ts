#!/usr/bin/env node
// The `rtmctl` bin: wires the process (argv, env, stdout/stderr, signals) to runCli.
import { runCli } from './run-cli.js';

const abort = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => abort.abort());

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  signal: abort.signal,
  output: {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
  },
});
