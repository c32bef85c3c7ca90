#!/usr/bin/env bash
# `npm start`: run RTM in the foreground, configured by the environment alone.
# Builds dist/ first when the sources are newer. `exec` so SIGTERM reaches node directly
# (npm 11 does not forward signals to its child).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f dist/src/main.js ] || [ -n "$(find src generated -newer dist/src/main.js -name '*.ts' -print -quit)" ]; then
  node node_modules/typescript/bin/tsc -p tsconfig.build.json
fi
# Under npm, npm itself swallows SIGTERM and orphans us: main.ts then treats the loss of its
# parent as SIGTERM (--exit-with-parent). A direct launch keeps plain signal semantics.
if [ -n "${npm_lifecycle_event:-}" ]; then
  exec node --enable-source-maps dist/src/main.js --exit-with-parent
fi
exec node --enable-source-maps dist/src/main.js
