#!/usr/bin/env bash
# Installs the Node.js tools pinned in package-lock.json (Azurite, and the validators the infrastructure
# tests use) with npm ci, unless node_modules already holds exactly that lock file's packages.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v node >/dev/null || { echo "Node.js is needed (it runs Azurite): install it, then run this again." >&2; exit 1; }
stamp=node_modules/.cloudlog-lock.sha256
wanted=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "Installing the pinned Node.js tools (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
  echo "$wanted" > "$stamp"
fi
