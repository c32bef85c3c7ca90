#!/usr/bin/env bash
# Makes a fresh Debian 12 machine (root, apt and npm reachable, no registry) ready to run
# RTM and its real-part tests: Docker engine, PostgreSQL, Redis, the game network and the
# test engine images. Every step is skipped when already satisfied; safe to run again and
# from two shells at once (flock). Never stops or reconfigures what already works.
#   --quiet   print only actions taken and errors
#
# Overrides (defaults are the local ones of test/support/test-env.ts):
#   RTM_TEST_POSTGRES_URL    postgres://postgres@127.0.0.1:5432/postgres (host and port are used)
#   RTM_TEST_REDIS_URL       redis://127.0.0.1:6379/0 (host and port are used)
#   RTMANAGER_DOCKER_NETWORK, RTM_TEST_DOCKER_NETWORK   galaxy-net (each one set is created)
#   RTM_BOOTSTRAP_PG_CLUSTER main (the Debian cluster started when PostgreSQL is down)
#   RTM_BOOTSTRAP_WAIT_S     60 (deadline for each server to come up)
# Servers are only installed and started when their host is local (127.0.0.1/localhost);
# a remote one is checked and reported.
set -euo pipefail

QUIET=0
for arg in "$@"; do
  case "$arg" in
    --quiet) QUIET=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "bootstrap: unknown argument $arg" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
LOCK_FILE="/tmp/rtm-bootstrap.lock"
WAIT_S="${RTM_BOOTSTRAP_WAIT_S:-60}"

say() { [ "$QUIET" = 1 ] || echo "bootstrap: $*"; }
act() { echo "bootstrap: $*"; }
die() { echo "bootstrap: ERROR: $*" >&2; exit 1; }

# url_part URL host|port DEFAULT_PORT — host and port of a URL such as scheme://user@host:port/db.
url_part() {
  local rest="${1#*://}"
  rest="${rest%%/*}"
  rest="${rest##*@}"
  case "$2" in
    host) echo "${rest%%:*}" ;;
    port) if [[ "$rest" == *:* ]]; then echo "${rest##*:}"; else echo "$3"; fi ;;
  esac
}

is_local() { [ "$1" = 127.0.0.1 ] || [ "$1" = localhost ] || [ "$1" = ::1 ]; }

# wait_until DESCRIPTION CMD... — poll CMD until it succeeds or WAIT_S seconds pass.
wait_until() {
  local what="$1"; shift
  local deadline=$((SECONDS + WAIT_S))
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "$what not ready after ${WAIT_S}s"
    sleep 0.2
  done
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || die "apt-get not found: install $* by hand"
  if [ "$APT_UPDATED" = 0 ]; then
    act "apt-get update"
    apt-get update -qq >/dev/null
    APT_UPDATED=1
  fi
  act "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

PG_URL="${RTM_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
PG_HOST="$(url_part "$PG_URL" host)"
PG_PORT="$(url_part "$PG_URL" port 5432)"
PG_CLUSTER="${RTM_BOOTSTRAP_PG_CLUSTER:-main}"
REDIS_URL="${RTM_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"
REDIS_HOST="$(url_part "$REDIS_URL" host)"
REDIS_PORT="$(url_part "$REDIS_URL" port 6379)"
NETWORKS="$(printf '%s\n' "${RTMANAGER_DOCKER_NETWORK:-galaxy-net}" "${RTM_TEST_DOCKER_NETWORK:-galaxy-net}" | sort -u)"

# One run at a time; a second run waits, then finds everything done. Daemons started
# below get `8>&-`: one that inherited the lock's fd would hold the lock forever.
exec 8>"$LOCK_FILE"
flock -w 900 8 || die "another bootstrap still holds $LOCK_FILE after 15 min"

# --- node: the bootstrapper (runs npm, which installs RTM's own Node 24 from package.json;
# scripts/project-node.sh) and the runtime of the test engine image; not installed here -------
command -v node >/dev/null || die "node not found: install Node.js 20.11+ (it runs npm, which installs RTM's own Node 24; it is also copied into the test engine image)"

# --- Docker engine ----------------------------------------------------------------------
docker_ok() { docker info >/dev/null 2>&1; }
# From its pid file, not pgrep: procps is not on a minimal Debian.
dockerd_running() {
  local pid
  pid="$(cat /var/run/docker.pid 2>/dev/null)" && [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]
}
if docker_ok; then
  say "docker: ok"
else
  if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != unix:///var/run/docker.sock ]; then
    die "docker at DOCKER_HOST=$DOCKER_HOST not reachable (only the local daemon is started here)"
  fi
  command -v dockerd >/dev/null && command -v docker >/dev/null || apt_install docker.io
  # A daemon may already be starting (or be wedged); never start a second one.
  if ! dockerd_running; then
    act "starting dockerd (log /var/log/dockerd.log)"
    nohup dockerd >>/var/log/dockerd.log 2>&1 </dev/null 8>&- &
    disown
  fi
  wait_until "docker daemon (see /var/log/dockerd.log)" docker info
  act "docker: started"
fi

# --- PostgreSQL ---------------------------------------------------------------------------
pg_ok() { command -v pg_isready >/dev/null && pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; }
# The line RTM's tests rely on: user postgres from loopback without a password.
pg_trust() {
  local hba="$1"
  grep -qE '^host[[:space:]]+all[[:space:]]+(all|postgres)[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba" && return 0
  act "pg_hba: trust for postgres from 127.0.0.1 and ::1 ($hba)"
  # First matching rule wins: put ours before Debian's scram-sha-256 lines.
  sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
  return 1
}
if pg_ok; then
  say "postgres: ok ($PG_HOST:$PG_PORT)"
else
  is_local "$PG_HOST" || die "postgres at $PG_HOST:$PG_PORT not reachable (only a local one is started here)"
  if ! ls /etc/postgresql/*/"$PG_CLUSTER"/postgresql.conf >/dev/null 2>&1; then
    apt_install postgresql
  fi
  conf="$(ls -d /etc/postgresql/*/"$PG_CLUSTER" 2>/dev/null | sort -V | tail -n1)"
  [ -n "$conf" ] || die "no PostgreSQL cluster '$PG_CLUSTER' under /etc/postgresql"
  version="$(basename "$(dirname "$conf")")"
  pg_trust "$conf/pg_hba.conf" || true
  act "starting postgres cluster $version/$PG_CLUSTER"
  pg_ctlcluster --skip-systemctl-redirect "$version" "$PG_CLUSTER" start 8>&-
  wait_until "postgres at $PG_HOST:$PG_PORT" pg_isready -q -h "$PG_HOST" -p "$PG_PORT"
  act "postgres: started ($PG_HOST:$PG_PORT)"
