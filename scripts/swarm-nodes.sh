#!/usr/bin/env bash
# A throwaway Docker Swarm on this machine, for the swarm tests and bench: COUNT extra
# dockerds, each in its own network namespace (veth to a bridge in a third namespace), the
# first one the manager, the others workers. The machine's own dockerd is never touched.
#
#   swarm-nodes.sh up DIR COUNT NETWORK [IMAGE...]  start, form the swarm, create the attachable
#                                                   overlay NETWORK, load IMAGEs from the main
#                                                   daemon into every node; writes DIR/env
#   swarm-nodes.sh down DIR                         remove everything `up` made (idempotent)
#   swarm-nodes.sh stop-node DIR I / start-node DIR I   stop / restart node I's dockerd (1-based)
#
# `ip netns exec` is not used: it remounts /sys and dockerd loses the cgroup v1 mounts;
# `nsenter --net` changes only the network namespace. Paths stay short (unix sockets ≤ 108).
set -euo pipefail

die() { echo "swarm-nodes: ERROR: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (network namespaces, dockerd)"

cmd="${1:-}"; dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { sed -n '2,13p' "$0"; exit 2; }

node_sock() { echo "$dir/n$1.sock"; }
node_docker() { local i="$1"; shift; docker -H "unix://$(node_sock "$i")" "$@"; }

start_dockerd() {
  local i="$1" tag ns
  tag="$(cat "$dir/tag")"; ns="${tag}n$i"
  mkdir -p "$dir/d$i" "$dir/e$i"
  # setsid: a Ctrl-C of the caller does not kill the node; 8>&-: no inherited lock fds.
  setsid nsenter --net="/run/netns/$ns" dockerd --data-root "$dir/d$i" --exec-root "$dir/e$i" \
    --pidfile "$dir/n$i.pid" -H "unix://$(node_sock "$i")" \
    --containerd-namespace "${tag}n$i" --containerd-plugins-namespace "${tag}p$i" \
    >"$dir/n$i.log" 2>&1 8>&- </dev/null &
  local deadline=$((SECONDS + 60))
  until node_docker "$i" version >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || die "node $i's dockerd did not come up (see $dir/n$i.log)"
    sleep 0.2
  done
}

stop_dockerd() {
  local i="$1" pid
  [ -f "$dir/n$i.pid" ] || return 0
  pid="$(cat "$dir/n$i.pid")"
  kill "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then kill -9 "$pid" 2>/dev/null || true; break; fi
    sleep 0.2
  done
  rm -f "$dir/n$i.pid"
}

up() {
  local count="$1" network="$2"; shift 2
  [ "$count" -ge 1 ] || die "COUNT must be ≥ 1"
  mkdir -p "$dir"
  [ ! -f "$dir/tag" ] || die "$dir already holds a swarm: run down first"
  # A short unique tag names the namespaces, interfaces and containerd namespaces.
  local tag="rsw$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  echo "$tag" >"$dir/tag"
  echo "$count" >"$dir/count"
  # A /24 the host does not route yet (the host gets .1 on it).
  local net
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    net="10.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))"
    ip route get "$net.1" 2>/dev/null | grep -q ' via ' && break
  done
  echo "$net" >"$dir/subnet"
  ip netns add "${tag}br"
  ip -n "${tag}br" link add br0 type bridge
  ip -n "${tag}br" link set br0 up
  ip -n "${tag}br" link set lo up
  # The host on the same segment (net.1): tests and the bench reach what a node publishes.
  ip link add "${tag}h" type veth peer name "${tag}hb"
  ip link set "${tag}hb" netns "${tag}br"
  ip -n "${tag}br" link set "${tag}hb" master br0
  ip -n "${tag}br" link set "${tag}hb" up
  ip addr add "$net.1/24" dev "${tag}h"
  ip link set "${tag}h" up
  local i
  for i in $(seq 1 "$count"); do
    ip netns add "${tag}n$i"
    ip link add "${tag}a$i" type veth peer name "${tag}b$i"
    ip link set "${tag}a$i" netns "${tag}n$i"
    ip link set "${tag}b$i" netns "${tag}br"
    ip -n "${tag}n$i" link set "${tag}a$i" name eth0
    ip -n "${tag}n$i" addr add "$net.$((i + 1))/24" dev eth0
    ip -n "${tag}n$i" link set eth0 up
    ip -n "${tag}n$i" link set lo up
    ip -n "${tag}br" link set "${tag}b$i" master br0
    ip -n "${tag}br" link set "${tag}b$i" up
    start_dockerd "$i"
  done
  node_docker 1 swarm init --advertise-addr "$net.2" >/dev/null
  local token
  token="$(node_docker 1 swarm join-token -q worker)"
  for i in $(seq 2 "$count"); do
    node_docker "$i" swarm join --token "$token" --advertise-addr "$net.$((i + 1))" "$net.2:2377" >/dev/null
  done
  node_docker 1 network create --driver overlay --attachable "$network" >/dev/null
  if [ "$#" -gt 0 ]; then
    docker save "$@" -o "$dir/images.tar"
    for i in $(seq 1 "$count"); do node_docker "$i" load -q -i "$dir/images.tar" >/dev/null; done
    rm -f "$dir/images.tar"
  fi
  {
    echo "SWARM_MANAGER_HOST=unix://$(node_sock 1)"
    echo "SWARM_NETWORK=$network"
    echo "SWARM_NODE_COUNT=$count"
    echo "SWARM_HOST_IP=$net.1"
    for i in $(seq 1 "$count"); do echo "SWARM_NODE_${i}_IP=$net.$((i + 1))"; done
    for i in $(seq 1 "$count"); do echo "SWARM_NODE_${i}_HOST=unix://$(node_sock "$i")"; done
  } >"$dir/env"
}

down() {
  [ -f "$dir/tag" ] || { rm -rf "$dir"; return 0; }
  local tag count i
  tag="$(cat "$dir/tag")"; count="$(cat "$dir/count" 2>/dev/null || echo 0)"
  # Services first (their containers go with them), then the daemons.
  if [ -S "$(node_sock 1)" ]; then
    node_docker 1 service ls -q 2>/dev/null | xargs -r docker -H "unix://$(node_sock 1)" service rm >/dev/null 2>&1 || true
  fi
  for i in $(seq 1 "$count"); do
    if [ -S "$(node_sock "$i")" ]; then
      node_docker "$i" ps -aq 2>/dev/null | xargs -r docker -H "unix://$(node_sock "$i")" rm -f >/dev/null 2>&1 || true
    fi
    stop_dockerd "$i"
  done
  for i in $(seq 1 "$count"); do
    ip netns del "${tag}n$i" 2>/dev/null || true
  done
  ip netns del "${tag}br" 2>/dev/null || true
  ip link del "${tag}h" 2>/dev/null || true
  # A killed daemon may leave mounts under its roots.
  grep -o " $dir/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$dir"
}

case "$cmd" in
  up) [ "$#" -ge 4 ] || die "usage: up DIR COUNT NETWORK [IMAGE...]"; shift 2; up "$@" ;;
  down) down ;;
  stop-node) stop_dockerd "${3:?node number}" ;;
  start-node) start_dockerd "${3:?node number}" ;;
  *) die "unknown command $cmd" ;;
esac
