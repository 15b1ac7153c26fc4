#!/bin/bash
# exporter-bench.sh [BUILDDIR] — capacity of one `netlab-ping --exporter` on one core
# (issue 17): N continuous --target entries probing at 10 probes/s each against 4 netlabd
# (127.0.0.21..24, loss 0), the exporter pinned to CPU 0, the netlabds to CPU 1. Per
# phase: probes/s actually sent (netlab_exporter_packets_sent_total), exporter CPU share,
# RSS, worst loop lag and runs shed (netlab_exporter_probes_shed_total). Phases: 0 targets
# (baseline RSS), 100 (the issue's load), then 1000, 2000 and 4000 to find where it sheds.
# QUICK=1: 10 s phases instead of 30 s. Loopback only; kills only what it started.
set -euo pipefail
B=${1:-.}
PING=$B/netlab-ping
NETLABD=$B/netlabd
SECS=30
[ "${QUICK:-0}" = 1 ] && SECS=10
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT
PORT=$((20000 + RANDOM % 10000))
XPORT=$((PORT + 1))
for i in 21 22 23 24; do
        cat >"$tmp/n$i.conf" <<CONF
log_level = "warning";
echo = { listen = ["127.0.0.$i:$PORT"]; loss = 0.0; rate_limit = 0.0; };
http = { enabled = false; };
CONF
        taskset -c 1 "$NETLABD" -c "$tmp/n$i.conf" >"$tmp/n$i.log" 2>&1 &
        pids+=($!)
done
sleep 0.5

metric() { awk -v m="$1" '$1 == m { print $2 }' "$tmp/m.prom"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

printf '| targets | probes/s asked | probes/s sent | exporter CPU (1 core) | RSS MiB | RSS per target KiB | worst loop lag ms | runs shed |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|---:|\n'
base_rss=0
for n in ${TARGETS:-0 100 1000 2000 4000}; do
        args=()
        for ((k = 0; k < n; k++)); do args+=(--target "127.0.0.$((21 + k % 4)):$PORT"); done
        flock /tmp/netlab-bench.lock true
        taskset -c 0 "$PING" --exporter "127.0.0.1:$XPORT" --max-concurrent 65536 --log-level warning \
                --window 2 -i 0.1 -W 0.5 "${args[@]}" >"$tmp/x.log" 2>&1 &
        xp=$!
        pids+=($xp)
        sleep 3                                 # first windows done
        curl -s "http://127.0.0.1:$XPORT/metrics" >"$tmp/m.prom"
        s0=$(metric netlab_exporter_packets_sent_total); c0=$(cpu_ticks "$xp"); t0=$(date +%s.%N)
        lag=0
        for ((s = 0; s < SECS; s++)); do
                sleep 1
                curl -s "http://127.0.0.1:$XPORT/metrics" >"$tmp/m.prom"
                l=$(metric netlab_exporter_loop_lag_seconds)
                lag=$(python3 -c "print(max($lag, $l))")
        done
        s1=$(metric netlab_exporter_packets_sent_total); c1=$(cpu_ticks "$xp"); t1=$(date +%s.%N)
        rss=$(metric process_resident_memory_bytes)
        shed=$(( $(metric 'netlab_exporter_probes_shed_total{reason="overload"}') + \
                 $(metric 'netlab_exporter_probes_shed_total{reason="concurrency"}') ))
        kill -TERM "$xp"; wait "$xp" || true
        [ "$n" = 0 ] && base_rss=$rss
        python3 - "$n" "$s0" "$s1" "$c0" "$c1" "$t0" "$t1" "$hz" "$rss" "$base_rss" "$lag" "$shed" <<'PY'
import sys
n, s0, s1, c0, c1, t0, t1, hz, rss, base, lag, shed = sys.argv[1:]
n = int(n); dt = float(t1) - float(t0)
sent = (float(s1) - float(s0)) / dt
cpu = (int(c1) - int(c0)) / int(hz) / dt * 100
per = (float(rss) - float(base)) / n / 1024 if n else 0
print(f"| {n} | {n * 10} | {sent:.0f} | {cpu:.1f} % | {float(rss) / 2**20:.1f} | {per:.1f} | {float(lag) * 1000:.1f} | {shed} |")
PY
done
