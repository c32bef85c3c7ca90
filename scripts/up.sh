#!/usr/bin/env bash
# `npm run up`: fresh machine -> running RTM. Bootstraps Docker, PostgreSQL, Redis, the game
# network and the engine images; installs dependencies; creates the database; builds; starts
# RTM in the foreground with local defaults (scripts/dev-env.sh; your env overrides them).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
bash scripts/bootstrap.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
# shellcheck source=scripts/project-node.sh
. scripts/project-node.sh
# shellcheck source=scripts/dev-env.sh
. scripts/dev-env.sh
db="$("$RTM_NODE" -e 'const u=new URL(process.argv[1]);process.stdout.write(u.pathname.slice(1))' "$RTMANAGER_POSTGRES_URL")"
admin_url="$("$RTM_NODE" -e 'const u=new URL(process.argv[1]);u.pathname="/postgres";process.stdout.write(u.toString())' "$RTMANAGER_POSTGRES_URL")"
if [ -n "$db" ] && ! psql "$admin_url" -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
  psql "$admin_url" -qc "CREATE DATABASE \"$db\"" && echo "bootstrap: created database $db"
fi
mkdir -p "$RTMANAGER_GAME_STATE_ROOT"
"$RTM_NODE" scripts/build-dist.mjs --quiet
echo "up: starting RTM on http://$RTMANAGER_INTERNAL_HTTP_ADDR (GET /readyz)"
exec bash scripts/start.sh
