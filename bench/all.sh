#!/usr/bin/env bash
# The whole benchmark suite, one command: ingest, window queries, end-to-end delivery (as fast as it goes and
# paced to 1,000/s), backlog drain, inactivity sweep, start-up time to ready and peak memory. Writes
# BENCHMARKS.md (date, machine, commands, results) and keeps every run's full output in bench-logs/.
#   bench/all.sh                  # ~20 minutes on 2 cores
set -euo pipefail
cd "$(dirname "$0")/.."
LOGS=bench-logs
COMMIT="$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!BENCHMARKS.md' || echo ' (with uncommitted changes)')"
rm -rf "$LOGS" && mkdir -p "$LOGS"
mvn -q -B -DskipTests package

# Start-up to readiness: a first start (fresh data directory: initdb, migrations) and a second on the same data.
startup() {
  local data=$1 port=18481 mgmt=18482 started pid
  started=$(date +%s%N)
  HTTP_HOST=127.0.0.1 MGMT_HOST=127.0.0.1 HTTP_PORT=$port MGMT_PORT=$mgmt DATA_DIR="$data" CONNECTOR_CONFIG_DIR=bench/config \
    ADMIN_TOKEN=startup SHUTDOWN_DRAIN_DELAY=0s java -jar target/conversation-connector.jar > "$data.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$mgmt/observe/health/ready" > /dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "start-up failed, see $data.log"; exit 1; }
    sleep 0.05
  done
  echo $(( ($(date +%s%N) - started) / 1000000 ))
  kill "$pid"; wait "$pid" 2>/dev/null || true
}
STARTUP_DATA=$(mktemp -d "${TMPDIR:-/tmp}/connector-startup.XXXXXX")/data
FIRST_MS=$(startup "$STARTUP_DATA")
SECOND_MS=$(startup "$STARTUP_DATA")
rm -rf "$(dirname "$STARTUP_DATA")"
echo "startup: first ${FIRST_MS} ms, second ${SECOND_MS} ms" | tee "$LOGS/startup.txt"

run() { # name, command...
  local name=$1; shift
  echo "== $name: $*"
  env "$@" > "$LOGS/$name.txt" 2>&1 || { echo "$name failed, see $LOGS/$name.txt"; exit 1; }
  grep -v '^\[' "$LOGS/$name.txt" | tail -12
}
run ingest bench/ingest.sh
run window bench/window.sh
run delivery bench/delivery.sh
run delivery-paced RATE=1000 bench/delivery.sh
run delivery-cold WARMUP=10 bench/delivery.sh
run delivery-paced-cold WARMUP=10 RATE=1000 bench/delivery.sh
run drain bench/drain.sh
run sweep bench/sweep.sh

pick() { grep -h -E "$2" "$LOGS/$1.txt" | head -${3:-1} | sed 's/|/\\|/g' | tr '\n' ' '; }
{
  echo "# Benchmarks"
  echo
  echo "Written by \`bench/all.sh\` on $(date -u +%Y-%m-%d) at commit ${COMMIT}."
  echo "Full output of each run: \`bench-logs/\` (not committed). Driver, stub CRM, connector and PostgreSQL share the machine."
  echo
  echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB RAM,"
  echo "$(java -version 2>&1 | head -1), embedded PostgreSQL (fsync on), $(uname -sr)."
  echo
  echo "| benchmark | command | result |"
  echo "|---|---|---|"
  echo "| start-up to ready | \`bench/all.sh\` (startup) | first start (initdb + migrations) ${FIRST_MS} ms; second start on the same data ${SECOND_MS} ms |"
  echo "| ingest with state, concurrency 32 | \`bench/ingest.sh\` | $(pick ingest 'accepted_per_s') $(pick ingest 'latency_ms') |"
  echo "| window query, 1M contacts | \`bench/window.sh\` | $(pick window 'per_s|answers') $(pick window 'latency_ms') |"
  echo "| delivery end to end, as fast as it goes | \`bench/delivery.sh\` | $(pick delivery 'delivered_per_s') $(pick delivery 'end_to_end_ms') |"
  echo "| delivery end to end paced to 1,000/s | \`RATE=1000 bench/delivery.sh\` | $(pick delivery-paced 'delivered_per_s') $(pick delivery-paced 'end_to_end_ms') |"
  echo "| the same two in the JIT's first phase (10 s warm-up) | \`WARMUP=10 bench/delivery.sh\`, \`WARMUP=10 RATE=1000 bench/delivery.sh\` | $(pick delivery-cold 'delivered_per_s') $(pick delivery-cold 'end_to_end_ms') · paced: $(pick delivery-paced-cold 'end_to_end_ms') |"
  echo "| backlog drain after an outage | \`bench/drain.sh\` | $(pick drain '^backlog=') $(pick drain 'drain_per_s') |"
  echo "| inactivity sweep, 100k idle of 1M | \`bench/sweep.sh\` | $(pick sweep '^sweep:') |"
  echo "| ingest at 1,000/s: p99 without a sweep (60 s warm-up) · whole run with the sweep · requests sent during the sweep | \`bench/sweep.sh\` | $(pick sweep 'latency_ms' 3) |"
  echo "| CPU of connector and PostgreSQL: ingest at 1,000/s alone · while the sweep ran | \`bench/sweep.sh\` | $(pick sweep '^CPU' 2) |"
  echo "| connector peak RSS (JVM) | each run | ingest $(pick ingest 'peak_rss') · delivery $(pick delivery 'peak_rss') · sweep $(pick sweep 'peak_rss') |"
} > BENCHMARKS.md
echo; cat BENCHMARKS.md
