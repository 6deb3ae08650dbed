#!/usr/bin/env bash
# Runs Cloud.Log's own fault run: four Azurite locations (metadata and three replica locations) behind fault
# proxies, three server processes, producers (plain and idempotent, HTTP JSON and the SDK) and consumers
# (assigned and in a group) spread over them, and faults from a seeded schedule (servers killed and frozen,
# storage refused, hung, slow, answering 503, reset, rolled back); then a check of what the clients saw against
# what a fresh engine reads back (see docs/replication.md, "Soak run"). Loopback only, bounded in time, not in
# CI. Prints one summary line and exits non-zero on any violation. Arguments go to the program:
# --minutes N (default 10), --seed S (default: a random one, printed), --no-faults, --out DIR (default
# artifacts/soak: the fault log, the violations' details, every acknowledgement, the servers' logs).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
eng/ensure-node-tools.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet run -c Release --project tests/Cloud.Log.Soak -- "$@"
