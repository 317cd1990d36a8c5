#!/usr/bin/env bash
# End-to-end delivery benchmark: signed provider webhooks in (bench/LoadDriver.java), signed callbacks out to a
# stub CRM that verifies every signature (bench/StubCrm.java). Throughput and latency come from the database:
# provider POST received -> CRM answered (bench/DeliveryStats.java), after the backlog has drained.
# The default warm-up is 90 s because that is how long the JIT takes here: on 2 cores under this load the C2
# compiler thread stays busy for about 70 s after start (28 s of its CPU, measured per thread from /proc), and
# until then it takes a quarter of the machine. WARMUP=10 measures that first phase instead.
#   bench/delivery.sh                    # as fast as it goes: concurrency 32, 30 s after 90 s warm-up
#   RATE=1000 bench/delivery.sh          # paced to 1,000 webhooks/s: latency at a steady load
#   WARMUP=10 bench/delivery.sh          # the same, measured while the JIT is still compiling
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
DURATION=${DURATION:-30}
CONCURRENCY=${CONCURRENCY:-32}
WARMUP=${WARMUP:-90}
RATE=${RATE:-}
start_crm_and_connector
echo "== delivery: $(nproc) cores, concurrency $CONCURRENCY, ${DURATION}s after ${WARMUP}s warm-up${RATE:+, paced to $RATE/s}"
java bench/LoadDriver.java 127.0.0.1 "$HTTP_PORT" "$DURATION" "$CONCURRENCY" "$WARMUP" \
  sinch-bench bench-sinch-secret bird-bench bench-bird-key "http://127.0.0.1/webhooks/bird-bench" $RATE
bench_java bench/DeliveryStats.java "$PG_URL" "$WARMUP"
echo "stub CRM: $(curl -s "http://127.0.0.1:$BENCH_CRM_PORT/stats")"
