#!/usr/bin/env bash
# Inactivity sweep benchmark: CONVERSATIONS open conversations (default 1,000,000) of which IDLE (100,000) have
# been idle past their source's inactivityTimeout, seeded straight into the database (bench/SeedWindows.java).
# 0. Warm-up, as a running connector is: FIRST_WARMUP s of ingest at RATE/s, with WARMUP_SWEEPS (1) sweeps of
#    WARMUP_IDLE (20,000) idle conversations each, spread over it (reported as "warm-up sweep"; the JIT compiles
#    the sweep's code then; one of 20,000 leaves part of it to C1, see bench/SWEEP-NOTES.md).
# 1. ingest p99 at RATE webhooks/s without a sweep (bench/LoadDriver.java, DURATION s after WARMUP s);
# 2. the same load again, and after SWEEP_AFTER s one sweep (POST /api/sweeps/inactivity/run) that closes the idle
#    conversations, stores their conversation.closed events and enqueues them for the (paused) subscription.
#    "during the sweep" is the p99 of the requests sent between the sweep's start and its end (LoadDriver's
#    LATENCY_LOG), to compare with the p99 of step 1. Both steps also print the CPU the connector (its JIT
#    compilers apart) and PostgreSQL used, the cores that makes on average (the load driver not counted) and the
#    share of the time some task waited for a core; a last line shows how the requests over twice the p99 of
#    step 1 spread over the sweep, second by second.
# The sweep's own timer is off (SWEEP_CRON far in the future), so only these runs sweep.
#   bench/sweep.sh
#   RATE=500 bench/sweep.sh
#   WARMUP_IDLE=0 FIRST_WARMUP=5 bench/sweep.sh      # the first sweep of a cold JVM
#   IDLE_SPREAD=1 bench/sweep.sh                     # idle conversations every 10th row, not the first 100,000
#   WARMUP_SWEEPS=3 WARMUP_IDLE=100000 FIRST_WARMUP=120 bench/sweep.sh   # a connector that has swept 300,000 already
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
CONVERSATIONS=${CONVERSATIONS:-1000000}
IDLE=${IDLE:-100000}
WARMUP_IDLE=${WARMUP_IDLE:-20000}
WARMUP_SWEEPS=${WARMUP_SWEEPS:-1}
RATE=${RATE:-1000}
DURATION=${DURATION:-25}
WARMUP=${WARMUP:-5}
FIRST_WARMUP=${FIRST_WARMUP:-60}
SWEEP_AFTER=${SWEEP_AFTER:-8}
CONCURRENCY=${CONCURRENCY:-32}
export SWEEP_CRON="0 0 0 1 1 ? 2099"
CONFIG_DIR=bench/sweep-config start_connector
curl -sS --fail-with-body -X POST -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
  -d '{"reason":"bench: measure enqueueing only"}' "http://127.0.0.1:$HTTP_PORT/api/subscriptions/bench-closed/disable" > /dev/null
load() {
  paced_ingest "$@" | grep -E "accepted_per_s|latency|statuses"
}
sweep() {
  curl -sS --fail-with-body -X POST -H "Authorization: Bearer $ADMIN_TOKEN" "http://127.0.0.1:$HTTP_PORT/api/sweeps/inactivity/run"
}
if [ "$WARMUP_IDLE" -gt 0 ]; then
  bench_java bench/SeedWindows.java "$PG_URL" "$WARMUP_IDLE" "$WARMUP_IDLE" warmup
  echo "== warm-up: ingest at $RATE/s for $FIRST_WARMUP s, $WARMUP_SWEEPS sweep(s) of $WARMUP_IDLE idle conversations spread over it"
  load 0 "$FIRST_WARMUP" > /dev/null &
  LOAD=$!
  for k in $(seq 1 "$WARMUP_SWEEPS"); do
    if [ "$k" -gt 1 ]; then  # the next set to close, under its own prefix (warmupb, warmupc, ...)
      bench_java bench/SeedWindows.java "$PG_URL" "$WARMUP_IDLE" "$WARMUP_IDLE" "warmup$(printf "\\$(printf %o $((96 + k)))")" > /dev/null
    fi
    sleep $((FIRST_WARMUP / (WARMUP_SWEEPS + 1)))
    echo "warm-up sweep: $(sweep)"
  done
  wait $LOAD
  FIRST_WARMUP=0
fi
bench_java bench/SeedWindows.java "$PG_URL" "$CONVERSATIONS" "$IDLE"
echo "== $(nproc) cores; $CONVERSATIONS open conversations, $IDLE idle; ingest at $RATE/s without a sweep"
CPU_BEFORE=$(cpu_ticks)
LOAD_START=$(date +%s%3N)
BASELINE=$(load "$((FIRST_WARMUP + WARMUP))" "$DURATION")
echo "$BASELINE"
BASE_P99=$(grep -o 'p99=[0-9.]*' <<< "$BASELINE" | head -1 | cut -d= -f2)
echo "CPU of that run, for comparison: $(cpu_between "$CPU_BEFORE" "$(cpu_ticks)" $(($(date +%s%3N) - LOAD_START)))"
echo "== the same load, with one inactivity sweep starting $((WARMUP + SWEEP_AFTER)) s in"
load "$WARMUP" "$DURATION" "$DATA/latency.log" &
LOAD=$!
sleep $((WARMUP + SWEEP_AFTER))
CPU_BEFORE=$(cpu_ticks)
SWEEP_START=$(date +%s%3N)
SWEEP=$(sweep)
SWEEP_END=$(date +%s%3N)
CPU_AFTER=$(cpu_ticks)
echo "sweep: $SWEEP"
echo "CPU while the sweep ran (ingest included): $(cpu_between "$CPU_BEFORE" "$CPU_AFTER" $((SWEEP_END - SWEEP_START)))"
wait $LOAD
read -r REQUESTS P99 MAX <<< "$(latency_between "$DATA/latency.log" "$SWEEP_START" "$SWEEP_END")"
echo "during the sweep ($REQUESTS requests): latency_ms p99=$P99 max=$MAX"
TWICE=$(awk -v p="$BASE_P99" 'BEGIN {printf "%.2f", 2 * p}')
echo "requests of $TWICE ms or more (twice the p99 without a sweep), by second of the sweep: $(slow_by_second "$DATA/latency.log" "$SWEEP_START" "$SWEEP_END" "$TWICE")"
echo "queued for the paused subscription (warm-up sweep included): $(curl -sS -H "Authorization: Bearer $ADMIN_TOKEN" "http://127.0.0.1:$HTTP_PORT/api/subscriptions" \
  | grep -o '"backlog":[0-9]*' | head -1)"
