#!/usr/bin/env bash
# Runs every test of Cloud.Log. Needs only the .NET 10 SDK and Node.js: it installs the pinned Azurite
# itself, and the tests start and stop their own Azurite processes on free loopback ports.
# Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Fetch").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
eng/ensure-node-tools.sh
eng/ensure-system-packages.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Cloud.Log.sln -c Release -nologo -clp:ErrorsOnly
# Formatting as dotnet format writes it: whitespace, line endings and final newlines in every file, then import
# order and the .editorconfig style rules on the solution. The analyzers already ran in the build (as errors),
# so dotnet format's own analyzer pass, which doubles the time, is left out.
dotnet format whitespace --folder --verify-no-changes
dotnet format style Cloud.Log.sln --verify-no-changes --no-restore
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test Cloud.Log.sln -c Release --no-build --blame-hang-timeout 10m "$@" 2>&1 | tee "$log" || status=$?
# One closing line for the whole run, summed over the test assemblies.
awk '/(Passed|Failed)! +- +Failed:/ {
       for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) }
     }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
