#!/usr/bin/env bash
# Runs Cloud.Log's benchmark: the log against the storage's own limit and against Storage Queues, on
# Azurite processes and a server process it starts itself (about 7 minutes on 2 cores). Writes the table
# to artifacts/benchmarks/results.md and results.json. Needs only the .NET 10 SDK and Node.js.
# Arguments go to the program: --quick (every case briefly), --out DIR, --only engine,scaling,fetch,produce,latency,queues.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
eng/ensure-node-tools.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet run -c Release --project tests/Cloud.Log.Benchmarks -- "$@"
