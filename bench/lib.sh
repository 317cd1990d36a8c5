# Shared by the bench scripts: build, start the connector on 127.0.0.1 with a fresh embedded PostgreSQL
# (fsync and synchronous_commit on), wait for readiness, and stop it (and delete its data) on exit.
# BENCH_DB_URL=jdbc:postgresql://HOST:PORT/postgres runs against that external PostgreSQL instead (user postgres
# without a password, as a local test server has it): each run creates its own database and drops it at the end.
HTTP_PORT=${BENCH_HTTP_PORT:-18480}
MGMT_PORT=${BENCH_MGMT_PORT:-18481}
ADMIN_TOKEN=bench-admin-token

start_connector() {
  mvn -q -B -DskipTests package
  DATA=$(mktemp -d "${TMPDIR:-/tmp}/connector-bench.XXXXXX")
  local db_env=()
  if [ -n "${BENCH_DB_URL:-}" ]; then
    BENCH_DB=bench_$(date +%s%N)
    bench_java bench/BenchDatabase.java "$BENCH_DB_URL" create "$BENCH_DB"
    PG_URL="${BENCH_DB_URL%/*}/$BENCH_DB"
    db_env=(DB_URL="$PG_URL" DB_USER=postgres)
  fi
  env "${db_env[@]}" HTTP_HOST=127.0.0.1 MGMT_HOST=127.0.0.1 HTTP_PORT=$HTTP_PORT MGMT_PORT=$MGMT_PORT DATA_DIR="$DATA" \
    CONNECTOR_CONFIG_DIR=${CONFIG_DIR:-bench/config} ADMIN_TOKEN=$ADMIN_TOKEN SHUTDOWN_DRAIN_DELAY=${SHUTDOWN_DRAIN_DELAY:-0s} java ${JAVA_OPTS:-} -jar target/conversation-connector.jar > "$DATA/connector.log" 2>&1 &
  PID=$!
  trap stop_connector EXIT
  for _ in $(seq 1 120); do
    if curl -sf "http://127.0.0.1:$MGMT_PORT/observe/health/ready" > /dev/null; then break; fi
    sleep 0.5
  done
  curl -sf "http://127.0.0.1:$MGMT_PORT/observe/health/ready" > /dev/null || { echo "connector not ready; see $DATA/connector.log"; exit 1; }
  if [ -z "${BENCH_DB_URL:-}" ]; then
    PG_URL="jdbc:postgresql://127.0.0.1:$(sed -n 4p "$DATA/postgres/postmaster.pid")/postgres"
  fi
}

stop_connector() {
  # Peak resident memory of the connector JVM over the run (PostgreSQL's processes not included).
  if [ -r "/proc/$PID/status" ]; then
    echo "connector_peak_rss_mib=$(( $(awk '/VmHWM/ {print $2}' "/proc/$PID/status") / 1024 ))"
    # CPU time of the connector JVM since start (user + system), steadier than throughput on a drifting machine.
    echo "connector_cpu_s=$(ticks "/proc/$PID/stat" | awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", $1 / hz}')"
  fi
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  if [ -n "${BENCH_DB:-}" ] && [ -z "${KEEP_DATA:-}" ]; then bench_java bench/BenchDatabase.java "$BENCH_DB_URL" drop "$BENCH_DB"; fi
  if [ -z "${KEEP_DATA:-}" ]; then rm -rf "$DATA"; else echo "data and log kept in $DATA"; fi
}

# An admin API POST as curl sends it: PATH, then any more curl options (a body)
admin_post() {
  local path=$1
  shift
  curl -sS --fail-with-body -X POST -H "Authorization: Bearer $ADMIN_TOKEN" "$@" "http://127.0.0.1:$HTTP_PORT$path"
}

# Now, as epoch milliseconds (the unit of LoadDriver's LATENCY_LOG)
now_ms() {
  date +%s%3N
}

# Runs a single-file Java program of bench/ with the PostgreSQL driver on the classpath.
bench_java() {
  java -cp "$(ls target/lib/postgresql-*.jar)" "$@"
}

# The delivery benchmarks: bench/StubCrm.java (verifies every signature) on BENCH_CRM_PORT, and the connector
# with bench/delivery-config (one subscription, bench-crm, to that stub); both stopped on exit.
start_crm_and_connector() {
  export BENCH_CRM_PORT=${BENCH_CRM_PORT:-18490}
  java bench/StubCrm.java "$BENCH_CRM_PORT" whsec_YmVuY2gtb25seS1zZWNyZXQtMzItYnl0ZXMtbG9uZyE= > /dev/null &
  CRM=$!
  trap 'kill $CRM 2>/dev/null || true' EXIT
  CONFIG_DIR=bench/delivery-config start_connector
  trap 'stop_connector; kill $CRM 2>/dev/null || true' EXIT
}

