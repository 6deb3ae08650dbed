#!/usr/bin/env bash
# Runs Cloud.Log's benchmark: the log against the storage's own limit (each ratio's case and limit in
# alternating rounds), against Storage Queues, over 1-3 server processes, and from a cold start, on Azurite
# processes and server processes it starts itself (about 25 minutes on 2 cores, see docs/benchmarks.md).
# Writes the table to artifacts/benchmarks/results.md and results.json, and a full run's results file to
# docs/benchmarks/. Needs only the .NET 10 SDK and Node.js. Arguments go to the program: --quick (every case
# briefly, 1 round), --rounds N, --out DIR, --results DIR,
# --only engine,scaling,fetch,produce,latency,queues,scaleout,coldstart,kafka,cost.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
eng/ensure-node-tools.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet run -c Release --project tests/Cloud.Log.Benchmarks -- "$@"
