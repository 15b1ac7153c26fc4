#!/usr/bin/env bash
# echo-ab.sh — the echo's cost under two or more variants, interleaved: round by round,
# every variant in turn (the order rotated each round), so a burst of noise on the box
# hits them alike. A variant is a netlabd binary with optional extra echo settings:
#
#   bench/echo-ab.sh LABEL=NETLABD[,profiles=N][,flows=N][,keys=ECHO-KEYS] ...
#   bench/echo-ab.sh before=/tmp/before/netlabd after=./netlabd          # a change
#   bench/echo-ab.sh none=./netlabd p64=./netlabd,profiles=64 p256=./netlabd,profiles=256
#
# profiles=N adds N classroom profiles (echo.profiles): N-1 for 10.x.y.0/24 groups the
# client is not in, and one for 127.0.0.0/8 that it is, all unimpaired, so the figure is
# the cost of classification, the per-client flow and the record.
# flows=N loads the server with netlab probes over N flows instead (udp-flows.c: session
# ids 1..N in turn, each touched before the measurement; max_flows is raised to hold
# them); when any variant has flows=, all do (N = 1 unless given) and the ping-pong phase
# is left out.
# keys= (last) are appended to the echo group as they are. rate_limit = 0 always, and
# rate_limit_plain and rate_limit_bytes are set to 0 unless keys= sets them: every
# variant runs without per-source limits.
#
# Per variant and round: server CPU-us per received datagram at 64 in flight (netlabd's
# own counter; udp-flood.c, closed loop) and the ping-pong p50 (-w 1). Prints the median
# of the rounds, the spread (min-max) and each median's ratio to the first variant.
# Server on CPU 0, client on CPU 1, every phase under flock $BENCH_LOCK.
#   ROUNDS (5)  DURATION (5 s per phase)  MSG_SIZE (64)
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROUNDS=${ROUNDS:-5}
DUR=${DURATION:-5}
WARM=${WARMUP:-0.5}
MSG=${MSG_SIZE:-64}
HOST=127.0.0.1
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
LOCK=${BENCH_LOCK:-/tmp/netlab-bench.lock}
CC=${CC:-cc}
BENCH_NAME=echo-ab
. "$HERE/udp-lib.sh"

