#!/usr/bin/env bash
# Make sure what the browser tests need is on this machine:
#   - Debian's chromium at /usr/bin/chromium (Playwright drives it; a test tool's own browser download
#     cannot work here, so `playwright install` is never run),
#   - the test JavaScript dependencies from package-lock.json (axe-core) in ./node_modules (`npm ci`).
# Idempotent: on a machine that has both, it only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

if [ ! -x /usr/bin/chromium ]; then
  echo "installing: chromium (Debian)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    chromium fonts-noto-cjk >/dev/null
fi
# Korean glyphs for screenshots and layout (text metrics); cheap when already there.
if ! fc-list 2>/dev/null | grep -qi "noto.*cjk"; then
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends fonts-noto-cjk >/dev/null || true
fi
/usr/bin/chromium --version

if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: install Node.js and npm (Debian: apt-get install nodejs npm)" >&2
  exit 1
fi
# npm ci only when node_modules does not match the lockfile.
if [ ! -f node_modules/axe-core/axe.min.js ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node -e "console.log('axe-core ' + require('axe-core/package.json').version)"