# CPU ticks (user + system, 1/CLK_TCK s) used so far by the connector JVM, its JIT compiler threads, and the
# embedded PostgreSQL (server and backends; 0 with BENCH_DB_URL), then the machine's CPU pressure so far
# (cpu_pressure_us): "<connector> <jit> <postgres> <pressure µs>".
cpu_ticks() {
  local stats=() jit=() postmaster p t
  if [ -z "${BENCH_DB_URL:-}" ] && postmaster=$(head -1 "$DATA/postgres/postmaster.pid" 2>/dev/null); then
    for p in "$postmaster" $(pgrep -P "$postmaster"); do stats+=("/proc/$p/stat"); done
  fi
  for t in /proc/"$PID"/task/*; do
    case "$(cat "$t/comm" 2>/dev/null)" in "C1 Compiler"*|"C2 Compiler"*) jit+=("$t/stat");; esac
  done
  echo "$(ticks "/proc/$PID/stat") $(ticks ${jit[@]+"${jit[@]}"}) $(ticks ${stats[@]+"${stats[@]}"}) $(cpu_pressure_us)"
}

# Microseconds in which some task, on the whole machine, was ready to run but waited for a core (Linux PSI,
# /proc/pressure/cpu; 0 where the kernel has none).
cpu_pressure_us() {
  if [ -r /proc/pressure/cpu ]; then awk -F'total=' '/^some/ {print $2 + 0}' /proc/pressure/cpu; else echo 0; fi
}

# Sums utime + stime of /proc stat files (a process's or thread's name may hold spaces: fields are counted after
# the name's closing parenthesis). Files that are gone count 0.
ticks() {
  if [ $# -eq 0 ]; then echo 0; return; fi
  cat "$@" 2>/dev/null | awk '{sub(/.*\) /, ""); s += $12 + $13} END {print s + 0}'
}

# Seconds of CPU between two cpu_ticks readings taken ms milliseconds apart, the cores they kept busy on average, and
# the share of that time in which some task waited for a core.
cpu_between() {
  awk -v hz="$(getconf CLK_TCK)" -v a="$1" -v b="$2" -v ms="$3" 'BEGIN {
    split(a, x); split(b, y)
    printf "connector=%.2f s (JIT compilers %.2f s), postgres=%.2f s, over %.2f s: %.2f cores; some task waited for a core %.0f %% of the time\n",
      (y[1] - x[1]) / hz, (y[2] - x[2]) / hz, (y[3] - x[3]) / hz, ms / 1000, (y[1] - x[1] + y[3] - x[3]) / hz * 1000 / ms,
      (y[4] - x[4]) / 10 / ms }'
}

# The requests of a LATENCY_LOG (bench/LoadDriver.java) sent from one epoch-millisecond instant to another: prints
# "<requests> <p99 ms> <max ms>", the p99 taken as LoadDriver takes it (the value at index floor(0.99 n) of the sorted
# latencies).
latency_between() {
  awk -v a="$2" -v b="$3" '$1 >= a && $1 <= b {print $2}' "$1" | sort -n \
    | awk '{v[NR] = $1} END {i = int(0.99 * NR) + 1; if (i > NR) i = NR; printf "%d %.2f %.2f\n", NR, v[i] / 1000, v[NR] / 1000}'
}

# How the requests of a LATENCY_LOG sent from one epoch-millisecond instant to another that took at least ms
# milliseconds spread over that span, by whole second since its start: "0:12 1:0 2:3 ...".
slow_by_second() {
  awk -v a="$2" -v b="$3" -v ms="$4" '$1 >= a && $1 <= b {n = int(($1 - a) / 1000); if (n > last) last = n; if ($2 >= ms * 1000) c[n]++}
    END {for (i = 0; i <= last; i++) printf "%s%d:%d", (i ? " " : ""), i, c[i] + 0; print ""}' "$1"
}

# bench/LoadDriver.java against bench/sweep-config's two sources, paced to RATE webhooks/s over CONCURRENCY
# connections: warm-up seconds, measured seconds, and optionally a LATENCY_LOG file.
paced_ingest() {
  LATENCY_LOG=${3:-} java bench/LoadDriver.java 127.0.0.1 "$HTTP_PORT" "$2" "$CONCURRENCY" "$1" \
    sinch-bench bench-sinch-secret bird-bench bench-bird-key "http://127.0.0.1/webhooks/bird-bench" "$RATE"
}