(($# >= 2)) || die "usage: echo-ab.sh LABEL=NETLABD[,profiles=N][,keys=...] LABEL=... (two or more)"
bench_init
$CC -O2 -Wall -o "$WORK/udp-flows" "$HERE/udp-flows.c" || die "cannot build udp-flows.c"

# profiles N: the echo.profiles list described above
profiles() {
        local n=$1 i
        ((n > 0)) || return 0
        printf 'profiles = ('
        for ((i = 1; i < n; i++)); do
                printf '{ name = "g%d"; sources = [ "10.%d.%d.0/24" ]; },' "$i" $((i / 256)) $((i % 256))
        done
        printf '{ name = "bench"; sources = [ "127.0.0.0/8" ]; } );'
}

labels=() bins=() keys=() nflows=() flows_mode=0
for v in "$@"; do
        [[ $v == *=* ]] || die "bad variant '$v' (LABEL=NETLABD[,...])"
        label=${v%%=*} rest=${v#*=}
        bin=${rest%%,*} k="" np=0 nf=1
        [[ $rest == *,* ]] && opts=${rest#*,} || opts=""
        while [[ -n $opts ]]; do
                case $opts in
                profiles=*) np=${opts#profiles=}; np=${np%%,*}; opts=${opts#profiles=$np}; opts=${opts#,} ;;
                flows=*) nf=${opts#flows=}; nf=${nf%%,*}; opts=${opts#flows=$nf}; opts=${opts#,}; flows_mode=1
                        k="max_flows = $((nf < 16384 ? 16384 : nf * 2)); $k" ;;
                keys=*) k="$k ${opts#keys=}"; opts="" ;;
                *) die "bad option in '$v'" ;;
                esac
        done
        [[ -x $bin ]] || die "no netlabd at '$bin'"
        labels+=("$label") bins+=("$(realpath "$bin")") keys+=("$k $(profiles "$np")") nflows+=("$nf")
done
n=${#labels[@]}
# the flows' first touch (up to 100 000 probes) stays out of the measured interval
((flows_mode)) && [[ -z ${WARMUP:-} ]] && WARM=2

# Every variant runs without the per-source budgets (rate_limit_plain and
# rate_limit_bytes = 0 unless keys= sets them); a binary from before they existed gets
# neither key.
for ((i = 0; i < n; i++)); do
        PORT=$(free_port)
        k=${keys[i]}
        [[ $k == *rate_limit_plain* ]] || k="rate_limit_plain = 0.0; $k"
        [[ $k == *rate_limit_bytes* ]] || k="rate_limit_bytes = 0.0; $k"
        netlabd_conf "$WORK/check.conf" "$PORT" "$k"
        if ! "${bins[i]}" -t -c "$WORK/check.conf" >/dev/null 2>"$WORK/check.err"; then
                netlabd_conf "$WORK/check.conf" "$PORT" "${keys[i]}"
                "${bins[i]}" -t -c "$WORK/check.conf" >/dev/null 2>"$WORK/check.err" ||
                        die "${labels[i]}: netlabd -t rejects the config: $(cat "$WORK/check.err")"
                say "${labels[i]}: this netlabd has no rate_limit_plain/rate_limit_bytes"
                k=${keys[i]}
        fi
        keys[i]=$k
done

say "date $(date -u +%FT%TZ), kernel $(uname -r), $(nproc) CPUs, $ROUNDS rounds x ${DUR}s, $MSG-byte datagrams"
for ((r = 0; r < ROUNDS; r++)); do
        for ((j = 0; j < n; j++)); do
                v=$(((j + r) % n))
                PORT=$(free_port)
                netlabd_conf "$WORK/n.conf" "$PORT" "${keys[v]}"
                start_cmd "${labels[v]}" "${bins[v]} -c $WORK/n.conf"
                per=- p50=-
                if ((flows_mode)); then
                        FLOOD=$WORK/udp-flows
                        line=$(flood_once 1 -w 64 -n "${nflows[v]}") && per=$(kv "$line" per)
                else
                        FLOOD=$WORK/udp-flood     # bench_init's
                        line=$(flood_once 1 -w 64) && per=$(kv "$line" per)
                        lock_on
                        line=$(client "$FLOOD" -w 1 -t "$DUR" -W "$WARM" -s "$MSG" "$HOST" "$PORT" 2>&1)
                        lock_off
                        [[ $line == window=* ]] && p50=$(kv "$line" rtt_p50_us)
                fi
                stop_server
                printf '%s per %s\n%s p50 %s\n' "${labels[v]}" "$per" "${labels[v]}" "$p50" | grep -v ' -$' >>"$WORK/res"
                say "round $((r + 1))/$ROUNDS ${labels[v]}: CPU-us/datagram $per, ping-pong p50 $p50 us"
        done
done

stat() {  # stat LABEL METRIC: "median min max"
        local vals
        vals=$(awk -v l="$1" -v m="$2" '$1 == l && $2 == m { print $3 }' "$WORK/res" | sort -g)
        [[ -n $vals ]] || vals=0
        printf '%s %s %s' "$(median <<<"$vals")" "$(head -n 1 <<<"$vals")" "$(tail -n 1 <<<"$vals")"
}
printf '| variant | CPU-µs/datagram w64 (median, min-max) | ratio | ping-pong p50 µs (median, min-max) | ratio |\n|---|---|---|---|---|\n'
read -r c0 _ _ <<<"$(stat "${labels[0]}" per)"
read -r p0 _ _ <<<"$(stat "${labels[0]}" p50)"
for ((i = 0; i < n; i++)); do
        read -r c cl ch <<<"$(stat "${labels[i]}" per)"
        read -r p pl ph <<<"$(stat "${labels[i]}" p50)"
        awk -v l="${labels[i]}" -v c="$c" -v cl="$cl" -v ch="$ch" -v c0="$c0" -v p="$p" -v pl="$pl" -v ph="$ph" -v p0="$p0" \
                'BEGIN { printf "| %s | %.3f (%.3f-%.3f) | %.3f | %.1f (%.1f-%.1f) | %.3f |\n", l, c, cl, ch, (c0 > 0 ? c / c0 : 0), p, pl, ph, (p0 > 0 ? p / p0 : 0) }'
done