fi
# Ready is not enough: the tests log in as postgres without a password.
if ! psql -w -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
  is_local "$PG_HOST" || die "postgres at $PG_HOST:$PG_PORT refuses user postgres without a password"
  conf="$(ls -d /etc/postgresql/*/"$PG_CLUSTER" 2>/dev/null | sort -V | tail -n1)"
  [ -n "$conf" ] || die "postgres refuses user postgres and no local cluster '$PG_CLUSTER' to configure"
  if ! pg_trust "$conf/pg_hba.conf"; then
    pg_ctlcluster --skip-systemctl-redirect "$(basename "$(dirname "$conf")")" "$PG_CLUSTER" reload
  fi
  wait_until "postgres login as postgres" psql -w -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atc 'select 1'
fi

# --- Redis ----------------------------------------------------------------------------------
redis_ok() { command -v redis-cli >/dev/null && [ "$(redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }
if redis_ok; then
  say "redis: ok ($REDIS_HOST:$REDIS_PORT)"
else
  is_local "$REDIS_HOST" || die "redis at $REDIS_HOST:$REDIS_PORT not reachable (only a local one is started here)"
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || apt_install redis-server
  act "starting redis-server on 127.0.0.1:$REDIS_PORT (no persistence)"
  # A test server: no snapshots, no AOF; "-::1" binds IPv6 loopback only when available.
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" \
    --save "" --appendonly no --dir /tmp --logfile "/var/log/redis-rtm-$REDIS_PORT.log" 8>&-
  wait_until "redis at $REDIS_HOST:$REDIS_PORT" redis_ok
  act "redis: started ($REDIS_HOST:$REDIS_PORT)"
fi

# --- the game network(s) ------------------------------------------------------------------
for net in $NETWORKS; do
  if docker network inspect "$net" >/dev/null 2>&1; then
    say "network $net: ok"
  else
    # Someone else (RTM never does, but a test harness might) may create it meanwhile.
    docker network create --driver bridge "$net" >/dev/null 2>&1 || docker network inspect "$net" >/dev/null 2>&1 \
      || die "cannot create docker network $net"
    act "network $net: created"
  fi
done

# --- tools the tests use: promtool + prometheus (alert rules, a real scrape), tini-static
# (RTM's image init, shipped with docker.io), openssl (throwaway TLS certificates), strip
# (binutils: the image's node without its symbol tables) ------------------------------------
need_tools=()
command -v promtool >/dev/null && command -v prometheus >/dev/null || need_tools+=(prometheus)
[ -x /usr/bin/tini-static ] || need_tools+=(tini)
command -v openssl >/dev/null || need_tools+=(openssl)
command -v strip >/dev/null || need_tools+=(binutils)
if [ "${#need_tools[@]}" -gt 0 ]; then
  apt_install "${need_tools[@]}"
  # Debian's package starts nothing without systemd; the tests run their own prometheus.
else
  say "tools: ok (promtool, prometheus, tini-static, openssl, strip)"
fi

# --- the test engine images -----------------------------------------------------------------
if [ "$QUIET" = 1 ]; then
  bash "$ROOT/scripts/build-engine-image.sh" --quiet
else
  bash "$ROOT/scripts/build-engine-image.sh"
fi
# --- the bench's light engine image (npm run bench; busybox httpd FROM scratch) -----------
# A scratch image needs the static build (ldd fails on a static binary).
if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then apt_install busybox-static; fi
if [ "$QUIET" = 1 ]; then
  bash "$ROOT/scripts/build-bench-image.sh" --quiet
else
  bash "$ROOT/scripts/build-bench-image.sh"
fi
say "ready"
