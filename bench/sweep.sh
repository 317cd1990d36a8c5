#!/usr/bin/env bash
# Inactivity sweep benchmark: CONVERSATIONS open conversations (default 1,000,000) of which IDLE (100,000) have
# been idle past their source's inactivityTimeout, seeded straight into the database (bench/SeedWindows.java).
# 1. ingest p99 at RATE webhooks/s without a sweep (bench/LoadDriver.java, DURATION s after WARMUP s);
# 2. the same load again, and after SWEEP_AFTER s one sweep (POST /api/sweeps/inactivity/run) that closes the idle
#    conversations, stores their conversation.closed events and enqueues them for the (paused) subscription.
# The sweep's own timer is off (SWEEP_CRON far in the future), so only the measured run sweeps.
#   bench/sweep.sh
#   RATE=2000 bench/sweep.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
CONVERSATIONS=${CONVERSATIONS:-1000000}
IDLE=${IDLE:-100000}
RATE=${RATE:-1000}
DURATION=${DURATION:-20}
WARMUP=${WARMUP:-5}
SWEEP_AFTER=${SWEEP_AFTER:-8}
CONCURRENCY=${CONCURRENCY:-32}
export SWEEP_CRON="0 0 0 1 1 ? 2099"
CONFIG_DIR=bench/sweep-config start_connector
curl -sS --fail-with-body -X POST -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
  -d '{"reason":"bench: measure enqueueing only"}' "http://127.0.0.1:$HTTP_PORT/api/subscriptions/bench-closed/disable" > /dev/null
bench_java bench/SeedWindows.java "$PG_URL" "$CONVERSATIONS" "$IDLE"
load() {
  java bench/LoadDriver.java 127.0.0.1 "$HTTP_PORT" "$DURATION" "$CONCURRENCY" "$WARMUP" \
    sinch-bench bench-sinch-secret bird-bench bench-bird-key "http://127.0.0.1/webhooks/bird-bench" "$RATE" | grep -E "accepted_per_s|latency|statuses"
}
echo "== $(nproc) cores; $CONVERSATIONS open conversations, $IDLE idle; ingest at $RATE/s without a sweep"
load
echo "== the same load, with one inactivity sweep starting $((WARMUP + SWEEP_AFTER)) s in"
load &
LOAD=$!
sleep $((WARMUP + SWEEP_AFTER))
echo "sweep: $(curl -sS --fail-with-body -X POST -H "Authorization: Bearer $ADMIN_TOKEN" "http://127.0.0.1:$HTTP_PORT/api/sweeps/inactivity/run")"
wait $LOAD
echo "queued for the paused subscription: $(curl -sS -H "Authorization: Bearer $ADMIN_TOKEN" "http://127.0.0.1:$HTTP_PORT/api/subscriptions" \
  | grep -o '"backlog":[0-9]*' | head -1)"
