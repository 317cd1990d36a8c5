#!/usr/bin/env bash
# Backlog drain after a CRM outage: the subscription is paused (POST /api/subscriptions/{id}/disable) while
# signed provider webhooks are ingested for DURATION seconds (about 100,000+ events queue), then it is enabled
# and bench/DrainStats.java measures how fast the backlog reaches the stub CRM (which verifies every signature).
#   bench/drain.sh
#   DURATION=40 bench/drain.sh     # a bigger backlog
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
DURATION=${DURATION:-40}
CONCURRENCY=${CONCURRENCY:-32}
start_crm_and_connector
admin_post /api/subscriptions/bench-crm/disable -H 'Content-Type: application/json' -d '{"reason":"bench: CRM outage"}' > /dev/null
echo "== drain: $(nproc) cores; CRM paused, ingesting for ${DURATION}s at concurrency $CONCURRENCY"
java bench/LoadDriver.java 127.0.0.1 "$HTTP_PORT" "$DURATION" "$CONCURRENCY" 0 \
  sinch-bench bench-sinch-secret bird-bench bench-bird-key "http://127.0.0.1/webhooks/bird-bench" | grep -E "accepted_per_s|statuses"
echo "== CRM back: enabling the subscription"
bench_java bench/DrainStats.java "$PG_URL" "http://127.0.0.1:$HTTP_PORT" "$ADMIN_TOKEN" bench-crm
echo "stub CRM: $(curl -s "http://127.0.0.1:$BENCH_CRM_PORT/stats")"
