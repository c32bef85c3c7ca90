#!/usr/bin/env bash
# `npm start`: run RTM in the foreground, configured by the environment alone.
# Builds dist/ (tsc, then the bundle: scripts/build-dist.mjs) first when the sources are
# newer. `exec` so SIGTERM reaches node directly (npm 11 does not forward signals to its child).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/project-node.sh
. scripts/project-node.sh
if [ ! -f dist/bundle/service-main.mjs ] || [ -n "$(find src generated -newer dist/bundle/service-main.mjs -name '*.ts' -print -quit)" ]; then
  "$RTM_NODE" scripts/build-dist.mjs --quiet
fi
# Node flags of the RTM process: one place, scripts/node-flags (the bench and the image
# entrypoint use the same). --max-semi-space-size=4 (V8 sizes it from the heap limit otherwise, up to 16)
# keeps the young generation small for idle RSS, yet large enough that the REST reads'
# in-flight pages die young instead of being promoted: against 1 MB, list CPU per page
# −36 % and a flat RSS under probing, for +5 MB idle RSS (docs/benchmark.md).
# No --enable-source-maps: +0.7 s to start and +5 MB; set NODE_OPTIONS=--enable-source-maps
# when TypeScript positions in stack traces are wanted (docs/benchmark.md).
read -r -a node_flags < scripts/node-flags
# Under npm, npm itself swallows SIGTERM and orphans us: main.ts then treats the loss of its
# parent as SIGTERM (--exit-with-parent). A direct launch keeps plain signal semantics.
if [ -n "${npm_lifecycle_event:-}" ]; then
  exec "$RTM_NODE" "${node_flags[@]}" dist/src/main.js --exit-with-parent
fi
exec "$RTM_NODE" "${node_flags[@]}" dist/src/main.js
