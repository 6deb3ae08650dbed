#!/usr/bin/env bash
# Installs the Debian packages the tests drive as real clients, where missing: kcat (a Kafka client on
# librdkafka), chromium (the browser the console's Playwright tests drive; no browser download) and curl
# (the docs' shell examples, run as written by DocsExamplesTests).
# Needs root or sudo on a Debian machine; elsewhere it says what is missing and the tests that need it skip.
set -euo pipefail
wanted=(kcat chromium curl)
missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
  echo "Not a Debian machine: install ${missing[*]} yourself; the tests that need them skip without." >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "Installing ${missing[*]} (apt-get)..."
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
