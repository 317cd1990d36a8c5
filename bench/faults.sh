#!/usr/bin/env bash
# Fault-injection suite: each case puts a fault under load and reports a figure (target/fault-report.md).
#   kill -9 under ingest load; PostgreSQL stopped 30 s under load; CRM down for the whole run, then up;
#   slow CRM (timeouts); SIGTERM with deliveries in flight; kill -9 during deliveries; jqwik fuzzing of every
#   inbound endpoint. The same tests run in `mvn -B test`; this runs only them and prints the table.
#   FAULT_PG_DOWN_SECONDS=30 bench/faults.sh
set -euo pipefail
cd "$(dirname "$0")/.."
rm -f target/fault-report.md
mvn -B -q test -Dtest='FaultInjectionTest,InboundFuzzTest,GracefulShutdownTest,DeliveryCrashTest' -Dsurefire.failIfNoSpecifiedTests=false
echo
cat target/fault-report.md
