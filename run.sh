#!/usr/bin/env bash
# Runs Cloud.Log on this machine. Needs only the .NET 10 SDK and Node.js: it installs the pinned Azurite
# where missing, starts it (data in .azurite/), builds and starts the standalone server on
# http://127.0.0.1:7071 with the Kafka listener on 127.0.0.1:9092, and prints a first curl and kcat.
# Ctrl-C stops both.
# Settings: CLOUDLOG_PORT (7071), CLOUDLOG_KAFKA_PORT (9092), AZURITE_BLOB_PORT / AZURITE_QUEUE_PORT / AZURITE_TABLE_PORT
# (10000-10002), CLOUDLOG_DATA (.azurite). Any CloudLog__* variable reaches the server (docs/api.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
port=${CLOUDLOG_PORT:-7071}
kafka=${CLOUDLOG_KAFKA_PORT:-9092}
blob=${AZURITE_BLOB_PORT:-10000}
queue=${AZURITE_QUEUE_PORT:-10001}
table=${AZURITE_TABLE_PORT:-10002}
data=${CLOUDLOG_DATA:-.azurite}

command -v dotnet >/dev/null || { echo "The .NET 10 SDK is needed: https://dot.net" >&2; exit 1; }
eng/ensure-node-tools.sh

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Whether the server answers its health check with 200 (plain bash: curl may not be installed).
healthy() {
  (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /api/health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && head -n 1 <&3 | grep -q ' 200 ') 2>/dev/null
}
for p in "$blob" "$queue" "$table" "$port" "$kafka"; do
  if listening "$p"; then echo "Port $p is in use already (another Azurite or server?): stop it, or choose other ports." >&2; exit 1; fi
done

azurite_pid=""
server_pid=""
stop() {
  trap - EXIT INT TERM
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$azurite_pid" ] && kill "$azurite_pid" 2>/dev/null && wait "$azurite_pid" 2>/dev/null
  echo "Cloud.Log stopped."
}
trap stop EXIT
trap 'exit 130' INT TERM

echo "Building the server..."
dotnet build functions/Cloud.Log.Server -c Release -nologo -v quiet -clp:ErrorsOnly

mkdir -p "$data"
node node_modules/azurite/dist/src/azurite.js --silent --skipApiVersionCheck --loose --disableTelemetry \
  --location "$data" --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" \
  --tableHost 127.0.0.1 --tablePort "$table" &
azurite_pid=$!
for _ in $(seq 100); do
  listening "$blob" && listening "$queue" && listening "$table" && break
  kill -0 "$azurite_pid" 2>/dev/null || { echo "Azurite did not start." >&2; exit 1; }
  sleep 0.2
done

# Azurite's published development account key: not a secret.
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export CloudLog__Locations__0__Name=azurite
export CloudLog__Locations__0__ConnectionString="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
export CloudLog__Kafka__Enabled=true CloudLog__Kafka__Port="$kafka"
dotnet functions/Cloud.Log.Server/bin/Release/net10.0/Cloud.Log.Server.dll --urls "http://127.0.0.1:$port" &
server_pid=$!
for _ in $(seq 150); do
  healthy && break
  kill -0 "$server_pid" 2>/dev/null || { echo "The server did not start." >&2; exit 1; }
  sleep 0.2
done

url="http://127.0.0.1:$port/api"
cat <<MSG

Cloud.Log is running at $url  (Azurite data in $data; Ctrl-C stops both)
Try:
  curl -s -X POST $url/topics -H 'Content-Type: application/json' -d '{"name":"orders","partitions":3}'
  curl -s -X POST $url/topics/orders/records -H 'Content-Type: application/json' -d '{"records":[{"key":"user-1","value":"hello"}]}'
  curl -s "$url/topics/orders/partitions/0/records?offset=0"
The contract: $url/openapi.json and docs/api.md

Kafka clients and tools: bootstrap server 127.0.0.1:$kafka (docs/kafka.md), for example
  printf 'user-1:hello\n' | kcat -b 127.0.0.1:$kafka -P -t orders -K: -X partitioner=murmur2_random
  kcat -b 127.0.0.1:$kafka -C -t orders -o beginning -e

MSG
wait "$server_pid"
