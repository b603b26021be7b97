#!/usr/bin/env bash
# The whole test suite on a fresh Debian machine: installs what the tests need, builds, type-checks, lints, tests.
# Needs root (or sudo) for apt-get the first time. Under CI=true a missing dependency fails the run; nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the suites use: MSAL Python and msal-extensions for the interop tests, openssl for test certificates.
APT_PACKAGES=(python3-msal python3-msal-extensions openssl)

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

echo "== npm ci"
npm ci --no-audit --no-fund --loglevel=error
echo "== build"
npm run build --silent
echo "== typecheck"
npm run typecheck --silent
echo "== lint"
npm run lint --silent
echo "== tests"
npm test --silent
