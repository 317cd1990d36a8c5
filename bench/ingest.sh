#!/usr/bin/env bash
# Ingest benchmark: verified, durably committed webhooks per second.
# Builds the connector, starts it on 127.0.0.1 with a fresh embedded PostgreSQL (fsync and synchronous_commit
# on), waits for readiness, then bench/LoadDriver.java posts correctly signed Sinch and Bird webhooks with
# unique event ids over CONCURRENCY keep-alive connections. The first WARMUP seconds (JIT) are not counted.
# Prints accepted/s, p50/p99/max latency and errors; with psql on the PATH it also checks that the database
# holds at least every acknowledged event.
#   bench/ingest.sh                       # 30 s at concurrency 32 after 15 s warm-up
#   DURATION=60 CONCURRENCY=64 bench/ingest.sh
#   KEEP_DATA=1 bench/ingest.sh           # keep the database and connector log afterwards
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-30}
CONCURRENCY=${CONCURRENCY:-32}
WARMUP=${WARMUP:-15}
HTTP_PORT=${BENCH_HTTP_PORT:-18480}
MGMT_PORT=${BENCH_MGMT_PORT:-18481}

mvn -q -B -DskipTests package
DATA=$(mktemp -d "${TMPDIR:-/tmp}/connector-bench.XXXXXX")
HTTP_HOST=127.0.0.1 MGMT_HOST=127.0.0.1 HTTP_PORT=$HTTP_PORT MGMT_PORT=$MGMT_PORT DATA_DIR="$DATA" \
  CONNECTOR_CONFIG_DIR=bench/config ADMIN_TOKEN=bench java -jar target/conversation-connector.jar > "$DATA/connector.log" 2>&1 &
PID=$!
cleanup() {
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  if [ -z "${KEEP_DATA:-}" ]; then rm -rf "$DATA"; else echo "data and log kept in $DATA"; fi
}
trap cleanup EXIT

for _ in $(seq 1 120); do
  if curl -sf "http://127.0.0.1:$MGMT_PORT/observe/health/ready" > /dev/null; then break; fi
  sleep 0.5
done
curl -sf "http://127.0.0.1:$MGMT_PORT/observe/health/ready" > /dev/null || { echo "connector not ready; see $DATA/connector.log"; exit 1; }

echo "== ingest: $(nproc) cores, concurrency $CONCURRENCY, ${DURATION}s measured after ${WARMUP}s warm-up"
java bench/LoadDriver.java 127.0.0.1 "$HTTP_PORT" "$DURATION" "$CONCURRENCY" "$WARMUP" \
  sinch-bench bench-sinch-secret bird-bench bench-bird-key "http://127.0.0.1/webhooks/bird-bench" | tee "$DATA/result.txt"

if command -v psql > /dev/null; then
  PG_PORT=$(sed -n 4p "$DATA/postgres/postmaster.pid")
  STORED=$(psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -Atc "select count(*) from inbox_event" postgres)
  ACKED=$(grep -o 'requests=[0-9]*' "$DATA/result.txt" | cut -d= -f2)
  echo "stored_rows=$STORED (acknowledged in the measured window: $ACKED; warm-up rows come on top)"
  [ "$STORED" -ge "$ACKED" ] || { echo "FEWER ROWS THAN ACKNOWLEDGED"; exit 1; }
fi
