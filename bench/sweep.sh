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
#    With ADMIN_PRIMER=n, n s before the sweep one admin request of the same kind (a bodyless POST re-pausing the
#    paused subscription): the first such requests after a stretch of webhooks make the JIT drop and recompile code
#    of the HTTP path that ingest runs (bench/SWEEP-NOTES.md, 2026-12-07 afternoon), which then happens before the
#    sweep instead of at its start; alone it costs ingest nothing visible (a line shows it). Default 0: none.
#    TRIGGER=timer starts every sweep, warm-up ones included, by the connector's own Quartz timer instead, as in
#    production (the default SWEEP_INTERVAL, 30s: at :00 and :30 of each minute): the idle conversations are seeded
#    to become idle just before a planned firing (SeedWindows' IDLE_SINCE), and the sweep's start and end come from
#    its log line. The CPU line then spans from that firing to when the line was seen (a little more than the
#    sweep). Seeding must end within SEED_BUDGET s (60), since the plan is made before it; the plan waits for a
#    firing, up to 30 s more.
# The sweep's own timer is off (SWEEP_CRON far in the future), so only these runs sweep.
#   bench/sweep.sh
#   RATE=500 bench/sweep.sh
#   WARMUP_IDLE=0 FIRST_WARMUP=5 bench/sweep.sh      # the first sweep of a cold JVM
#   IDLE_SPREAD=1 bench/sweep.sh                     # idle conversations every 10th row, not the first 100,000
#   WARMUP_SWEEPS=3 WARMUP_IDLE=100000 FIRST_WARMUP=120 bench/sweep.sh   # a connector that has swept 300,000 already
#   ADMIN_PRIMER=4 bench/sweep.sh                    # a harmless admin request of the same kind 4 s before the sweep
#   TRIGGER=timer bench/sweep.sh                     # sweeps started by their Quartz timer, no admin request
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
ADMIN_PRIMER=${ADMIN_PRIMER:-0}
TRIGGER=${TRIGGER:-api}
SEED_BUDGET=${SEED_BUDGET:-60}
INACTIVITY_TIMEOUT_MS=1800000 # bench/sweep-config/sources.yaml: sinch-bench's inactivityTimeout, 30m
TIMER_INTERVAL_MS=30000       # TRIGGER=timer: the connector's default SWEEP_INTERVAL
IDLE_MARGIN_MS=500            # TRIGGER=timer: a set becomes idle this long before the firing that is to sweep it
case "$TRIGGER" in
  api) export SWEEP_CRON="0 0 0 1 1 ? 2099" ;;  # the timer off: only the admin requests below sweep
  timer) unset SWEEP_CRON; export SWEEP_INTERVAL=$((TIMER_INTERVAL_MS / 1000))s; ADMIN_PRIMER=0 ;;
  *) echo "TRIGGER must be api or timer, not $TRIGGER" >&2; exit 2 ;;
esac
if [ "$ADMIN_PRIMER" -ge $((WARMUP + SWEEP_AFTER)) ]; then
  echo "ADMIN_PRIMER ($ADMIN_PRIMER s) must be less than WARMUP + SWEEP_AFTER ($((WARMUP + SWEEP_AFTER)) s)" >&2
  exit 2
