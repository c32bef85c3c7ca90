#!/usr/bin/env bash
# `npm test`: the whole suite (unit + real Docker/PostgreSQL/Redis integration), on a fresh
# machine too. Ends with a plain "N passed, N failed" line for CI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh --quiet
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
mkdir -p .tmp
rm -f .tmp/vitest-report.json
export RTM_TEST_SKIP_BOOTSTRAP=1
set +e
node node_modules/vitest/vitest.mjs run --reporter=default --reporter=json --outputFile.json=.tmp/vitest-report.json "$@"
rc=$?
set -e
node scripts/summarize-vitest.mjs .tmp/vitest-report.json || rc=1
exit $rc
