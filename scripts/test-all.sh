#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what the tests need, builds, type-checks, lints, tests.
# Needs root (or sudo) for apt-get the first time. Under CI=true a missing dependency fails the run; nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the suites use:
# - MSAL Python + msal-extensions (with PyGObject's libsecret binding) for the interop tests;
# - chromium for the real-browser tests (driven by playwright-core; no browser download);
# - a D-Bus session bus and gnome-keyring: a real Secret Service for the libsecret tests;
# - redis-server (and redis-cli, from redis-tools, which it depends on) for the distributed cache tests: a single
#   server and a six-node Redis Cluster, started and stopped by the tests, on loopback;
# - redis-sentinel for the Sentinel tests (a primary, a replica and three sentinels, on loopback);
# - tmux for the terminal test of the CLI's device-code screen;
# - openssh-client (ssh-keygen) to verify the SSH certificates the emulator issues;
# - openssl for test certificates and to judge the emulator's;
# - xdg-utils: xdg-open, the browser launcher on Linux (chromium pulls it in too; named so the test does not depend on that).
APT_PACKAGES=(python3-msal python3-msal-extensions python3-portalocker python3-gi gir1.2-secret-1
  chromium dbus dbus-daemon gnome-keyring libsecret-1-0 libsecret-tools redis-server redis-sentinel tmux openssh-client openssl xdg-utils)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The interop tests drive Debian's MSAL Python; prove it is importable before anything runs.
/usr/bin/python3 -c 'import msal, msal_extensions' || { echo "MSAL Python is not importable by /usr/bin/python3" >&2; exit 1; }
# They also drive MSAL Python 1.31 + msal-extensions 1.3.1 (no Debian package; PyPI is out of reach) from
# MSAL_PYTHON_PEERS, else ../shared/peers/python beside the repository (test/interop/python-lanes.ts). A clean clone may
# not have that folder: then that lane cannot run, and this says so loudly rather than passing quietly.
PEERS_DIR="${MSAL_PYTHON_PEERS:-$(cd .. && pwd)/shared/peers/python}"
if PYTHONPATH="$PEERS_DIR" /usr/bin/python3 -c 'import msal, msal_extensions, sys; sys.exit(msal.__version__ != "1.31.0" or msal_extensions.__version__ != "1.3.1")' 2>/dev/null; then
  echo "== MSAL Python lanes: Debian's 1.21 and 1.31 from $PEERS_DIR"
else
  echo "!!!!! MSAL PYTHON 1.31 LANE WILL NOT RUN: no MSAL Python 1.31 / msal-extensions 1.3.1 at $PEERS_DIR (set MSAL_PYTHON_PEERS). Only Debian's 1.21 is tested. !!!!!"
fi
for tool in /usr/bin/chromium dbus-run-session gnome-keyring-daemon secret-tool redis-server redis-cli redis-sentinel tmux ssh-keygen; do
  command -v "$tool" >/dev/null || { echo "missing $tool after installing ${APT_PACKAGES[*]}" >&2; exit 1; }
done

echo "== npm ci"
npm ci --no-audit --no-fund --loglevel=error
echo "== build"
npm run build --silent
echo "== typecheck"
npm run typecheck --silent
echo "== lint"
npm run lint --silent
echo "== tests (inside a private D-Bus session with an unlocked gnome-keyring: a real Secret Service)"
KEYRING_HOME=$(mktemp -d)
trap 'rm -rf "$KEYRING_HOME"' EXIT
# The keyring lives in a throwaway XDG_DATA_HOME; gnome-keyring-daemon exits with the bus when the tests end.
XDG_DATA_HOME="$KEYRING_HOME" dbus-run-session -- sh -c \
  'printf %s msal-ts-ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null && npm test --silent'
echo "== Windows lane: the suites whose behaviour differs on Windows, under Windows Node.js in Wine (scripts/windows-lane.sh)"
# After the Linux suites, not beside them: on 2 cores the two together overran the lane's 5-minute budget.
./scripts/windows-lane.sh
echo "== Node lanes: the other Node.js lines engines takes in: the whole suite on Node 26, the version-dependent suites on 24, 22.12 and 20.19 (scripts/node-lanes.sh)"
# After the others, for the same reason; in a D-Bus session of its own with an unlocked keyring, as above.
NODE_KEYRING_HOME=$(mktemp -d)
trap 'rm -rf "$KEYRING_HOME" "$NODE_KEYRING_HOME"' EXIT
XDG_DATA_HOME="$NODE_KEYRING_HOME" dbus-run-session -- sh -c \
  'printf %s msal-ts-ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null && ./scripts/node-lanes.sh'
