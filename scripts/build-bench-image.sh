#!/usr/bin/env bash
# Builds the bench's light engine image galaxy/bench-httpd:1: busybox httpd FROM scratch
# (2 MB), serving the game's state dir, so /healthz is the file `healthz` the engine writes
# there at start; the bench deletes it to make /healthz answer 404 (docs/benchmark.md).
# Needs busybox-static (scripts/bootstrap.sh installs it). Idempotent: does nothing when
# the tag exists with the current content hash.
#   --quiet   print only actions taken and errors
#   --force   rebuild even when up to date
set -euo pipefail

QUIET=0
FORCE=0
for arg in "$@"; do
  case "$arg" in
    --quiet) QUIET=1 ;;
    --force) FORCE=1 ;;
    *) echo "build-bench-image: unknown argument $arg" >&2; exit 2 ;;
  esac
done

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE="galaxy/bench-httpd:1"
BUSYBOX="${BENCH_BUSYBOX_BIN:-/bin/busybox}"
BUILD_DIR="$ROOT/.tmp/bench-image-build"
LOCK_FILE="/tmp/rtm-bench-image.lock"

say() { [ "$QUIET" = 1 ] || echo "build-bench-image: $*"; }
act() { echo "build-bench-image: $*"; }

[ -x "$BUSYBOX" ] || { echo "build-bench-image: $BUSYBOX not found: apt-get install busybox-static (scripts/bootstrap.sh does)" >&2; exit 1; }
file_is_static() { ! ldd "$1" >/dev/null 2>&1; }
file_is_static "$BUSYBOX" || { echo "build-bench-image: $BUSYBOX is dynamically linked: a scratch image needs busybox-static" >&2; exit 1; }

content_hash() {
  { sha256sum "$ROOT/bench/engine/Dockerfile" "$ROOT/scripts/build-bench-image.sh" | cut -d' ' -f1; stat -c '%s %Y' "$BUSYBOX"; } | sha256sum | cut -c1-16
}
image_hash() { docker image inspect --format '{{ index .Config.Labels "com.galaxy.bench_image_hash" }}' "$IMAGE" 2>/dev/null || true; }

HASH="$(content_hash)"
if [ "$FORCE" = 0 ] && [ "$(image_hash)" = "$HASH" ]; then
  say "image $IMAGE up to date ($HASH)"
  exit 0
fi
exec 9>"$LOCK_FILE"
flock 9
if [ "$FORCE" = 0 ] && [ "$(image_hash)" = "$HASH" ]; then
  say "image $IMAGE up to date ($HASH, built by a concurrent run)"
  exit 0
fi

act "building $IMAGE ($HASH)"
rm -rf "$BUILD_DIR"
mkdir -p "$BUILD_DIR"
cp -L "$BUSYBOX" "$BUILD_DIR/busybox"
cp "$ROOT/bench/engine/Dockerfile" "$BUILD_DIR/"
if ! out="$(docker build --quiet --label "com.galaxy.bench_image_hash=$HASH" -t "$IMAGE" "$BUILD_DIR" 2>&1)"; then
  echo "$out" >&2
  echo "build-bench-image: docker build of $IMAGE failed" >&2
  exit 1
fi
act "tagged $IMAGE"
# Earlier builds of this tag are now untagged: drop those no container uses.
docker image prune --force --filter "label=com.galaxy.bench_image_hash" >/dev/null
