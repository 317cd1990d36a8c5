#!/usr/bin/env bash
# The yardstick for bench/sweep.sh's second bar (ingest p99 during a sweep at most 2x its p99 without one): the same
# ingest at RATE/s, while LOOPS (1) plain busy loops (no database, no I/O, no allocation) keep a core each busy for
# BUSY_SECONDS (10, a sweep's budget). Each of ROUNDS rounds compares the p99 of the requests sent while the loops ran
# with the p99 of the BEFORE (15) seconds before them, on one connector warmed up for FIRST_WARMUP (40) seconds.
#   bench/busy-core.sh
#   NICE=19 bench/busy-core.sh      # the busy loop at the lowest CPU priority
#   LOOPS=0 bench/busy-core.sh      # no loop: how far two windows of the same load differ by themselves
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
RATE=${RATE:-1000}
BUSY_SECONDS=${BUSY_SECONDS:-10}
BEFORE=${BEFORE:-15}
NICE=${NICE:-0}
LOOPS=${LOOPS:-1}
ROUNDS=${ROUNDS:-3}
FIRST_WARMUP=${FIRST_WARMUP:-40}
CONCURRENCY=${CONCURRENCY:-32}
CONFIG_DIR=bench/sweep-config start_connector
load() {
  paced_ingest "$@" > /dev/null
}
echo "== $(nproc) cores; warm-up: ingest at $RATE/s for $FIRST_WARMUP s"
load 0 "$FIRST_WARMUP"
for round in $(seq 1 "$ROUNDS"); do
  load 3 $((BEFORE + BUSY_SECONDS + 5)) "$DATA/latency.log" &
  LOAD=$!
  sleep $((3 + BEFORE))
  BUSY_START=$(now_ms)
  LOOP_PIDS=()
  for _ in $(seq 1 "$LOOPS"); do
    nice -n "$NICE" timeout "$BUSY_SECONDS" sh -c 'while :; do :; done' &
    LOOP_PIDS+=($!)
  done
  sleep "$BUSY_SECONDS"
  if [ "$LOOPS" -gt 0 ]; then wait "${LOOP_PIDS[@]}" || true; fi
  BUSY_END=$(now_ms)
  wait $LOAD
  read -r N0 P0 _ <<< "$(latency_between "$DATA/latency.log" 0 $((BUSY_START - 1)))"
  read -r N1 P1 MAX1 <<< "$(latency_between "$DATA/latency.log" "$BUSY_START" "$BUSY_END")"
  echo "round $round: ingest p99 $P0 ms before ($N0 requests), $P1 ms with $LOOPS busy loop(s) at nice $NICE ($N1 requests, max $MAX1 ms): $(awk -v a="$P0" -v b="$P1" 'BEGIN {printf "%.1f", b / a}')x"
done
