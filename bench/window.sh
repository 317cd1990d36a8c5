#!/usr/bin/env bash
# Window-query benchmark: GET /api/contacts/{phone}/window latency with CONTACTS contacts stored (default
# 1,000,000, seeded straight into the database by bench/SeedWindows.java), random phones, CONCURRENCY
# keep-alive connections, first WARMUP seconds not counted.
#   bench/window.sh                       # 1,000,000 contacts, concurrency 4, 20 s after 10 s warm-up
#   CONCURRENCY=16 bench/window.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
CONTACTS=${CONTACTS:-1000000}
DURATION=${DURATION:-20}
CONCURRENCY=${CONCURRENCY:-4}
WARMUP=${WARMUP:-10}

start_connector
bench_java bench/SeedWindows.java "$PG_URL" "$CONTACTS"
echo "== window queries: $(nproc) cores, $CONTACTS contacts, concurrency $CONCURRENCY, ${DURATION}s measured after ${WARMUP}s warm-up"
java bench/LoadDriver.java --window 127.0.0.1 "$HTTP_PORT" "$DURATION" "$CONCURRENCY" "$WARMUP" "$ADMIN_TOKEN"
