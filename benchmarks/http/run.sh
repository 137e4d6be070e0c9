#!/usr/bin/env bash
# The HTTP serving benchmark of BENCHMARKS.md ("Serving: wrk"): the same handler everywhere (wait 10 ms
# on a blocking call, answer 13 bytes), each server started here, loaded with wrk, then stopped.
#   benchmarks/http/run.sh [ROW...]      rows: pywsgi jdk-vt gevent4j-1 gevent4j-2 jetty-vt jetty-gevent4j
# Environment: PYTHON (/usr/bin/python3), DURATION (default 10s), CONNECTIONS (1000), THREADS (2), WARMUP (3s), PORT (18090);
#   SERVER_CPUS / WRK_CPUS (e.g. 0 and 1): pin the servers and wrk to those CPUs (taskset -c), so that
#   no server shares its cores with the load generator (each JVM then sees only its CPUs).
# Needs: wrk (apt-get install wrk), python3-gevent (apt-get install python3-gevent), JDK 25, Maven.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-1000}"
THREADS="${THREADS:-2}"
WARMUP="${WARMUP:-3s}"
PORT="${PORT:-18090}"
ROWS=("$@")
[ ${#ROWS[@]} -eq 0 ] && ROWS=(pywsgi jdk-vt gevent4j-1 gevent4j-2 jetty-vt jetty-gevent4j)

command -v wrk >/dev/null || { echo "benchmarks/http/run.sh needs wrk: apt-get install wrk" >&2; exit 2; }
PYTHON="${PYTHON:-/usr/bin/python3}"  # Debian's python3, where python3-gevent installs
"$PYTHON" -c 'import gevent' 2>/dev/null || { echo "benchmarks/http/run.sh needs gevent: apt-get install python3-gevent" >&2; exit 2; }
JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
JAVA="$JAVA_HOME/bin/java"
[ -x "$JAVA" ] || { echo "benchmarks/http/run.sh needs a JDK 25: set JAVA_HOME" >&2; exit 2; }
AGENT="$ROOT/patch-agent/target/gevent4j-agent.jar"

# the JVM peers live in the http module's test classes (Jetty is a test dependency there)
CP_FILE="$ROOT/http/target/bench-classpath.txt"
if [ ! -f "$CP_FILE" ] || [ ! -f "$AGENT" ] || [ ! -f "$ROOT/http/target/test-classes/io/gevent4j/http/bench/HttpBenchServer.class" ]; then
  echo "building (first use)..." >&2
  (cd "$ROOT" && mvn -B -q -DskipTests install >&2)
  (cd "$ROOT/http" && mvn -B -q test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt \
      -Dmdep.includeScope=test >&2)
fi
BENCH_CP="$ROOT/http/target/test-classes:$ROOT/http/target/classes:$(cat "$CP_FILE")"
# the same JDK-server settings for every JDK HttpServer row (GeventHttpServer sets these by default)
JDK_PROPS=(-Dsun.net.httpserver.maxIdleConnections=100000 -Dsun.net.httpserver.nodelay=true)

SERVER_PIN=(); WRK_PIN=()
[ -n "${SERVER_CPUS:-}" ] && SERVER_PIN=(taskset -c "$SERVER_CPUS")
[ -n "${WRK_CPUS:-}" ] && WRK_PIN=(taskset -c "$WRK_CPUS")
# the servers' cores: every core, or the pinned ones (Jetty + gevent4j gets a hub on each)
SERVER_CORES=$(${SERVER_PIN[@]+"${SERVER_PIN[@]}"} nproc)

start_row() { # row -> starts the server in the background, sets PID
  case "$1" in
    pywsgi) ${SERVER_PIN[@]+"${SERVER_PIN[@]}"} "$PYTHON" "$ROOT/benchmarks/http/pywsgi_server.py" "$PORT" & PID=$! ;;
    jdk-vt) ${SERVER_PIN[@]+"${SERVER_PIN[@]}"} "$JAVA" "${JDK_PROPS[@]}" -cp "$BENCH_CP" io.gevent4j.http.bench.HttpBenchServer jdk-vt "$PORT" & PID=$! ;;
    gevent4j-1) ${SERVER_PIN[@]+"${SERVER_PIN[@]}"} "$ROOT/gevent4j" serve --port "$PORT" --hubs 1 --quiet & PID=$! ;;
    gevent4j-2) ${SERVER_PIN[@]+"${SERVER_PIN[@]}"} "$ROOT/gevent4j" serve --port "$PORT" --hubs 2 --quiet & PID=$! ;;
    jetty-vt) ${SERVER_PIN[@]+"${SERVER_PIN[@]}"} "$JAVA" -cp "$BENCH_CP" io.gevent4j.http.bench.HttpBenchServer jetty-vt "$PORT" & PID=$! ;;
    jetty-gevent4j) CLASSPATH="$BENCH_CP" ${SERVER_PIN[@]+"${SERVER_PIN[@]}"} "$ROOT/gevent4j" run \
        io.gevent4j.http.bench.HttpBenchServer jetty-gevent4j "$PORT" "$SERVER_CORES" & PID=$! ;;
    *) echo "unknown row $1 (rows: pywsgi jdk-vt gevent4j-1 gevent4j-2 jetty-vt jetty-gevent4j)" >&2; exit 2 ;;
  esac
}

