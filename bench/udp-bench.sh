#!/usr/bin/env bash
# udp-bench.sh — netlabd's UDP echo side by side with its peers on loopback, in one run:
# `sockperf sr`, a plain recvfrom/sendto C echo and a recvmmsg/sendmmsg C echo
# (udp-ref-echo.c), netlabd unimpaired, and netlabd with loss 0.3, delay 10 ms,
# jitter 2 ms. The load is udp-flood.c (closed loop: a reply frees a window slot).
# Servers are pinned to CPU 0, the client to CPU 1; every measured phase holds
# flock(1) on $BENCH_LOCK so two benchmarks never overlap.
#
#   bench/udp-bench.sh [NETLABD]            # default ./netlabd (run from a build dir)
#   QUICK=1 bench/udp-bench.sh ../build/netlabd
#   NETLABD_ECHO='rate_limit_plain = 500;' bench/udp-bench.sh   # extra echo keys for netlabd
#
# netlabd runs with every per-source limit off (rate_limit, rate_limit_plain and
# rate_limit_bytes = 0: the peers have none) unless NETLABD_ECHO sets one.
#
# Reported per server: ping-pong RTT (udp-flood -w 1: p50, p99, p99.9; PINGPONG_ROUNDS,
# default 5, interleaved rounds over the servers, medians, and the median per-round p50
# ratio to ref-plain), echo rate at 16
# and 64 datagrams in flight (replies/s), server CPU-us per reply (CPU time of the
# server process over the measured interval divided by its replies: independent of the
# client), the verbatim check at 40/1472/8972/65507 bytes, and netlabd's RSS with 10 000
# active flows. netlabd with and without impairment also runs at the same paced load
# (40 000 datagrams/s offered, "paced-40k") and flat out with 1024 in flight; for
# netlabd the CPU is divided by the datagrams it received (its own counter), so the
# impaired figure is CPU per handled datagram, dropped and delayed ones included. Needs gcc, util-linux (taskset, flock, setsid), iproute2 (ss), python3,
# sockperf. Output: a table on stdout, TSV in $OUT.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NETLABD=$(realpath "${1:-./netlabd}")
QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then def_dur=2 def_rep=1 def_pp=1; else def_dur=5 def_rep=3 def_pp=5; fi
DUR=${DURATION:-$def_dur}
REPEAT=${REPEAT:-$def_rep}
PP_ROUNDS=${PINGPONG_ROUNDS:-$def_pp}
WARM=${WARMUP:-0.5}
MSG=${MSG_SIZE:-64}
HOST=127.0.0.1
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
LOCK=${BENCH_LOCK:-/tmp/netlab-bench.lock}
SERVERS=${SERVERS:-sockperf ref-plain ref-mmsg netlabd netlabd-impaired}
CC=${CC:-cc}
NETLABD_ECHO=${NETLABD_ECHO-}
[[ $NETLABD_ECHO == *rate_limit_plain* ]] || NETLABD_ECHO="rate_limit_plain = 0.0; $NETLABD_ECHO"
[[ $NETLABD_ECHO == *rate_limit_bytes* ]] || NETLABD_ECHO="rate_limit_bytes = 0.0; $NETLABD_ECHO"
OUT=${OUT:-${TMPDIR:-/tmp}/netlab-bench/udp-bench-$(date +%Y%m%d-%H%M%S).tsv}

BENCH_NAME=udp-bench
. "$HERE/udp-lib.sh"
[[ -x $NETLABD ]] || die "no netlabd at '$NETLABD' (pass the path of a built netlabd)"
bench_init

mkdir -p "$(dirname "$OUT")"
printf 'server\tscenario\tmetric\tvalue\n' >"$OUT"
emit() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$OUT"; }

$CC -O2 -Wall -o "$WORK/ref-echo" "$HERE/udp-ref-echo.c" || die "cannot build udp-ref-echo.c"

start_server() {  # start_server NAME: sets PORT, SRV_PID
        local name=$1 cmd
        PORT=$(free_port)
        case $name in
        sockperf) cmd="sockperf sr -i $HOST -p $PORT" ;;
        ref-plain) cmd="$WORK/ref-echo $PORT plain" ;;
        ref-mmsg) cmd="$WORK/ref-echo $PORT mmsg" ;;
        netlabd)
                netlabd_conf "$WORK/n.conf" "$PORT" "loss = 0.0; $NETLABD_ECHO"
                cmd="$NETLABD -c $WORK/n.conf" ;;
        netlabd-impaired)
                netlabd_conf "$WORK/n.conf" "$PORT" "loss = 0.3; delay = 10; jitter = 2; $NETLABD_ECHO"
                cmd="$NETLABD -c $WORK/n.conf" ;;
        esac
        start_cmd "$name" "$cmd"
}

