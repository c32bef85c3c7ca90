#!/usr/bin/env bash
# `npm start`: run RTM in the foreground, configured by the environment alone.
# Builds dist/ first when the sources are newer. `exec` so SIGTERM reaches node directly
# (npm 11 does not forward signals to its child).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f dist/src/main.js ] || [ -n "$(find src generated -newer dist/src/main.js -name '*.ts' -print -quit)" ]; then
  node node_modules/typescript/bin/tsc -p tsconfig.build.json
fi
exec node --enable-source-maps dist/src/main.js
