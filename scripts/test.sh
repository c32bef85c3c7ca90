#!/usr/bin/env bash
# `npm test`: the whole suite (unit + real Docker/PostgreSQL/Redis integration + the swarm
# backend on a single-node swarm of its own), on a fresh
# machine too. Ends with a plain "N passed, N failed" line for CI.
# `npm run test:faults` runs the `faults` project the same way (RTM_TEST_PROJECTS=faults).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
bash scripts/bootstrap.sh --quiet
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# shellcheck source=scripts/project-node.sh
. scripts/project-node.sh
echo "test: node $("$RTM_NODE" --version) ($RTM_NODE)"
mkdir -p .tmp
projects=()
for p in ${RTM_TEST_PROJECTS:-unit integration integration-swarm}; do projects+=(--project "$p"); done
report=".tmp/vitest-report-${RTM_TEST_PROJECTS:-default}.json"
report="${report// /-}"
rm -f "$report"
export RTM_TEST_SKIP_BOOTSTRAP=1
set +e
"$RTM_NODE" node_modules/vitest/vitest.mjs run "${projects[@]}" --reporter=default --reporter=json --outputFile.json="$report" "$@"
rc=$?
set -e
"$RTM_NODE" scripts/summarize-vitest.mjs "$report" || rc=1
exit $rc