# rate NAME SCEN ARGS: REPEAT runs; replies/s, RTT and server CPU-us per reply (medians).
# For netlabd the denominator is the datagrams it received (its own counter), so the
# impaired run reports CPU per handled datagram, drops and delays included.
rate() {
        local name=$1 scen=$2 r line own=0 rates="" cpus="" p50s="" p99s="" pers=""
        shift 2
        [[ $name == netlabd* ]] && own=1
        for ((r = 0; r < REPEAT; r++)); do
                line=$(flood_once "$own" "$@") || continue
                rates+="$(kv "$line" rate) "
                p50s+="$(kv "$line" rtt_p50_us) "
                p99s+="$(kv "$line" rtt_p99_us) "
                cpus+="$(kv "$line" cpu) "
                pers+="$(kv "$line" per) "
        done
        emit "$name" "$scen" rate "$(tr ' ' '\n' <<<"$rates" | awk NF | median)"
        emit "$name" "$scen" rtt_p50_us "$(tr ' ' '\n' <<<"$p50s" | awk NF | median)"
        emit "$name" "$scen" rtt_p99_us "$(tr ' ' '\n' <<<"$p99s" | awk NF | median)"
        emit "$name" "$scen" server_cpu_pct "$(tr ' ' '\n' <<<"$cpus" | awk NF | median)"
        emit "$name" "$scen" us_per_datagram "$(tr ' ' '\n' <<<"$pers" | awk NF | median)"
}

# pingpong_round NAME ROUND: one run of udp-flood -w 1 against the running server; stores
# its p50, p99 and p99.9 in PP[NAME,ROUND,metric]
declare -A PP
pingpong_round() {
        local name=$1 r=$2 line m
        lock_on
        line=$(client "$FLOOD" -w 1 -t "$DUR" -W "$WARM" -s "$MSG" "$HOST" "$PORT" 2>&1)
        lock_off
        [[ $line == window=* ]] || { say "$name ping-pong: $line"; return 1; }
        for m in rtt_p50_us rtt_p99_us rtt_p999_us; do
                PP[$name,$r,$m]=$(kv "$line" "$m")
        done
}

# pingpong_interleaved NAME...: PP_ROUNDS rounds, each starting every server in turn for
# one ping-pong run, so slow drifts of the machine (a VM's wake-up latency moves by 10-20 %
# over minutes here) hit every server alike. Emits each server's medians and, against
# ref-plain, the median of the per-round p50 ratios.
pingpong_interleaved() {
        local r name m vals ratios
        local order
        for ((r = 0; r < PP_ROUNDS; r++)); do
                # ABBA: every other round in reverse, so a drift within a round does not
                # favour a position
                order=("$@")
                ((r % 2)) && order=($(printf '%s\n' "$@" | tac))
                for name in "${order[@]}"; do
                        start_server "$name"
                        pingpong_round "$name" "$r"
                        stop_server
                done
                say "ping-pong round $((r + 1))/$PP_ROUNDS: $(for name in "$@"; do
                        printf '%s %s  ' "$name" "${PP[$name,$r,rtt_p50_us]:--}"; done)"
        done
        for name in "$@"; do
                for m in rtt_p50_us rtt_p99_us rtt_p999_us; do
                        vals=$(for ((r = 0; r < PP_ROUNDS; r++)); do echo "${PP[$name,$r,$m]:-}"; done)
                        emit "$name" flood-w1 "$m" "$(awk NF <<<"$vals" | median)"
                done
                ratios=$(for ((r = 0; r < PP_ROUNDS; r++)); do
                        awk -v a="${PP[$name,$r,rtt_p50_us]:-}" -v b="${PP[ref-plain,$r,rtt_p50_us]:-}" \
                                'BEGIN { if (a != "" && b != "" && b > 0) printf "%.3f\n", a / b }'
                done)
                emit "$name" flood-w1 p50_vs_plain "$(awk NF <<<"$ratios" | median)"
        done
}