label() {
  case "$1" in
    pywsgi) echo "Python gevent pywsgi.WSGIServer (monkey-patched, 1 thread)" ;;
    jdk-vt) echo "JDK HttpServer + virtual-thread executor" ;;
    gevent4j-1) echo "JDK HttpServer + gevent4j (\`./gevent4j serve --hubs 1\`, ${GEVENT4J_LAUNCH:-patched} launch)" ;;
    gevent4j-2) echo "JDK HttpServer + gevent4j (\`./gevent4j serve --hubs 2\`, ${GEVENT4J_LAUNCH:-patched} launch)" ;;
    jetty-vt) echo "Jetty 12.1.14 + virtual threads" ;;
    jetty-gevent4j) echo "Jetty 12.1.14 + gevent4j executor (HubGroup of $SERVER_CORES, ${GEVENT4J_LAUNCH:-patched} launch)" ;;
  esac
}

URL="http://127.0.0.1:$PORT/sleep?ms=10"
# the server's CPU time (user + system, /proc/PID/stat; every launch here execs the JVM) per request
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICKS_PER_SECOND="$(getconf CLK_TCK)"
echo "| server | requests/s | p99 latency | of the 100,000 req/s ideal | server CPU per request | wrk errors |"
echo "|---|---:|---:|---:|---:|---|"
for row in "${ROWS[@]}"; do
  start_row "$row"
  for _ in $(seq 120); do
    curl -fs -o /dev/null "$URL" && break
    sleep 0.5
  done
  curl -fs -o /dev/null "$URL" || { echo "$row did not start" >&2; kill "$PID" 2>/dev/null || true; exit 1; }
  ${WRK_PIN[@]+"${WRK_PIN[@]}"} wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "$URL" >/dev/null 2>&1 || true
  TICKS_BEFORE=$(cpu_ticks "$PID")
  OUT=$(${WRK_PIN[@]+"${WRK_PIN[@]}"} wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$URL" 2>&1)
  TICKS_AFTER=$(cpu_ticks "$PID")
  kill "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  RPS=$(echo "$OUT" | awk '/^Requests\/sec:/ {print $2}')
  P99=$(echo "$OUT" | awk '$1 == "99%" {print $2}')
  ERR=$(echo "$OUT" | grep -E 'Socket errors|Non-2xx' | tr -s ' ' | paste -sd ';' - || true)
  PCT=$(awk -v r="$RPS" 'BEGIN {printf "%.1f%%", r / 1000}')
  REQUESTS=$(echo "$OUT" | awk '/requests in/ {print $1}')
  CPU=$(awk -v t=$((TICKS_AFTER - TICKS_BEFORE)) -v hz="$TICKS_PER_SECOND" -v n="$REQUESTS" \
      'BEGIN {printf "%.1f µs", t / hz * 1e6 / n}')
  echo "| $(label "$row") | ${RPS} | ${P99} | ${PCT} | ${CPU} | ${ERR:-none} |"
done
