#!/usr/bin/env bash
# Ingest benchmark: verified, durably committed webhooks per second, with conversation and window state
# written in the same transaction. bench/LoadDriver.java posts correctly signed Sinch (inbound WhatsApp
# messages) and Bird (conversation.updated) webhooks with unique event ids from a million different phones,
# over CONCURRENCY keep-alive connections; the first WARMUP seconds (JIT) are not counted. Then checks that
# the database holds at least every acknowledged event.
#   bench/ingest.sh                       # 30 s at concurrency 32 after 15 s warm-up
#   DURATION=60 CONCURRENCY=64 bench/ingest.sh
#   KEEP_DATA=1 bench/ingest.sh           # keep the database and connector log afterwards
#   REUSE_CONVERSATIONS=10000 bench/ingest.sh   # webhooks about 10,000 conversations, not a new one each
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
DURATION=${DURATION:-30}
CONCURRENCY=${CONCURRENCY:-32}
WARMUP=${WARMUP:-15}

start_connector
echo "== ingest: $(nproc) cores, concurrency $CONCURRENCY, ${DURATION}s measured after ${WARMUP}s warm-up"
java bench/LoadDriver.java 127.0.0.1 "$HTTP_PORT" "$DURATION" "$CONCURRENCY" "$WARMUP" \
  sinch-bench bench-sinch-secret bird-bench bench-bird-key "http://127.0.0.1/webhooks/bird-bench" | tee "$DATA/result.txt"
ACKED=$(grep -o ' ok=[0-9]*' "$DATA/result.txt" | cut -d= -f2)
bench_java bench/CountRows.java "$PG_URL" "$ACKED"
