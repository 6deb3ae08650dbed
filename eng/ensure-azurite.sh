#!/usr/bin/env bash
# Installs the Azurite pinned in package.json into node_modules/ (npm ci) unless that exact version is there.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v node >/dev/null || { echo "Node.js is needed (it runs Azurite): install it, then run this again." >&2; exit 1; }
wanted=$(node -p "require('./package.json').devDependencies.azurite")
installed=$(node -p "try { require('./node_modules/azurite/package.json').version } catch { '' }")
if [ "$wanted" != "$installed" ]; then
  echo "Installing Azurite $wanted (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
fi
