#!/usr/bin/env bash
# Builds the test engine image (engine/) and its tags. No registry is reachable, so the
# image is FROM scratch with the host's node binary and the libraries it links.
# Idempotent: does nothing when every tag exists with the current content hash.
#   --quiet   print only actions taken and errors
#   --force   rebuild even when up to date
set -euo pipefail

QUIET=0
FORCE=0
for arg in "$@"; do
  case "$arg" in
    --quiet) QUIET=1 ;;
    --force) FORCE=1 ;;
    *) echo "build-engine-image: unknown argument $arg" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO="galaxy/game-test"
NODE_BIN="$(readlink -f "${ENGINE_NODE_BIN:-/usr/bin/node}")"
BUILD_DIR="$ROOT/.tmp/engine-build"
LOCK_FILE="/tmp/rtm-engine-image.lock"

say() { [ "$QUIET" = 1 ] || echo "build-engine-image: $*"; }
act() { echo "build-engine-image: $*"; }

# tag | ENGINE_VERSION | extra docker build args (labels that override the Dockerfile's)
VARIANTS=(
  "1.0.0|1.0.0|"
  "1.0.1|1.0.1|"
  "1.1.0|1.1.0|"
  "1.0.0-smallmem|1.0.0|--label com.galaxy.memory=48m"
  "1.0.0-badlabel|1.0.0|--label com.galaxy.cpu_quota=lots"
)

# The hash covers everything that decides the images' content: the engine, the
# Dockerfile, this script (tags and labels) and the node binary copied in (its version,
# size and mtime: hashing 100 MB of binary would cost most of bootstrap's no-op time).
content_hash() {
  {
    sha256sum "$ROOT/engine/server.mjs" "$ROOT/engine/Dockerfile" "$ROOT/scripts/build-engine-image.sh" | cut -d' ' -f1
    "$NODE_BIN" --version
    stat -c '%s %Y' "$NODE_BIN"
  } | sha256sum | cut -c1-16
}

image_hash() {
  docker image inspect --format '{{ index .Config.Labels "com.galaxy.test_engine_hash" }}' "$1" 2>/dev/null || true
}

all_up_to_date() {
  local want="$1" v
  for v in "${VARIANTS[@]}"; do
    [ "$(image_hash "$REPO:${v%%|*}")" = "$want" ] || return 1
  done
}

# The node binary and every library it links, at the same paths (cp -L follows symlinks).
make_rootfs() {
  local rootfs="$1" lib
  rm -rf "$rootfs"
  mkdir -p "$rootfs/usr/bin" "$rootfs/lib64" "$rootfs/tmp"
  chmod 1777 "$rootfs/tmp"
  cp -L "$NODE_BIN" "$rootfs/usr/bin/node"
  for lib in $(ldd "$NODE_BIN" | grep -oE '/[^ ]+' | sort -u) /lib64/ld-linux-x86-64.so.2; do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
}

HASH="$(content_hash)"
if [ "$FORCE" = 0 ] && all_up_to_date "$HASH"; then
  say "images $REPO:{1.0.0,1.0.1,1.1.0,1.0.0-smallmem,1.0.0-badlabel} up to date ($HASH)"
  exit 0
fi

# Two builds at once would race on the build dir.
exec 9>"$LOCK_FILE"
flock 9
if [ "$FORCE" = 0 ] && all_up_to_date "$HASH"; then
  say "images up to date ($HASH, built by a concurrent run)"
  exit 0
fi

act "building $REPO images ($HASH)"
mkdir -p "$BUILD_DIR"
make_rootfs "$BUILD_DIR/rootfs"
cp "$ROOT/engine/server.mjs" "$ROOT/engine/Dockerfile" "$BUILD_DIR/"

for v in "${VARIANTS[@]}"; do
  IFS='|' read -r tag version extra <<<"$v"
  # The CLI's legacy-builder deprecation notice is noise: show its output only on failure.
  # shellcheck disable=SC2086 # $extra is a list of flags
  if ! out="$(docker build --quiet \
    --build-arg "ENGINE_VERSION=$version" \
    --label "com.galaxy.test_engine_hash=$HASH" \
    $extra \
    -t "$REPO:$tag" "$BUILD_DIR" 2>&1)"; then
    echo "$out" >&2
    echo "build-engine-image: docker build of $REPO:$tag failed" >&2
    exit 1
  fi
  act "tagged $REPO:$tag"
done

# Earlier builds of these tags are now untagged: drop those no container uses.
docker image prune --force --filter "label=com.galaxy.test_engine_hash" >/dev/null