verify() {
        local name=$1 s line ok all=""
        for s in 40 1472 8972 65507; do
                line=$(client "$FLOOD" -w 1 -t 0.3 -W 0 -T 500 -s "$s" "$HOST" "$PORT" 2>&1)
                ok=0
                [[ $line == window=* && $(kv "$line" replies) -gt 0 && $(kv "$line" bad) == 0 &&
                        $(kv "$line" lost) == 0 ]] && ok=1
                all+="$ok/"
        done
        emit "$name" verify intact_40_1472_8972_65507 "${all%/}"
}

# rss_flows: netlabd's VmRSS before and after 10 000 probe flows (distinct session ids)
rss_flows() {
        local before after
        before=$(awk '/VmRSS/ { print $2 }' "/proc/$SRV_PID/status")
        lock_on
        client python3 - "$HOST" "$PORT" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.settimeout(0.01)
for sid in range(1, 10001):
    s.sendto(struct.pack(">4sBBHQQQQQQQ", b"NLAB", 1, 0, 0, sid, 0, 0, 0, 0, 0, 0), (sys.argv[1], int(sys.argv[2])))
    if sid % 64 == 0:
        try:
            while True:
                s.recv(100)
        except socket.timeout:
            pass
PY
        lock_off
        after=$(awk '/VmRSS/ { print $2 }' "/proc/$SRV_PID/status")
        kill -USR1 "$SRV_PID"
        sleep 0.2
        emit netlabd rss flows "$(grep 'Echo counters' "$WORK/server.log" | tail -n 1 | sed -n 's/.*flows \([0-9]*\).*/\1/p')"
        emit netlabd rss rss_kib_before "$before"
        emit netlabd rss rss_kib_10000_flows "$after"
}

say "date $(date -u +%FT%TZ), kernel $(uname -r), $(nproc) CPUs, dur ${DUR}s x $REPEAT, $MSG-byte datagrams"
pp_servers=()
for name in $SERVERS; do
        [[ $name == netlabd-impaired ]] || pp_servers+=("$name")
done
((${#pp_servers[@]})) && pingpong_interleaved "${pp_servers[@]}"
for name in $SERVERS; do
        say "$name"
        start_server "$name"
        if [[ $name == netlabd-impaired ]]; then
                rate "$name" paced-40k -w 1024 -i 25 -T 30
                rate "$name" flood-w1024 -w 1024 -T 30
        else
                verify "$name"
                rate "$name" flood-w16 -w 16
                rate "$name" flood-w64 -w 64
                # same offered load as the impaired run: CPU per datagram compares fairly
                [[ $name == netlabd ]] && rate "$name" paced-40k -w 1024 -i 25 -T 30
                [[ $name == netlabd ]] && rate "$name" flood-w1024 -w 1024 -T 30
                [[ $name == netlabd ]] && rss_flows
        fi
        stop_server
done

# ---- table ---------------------------------------------------------------------------------
awk -F'\t' '
NR == 1 { next }
{ k = $1 SUBSEP $2; if (!(k in seen)) { seen[k] = 1; order[++n] = k }; v[k, $3] = $4 }
function g(k, m) { return ((k, m) in v) ? v[k, m] : "-" }
END {
        printf "%-17s %-12s %10s %8s %8s %8s %8s %9s\n", "server", "scenario", "replies/s", "p50us", "p99us",
                "p99.9us", "srvCPU%", "us/dgram"
        for (i = 1; i <= n; i++) { k = order[i]; split(k, a, SUBSEP)
                if (a[2] == "verify" || a[2] == "rss") continue
                printf "%-17s %-12s %10s %8s %8s %8s %8s %9s\n", a[1], a[2], g(k, "rate"), g(k, "rtt_p50_us"),
                        g(k, "rtt_p99_us"), g(k, "rtt_p999_us"), g(k, "server_cpu_pct"), g(k, "us_per_datagram") }
        for (i = 1; i <= n; i++) { k = order[i]; split(k, a, SUBSEP)
                if (a[2] == "flood-w1" && g(k, "p50_vs_plain") != "")
                        printf "%-17s ping-pong p50 / ref-plain p50 (median of the rounds): %s\n", a[1], g(k, "p50_vs_plain")
                if (a[2] == "verify") printf "%-17s intact at 40/1472/8972/65507 B: %s\n", a[1], g(k, "intact_40_1472_8972_65507")
                if (a[2] == "rss") printf "%-17s RSS %s KiB at start, %s KiB with %s flows\n", a[1],
                        g(k, "rss_kib_before"), g(k, "rss_kib_10000_flows"), g(k, "flows") }
}' "$OUT"
say "TSV: $OUT"