fi
CONFIG_DIR=bench/sweep-config start_connector
admin_post /api/subscriptions/bench-closed/disable -H 'Content-Type: application/json' -d '{"reason":"bench: measure enqueueing only"}' > /dev/null
load() {
  paced_ingest "$@" | grep -E "accepted_per_s|latency|statuses"
}
sweep() {
  admin_post /api/sweeps/inactivity/run
}
# A request of the sweep's request's kind (the same admin_post, without a body) that changes nothing: the
# subscription is paused already.
admin_primer() {
  admin_post /api/subscriptions/bench-closed/disable > /dev/null
}
next_firing() {  # TRIGGER=timer: the first firing of the timer at or after an epoch ms
  echo $((($1 + TIMER_INTERVAL_MS - 1) / TIMER_INTERVAL_MS * TIMER_INTERVAL_MS))
}
sleep_until() {  # epoch ms
  local ms=$(($1 - $(now_ms)))
  if [ "$ms" -gt 0 ]; then sleep "$(awk -v ms="$ms" 'BEGIN {printf "%.3f", ms / 1000}')"; fi
}
# TRIGGER=timer: waits for the connector's Nth "inactivity sweep:" log line (a run that closed something) and
# prints "END_MS JSON", END_MS the line's time as epoch ms. Each look reads only the complete lines the log gained
# since the last one: grepping the whole log (about 20 MB by then, a request line per webhook) ten times a second
# cost about a tenth of a core (0.57 s of CPU in 5.5 s on a 20 MB log), during the very sweep being measured.
timer_sweep() {
  local log=$DATA/connector.log from=0 seen=0 size got used matches line
  for _ in $(seq 1 1200); do
    size=$(stat -c %s "$log")
    if [ "$size" -gt "$from" ]; then
      # "BYTES MATCHES": the bytes of the complete lines read and the sweep lines among them, then the wanted one
      got=$(tail -c +$((from + 1)) "$log" | head -c $((size - from)) | LC_ALL=C awk -v bytes=$((size - from)) -v want=$(($1 - seen)) '
        { consumed += length($0) + 1
          if (consumed > bytes) exit  # the last line is not complete yet: the next look reads it again
          complete = consumed
          if (index($0, " Sweeps - inactivity sweep: ") && ++matches == want) { wanted = $0; exit } }
        END { print complete + 0, matches + 0; if (wanted != "") print wanted }')
      { read -r used matches; IFS= read -r line || true; } <<< "$got"
      from=$((from + used))
      seen=$((seen + matches))
      if [ -n "$line" ]; then
        echo "$(date -d "$(cut -d' ' -f1 <<< "$line" | sed 's/T/ /; s/,/./')" +%s%3N) ${line#* inactivity sweep: }"
        return
      fi
    fi
    sleep 0.1
  done
  echo "no inactivity sweep #$1 in $log within 120 s" >&2
  exit 1
}
if [ "$WARMUP_IDLE" -gt 0 ]; then
  WARMUP_START=$(($(now_ms) + 3000))
  if [ "$TRIGGER" = timer ]; then WARMUP_START=$(next_firing "$WARMUP_START"); fi
  warmup_due() {  # when the k-th warm-up set is to be swept
    local due=$((WARMUP_START + $1 * FIRST_WARMUP * 1000 / (WARMUP_SWEEPS + 1)))
    if [ "$TRIGGER" = timer ]; then next_firing "$due"; else echo "$due"; fi
  }
  # TRIGGER=timer: each set becomes idle just before the firing that is to sweep it (with api, it has been idle for
  # two hours)
  seed_warmup() {
    if [ "$TRIGGER" = timer ]; then export IDLE_SINCE=$(($(warmup_due "$1") - IDLE_MARGIN_MS - INACTIVITY_TIMEOUT_MS)); fi
    bench_java bench/SeedWindows.java "$PG_URL" "$WARMUP_IDLE" "$WARMUP_IDLE" "$2"
    unset IDLE_SINCE
  }
  seed_warmup 1 warmup
  echo "== warm-up: ingest at $RATE/s for $FIRST_WARMUP s, $WARMUP_SWEEPS sweep(s) of $WARMUP_IDLE idle conversations spread over it"
  sleep_until "$WARMUP_START"
  load 0 "$FIRST_WARMUP" > /dev/null &
  LOAD=$!
  for k in $(seq 1 "$WARMUP_SWEEPS"); do
    if [ "$k" -gt 1 ]; then  # the next set to close, under its own prefix (warmupb, warmupc, ...)
      seed_warmup "$k" "warmup$(printf "\\$(printf %o $((96 + k)))")" > /dev/null
    fi
    if [ "$TRIGGER" = timer ]; then
      WARMUP_SWEEP=$(timer_sweep "$k")
      echo "warm-up sweep: ${WARMUP_SWEEP#* }"
    else
      sleep_until "$(warmup_due "$k")"
      echo "warm-up sweep: $(sweep)"
    fi
  done
  wait $LOAD
  FIRST_WARMUP=0
fi
if [ "$TRIGGER" = timer ]; then
  # The plan: the idle conversations become idle just before a firing (DUE) WARMUP + SWEEP_AFTER s into the
  # second run, which starts 5 s after the planned end of the run without a sweep, which starts when seeding has
  # had SEED_BUDGET s or later.
  DUE=$(next_firing $(($(now_ms) + (SEED_BUDGET + FIRST_WARMUP + WARMUP + DURATION + 5 + WARMUP + SWEEP_AFTER) * 1000)))
  LOAD2_START=$((DUE - (WARMUP + SWEEP_AFTER) * 1000))
  PLANNED_START=$((LOAD2_START - (FIRST_WARMUP + WARMUP + DURATION + 5) * 1000))
  export IDLE_SINCE=$((DUE - IDLE_MARGIN_MS - INACTIVITY_TIMEOUT_MS))
fi
bench_java bench/SeedWindows.java "$PG_URL" "$CONVERSATIONS" "$IDLE"
unset IDLE_SINCE
if [ "$TRIGGER" = timer ]; then
  if [ "$(now_ms)" -gt "$PLANNED_START" ]; then
    echo "seeding took longer than SEED_BUDGET ($SEED_BUDGET s), so the planned sweep would be early: raise it" >&2
    exit 1
  fi
  sleep_until "$PLANNED_START"
fi
echo "== $(nproc) cores; $CONVERSATIONS open conversations, $IDLE idle; ingest at $RATE/s without a sweep"
CPU_BEFORE=$(cpu_ticks)
LOAD_START=$(now_ms)
BASELINE=$(load "$((FIRST_WARMUP + WARMUP))" "$DURATION")
echo "$BASELINE"
BASE_P99=$(grep -o 'p99=[0-9.]*' <<< "$BASELINE" | head -1 | cut -d= -f2)
echo "CPU of that run, for comparison: $(cpu_between "$CPU_BEFORE" "$(cpu_ticks)" $(($(now_ms) - LOAD_START)))"
if [ "$TRIGGER" = timer ]; then
  if [ "$(now_ms)" -gt "$LOAD2_START" ]; then
    echo "the run without a sweep ended later than planned, so the planned sweep would be early" >&2
    exit 1
  fi
  sleep_until "$LOAD2_START"
else
  DUE=$(($(now_ms) + (WARMUP + SWEEP_AFTER) * 1000))
fi
echo "== the same load, with one inactivity sweep starting $((WARMUP + SWEEP_AFTER)) s in ($TRIGGER)"
load "$WARMUP" "$DURATION" "$DATA/latency.log" &
LOAD=$!
sleep_until $((DUE - ADMIN_PRIMER * 1000))
PRIMER_AT=$(now_ms)
if [ "$ADMIN_PRIMER" -gt 0 ]; then
  admin_primer
  sleep_until "$DUE"
fi
CPU_BEFORE=$(cpu_ticks)
CPU_FROM=$(now_ms)
if [ "$TRIGGER" = timer ]; then
  TIMER_SWEEP=$(timer_sweep $((WARMUP_IDLE > 0 ? WARMUP_SWEEPS + 1 : 1)))
  read -r SWEEP_END SWEEP <<< "$TIMER_SWEEP"
  CPU_AFTER=$(cpu_ticks)
  CPU_TO=$(now_ms)
  SWEEP_START=$((SWEEP_END - $(grep -o '"millis":[0-9]*' <<< "$SWEEP" | cut -d: -f2)))
  echo "sweep: $SWEEP (started by its timer $((SWEEP_START - DUE)) ms after its planned firing)"
  echo "CPU from the planned firing to when the sweep's log line was seen (ingest included): $(cpu_between "$CPU_BEFORE" "$CPU_AFTER" $((CPU_TO - CPU_FROM)))"
else
  SWEEP_START=$CPU_FROM
  SWEEP=$(sweep)
  SWEEP_END=$(now_ms)
  CPU_AFTER=$(cpu_ticks)
  echo "sweep: $SWEEP"
  echo "CPU while the sweep ran (ingest included): $(cpu_between "$CPU_BEFORE" "$CPU_AFTER" $((SWEEP_END - SWEEP_START)))"
fi
wait $LOAD
read -r REQUESTS P99 MAX <<< "$(latency_between "$DATA/latency.log" "$SWEEP_START" "$SWEEP_END")"
echo "during the sweep ($REQUESTS requests): latency_ms p99=$P99 max=$MAX"
TWICE=$(awk -v p="$BASE_P99" 'BEGIN {printf "%.2f", 2 * p}')
echo "requests of $TWICE ms or more (twice the p99 without a sweep), by second of the sweep: $(slow_by_second "$DATA/latency.log" "$SWEEP_START" "$SWEEP_END" "$TWICE")"
if [ "$ADMIN_PRIMER" -gt 0 ]; then
  echo "the same, by second between the admin request $ADMIN_PRIMER s before the sweep and the sweep: $(slow_by_second "$DATA/latency.log" "$PRIMER_AT" "$SWEEP_START" "$TWICE")"
fi
echo "queued for the paused subscription (warm-up sweep included): $(curl -sS -H "Authorization: Bearer $ADMIN_TOKEN" "http://127.0.0.1:$HTTP_PORT/api/subscriptions" \
  | grep -o '"backlog":[0-9]*' | head -1)"
