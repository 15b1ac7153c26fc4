#!/usr/bin/env bash
# metrics-bench.sh — what a scrape costs: netlabd's /metrics and /api/status next to
# Prometheus' own node exporter (full default collectors, and a minimal one with only
# loadavg + the Go/process families) and next to a static page from the same netlabd.
#
# Server CPU 0, wrk CPU 1 (taskset), one wrk thread, keep-alive. For each endpoint:
# requests/s, server CPU-µs per request (utime+stime of the server process from /proc
# over the run), body bytes, p50/p99 latency. Measurement phases hold
# flock /tmp/netlab-bench.lock so no two benchmarks overlap.
#
#   bench/metrics-bench.sh [NETLABD]        # default: ./netlabd (run from the build dir)
#   DURATION=10 CONNS=8 bench/metrics-bench.sh
#
# Needs: wrk, curl, python3, util-linux (taskset, flock), prometheus-node-exporter.
set -euo pipefail

NETLABD=${1:-./netlabd}
DUR=${DURATION:-5}
CONNS=${CONNS:-8}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
LOCK=${BENCH_LOCK:-/tmp/netlab-bench.lock}
WWW=${WWW:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/www}
NODE_EXPORTER=${NODE_EXPORTER:-$(command -v prometheus-node-exporter || command -v node_exporter || true)}

say() { printf '[metrics-bench] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

for t in wrk curl python3 taskset flock; do
        command -v "$t" >/dev/null || die "missing $t"
done
[[ -x $NETLABD ]] || die "no netlabd at '$NETLABD' (pass the path, or run from the build dir)"
[[ -n $NODE_EXPORTER ]] || die "missing prometheus-node-exporter (apt-get install prometheus-node-exporter)"
CLK_TCK=$(getconf CLK_TCK)

WORK=$(mktemp -d -t netlab-metrics-bench.XXXXXX)
PIDS=()
cleanup() {
        for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
        for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
        rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() {  # wait_http URL
        for _ in $(seq 100); do
                curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
                sleep 0.05
        done
        die "$1 does not answer"
}

cpu_ticks() {  # utime + stime of PID, in clock ticks
        awk '{ print $14 + $15 }' "/proc/$1/stat"
}

NL_PORT=$(free_port)
cat >"$WORK/netlab.conf" <<CONF
log_level = "warning";
echo = { listen = ["127.0.0.1:$NL_PORT"]; loss = 0.3; seed = 1; rate_limit = 0.0; };
http = { listen = ["127.0.0.1:$NL_PORT"]; root = "$WWW"; access_log = false; };
CONF
taskset -c "$SERVER_CPU" "$NETLABD" -c "$WORK/netlab.conf" >"$WORK/netlabd.log" 2>&1 &
NL_PID=$!
PIDS+=("$NL_PID")
wait_http "http://127.0.0.1:$NL_PORT/helloWorld.html"

# Some traffic first, so every family (drop reasons, status codes, histogram) has samples.
python3 - "$NL_PORT" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(1000):
    s.sendto(b"x" * 64, ("127.0.0.1", int(sys.argv[1])))
PY
for p in / /helloWorld.html /status.html /missing /style.css; do
        curl -s -o /dev/null "http://127.0.0.1:$NL_PORT$p"
done

NE_FULL_PORT=$(free_port)
taskset -c "$SERVER_CPU" "$NODE_EXPORTER" --web.listen-address="127.0.0.1:$NE_FULL_PORT" \
        >"$WORK/ne-full.log" 2>&1 &
NE_FULL_PID=$!
PIDS+=("$NE_FULL_PID")
NE_MIN_PORT=$(free_port)
taskset -c "$SERVER_CPU" "$NODE_EXPORTER" --web.listen-address="127.0.0.1:$NE_MIN_PORT" \
        --collector.disable-defaults --collector.loadavg >"$WORK/ne-min.log" 2>&1 &
NE_MIN_PID=$!
PIDS+=("$NE_MIN_PID")
wait_http "http://127.0.0.1:$NE_FULL_PORT/metrics"
wait_http "http://127.0.0.1:$NE_MIN_PORT/metrics"

to_us() {  # wrk latency "1.23ms" -> microseconds
        python3 -c '
import re, sys
m = re.match(r"([0-9.]+)(us|ms|s)$", sys.argv[1])
print("%.0f" % (float(m.group(1)) * {"us": 1, "ms": 1e3, "s": 1e6}[m.group(2)]) if m else "?")' "$1"
}

printf '%-34s %10s %12s %10s %9s %9s\n' endpoint req/s cpu-us/req body-B p50-us p99-us | tee "$WORK/table"
run() {  # run NAME PID URL
        local name=$1 pid=$2 url=$3 bytes c0 c1 out rps reqs p50 p99
        bytes=$(curl -s "$url" | wc -c)
        taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d1s "$url" >/dev/null 2>&1      # warm-up
        exec {lockfd}>"$LOCK"
        flock "$lockfd"
        c0=$(cpu_ticks "$pid")
        out=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNS" -d"${DUR}s" --latency "$url")
        c1=$(cpu_ticks "$pid")
        exec {lockfd}>&-
        rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
        reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
        p50=$(to_us "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
        p99=$(to_us "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
        printf '%-34s %10.0f %12.1f %10s %9s %9s\n' "$name" "$rps" \
                "$(python3 -c "print(($c1 - $c0) / $CLK_TCK * 1e6 / max(1, $reqs))")" \
                "$bytes" "$p50" "$p99" | tee -a "$WORK/table"
}

run "netlabd /metrics" "$NL_PID" "http://127.0.0.1:$NL_PORT/metrics"
run "netlabd /api/status" "$NL_PID" "http://127.0.0.1:$NL_PORT/api/status"
run "netlabd /helloWorld.html (file)" "$NL_PID" "http://127.0.0.1:$NL_PORT/helloWorld.html"
run "node_exporter minimal /metrics" "$NE_MIN_PID" "http://127.0.0.1:$NE_MIN_PORT/metrics"
run "node_exporter default /metrics" "$NE_FULL_PID" "http://127.0.0.1:$NE_FULL_PORT/metrics"

say "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(uname -r), wrk -t1 -c$CONNS -d${DUR}s, server CPU $SERVER_CPU, wrk CPU $CLIENT_CPU"
