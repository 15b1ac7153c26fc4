#!/usr/bin/env bash
# ping-bench.sh — what netlab-ping itself costs, side by side with the reference
# closed-loop client in the same run, against the same unimpaired netlabd:
#
#   * RTT: `netlab-ping -f -c 20000` (one probe in flight, next on reply) vs
#     `udp-flood -w 1` (bench/udp-flood.c, the reference single-in-flight client):
#     p50, p99, p99.9. netlab-ping should add no delay of its own: p50 within 5 %,
#     p99 within 10 % of the reference.
#   * netlab-ping's CPU-us per probe (user + system time / probes sent).
#   * Constant memory: max RSS of `netlab-ping -c 1000000 -i 0.0001` (10 000 probes/s),
#     sampled along the way, must stay <= 4 MiB.
#
# netlabd is pinned to CPU 0, the clients to CPU 1; each measured phase holds flock(1) on
# $BENCH_LOCK so two benchmarks never overlap. Rounds alternate the two clients and the
# medians are reported.
#
#   bench/ping-bench.sh [BUILDDIR]        # BUILDDIR has netlabd and netlab-ping (default .)
#   QUICK=1 bench/ping-bench.sh ../build  # 1 round, 200 000 probes for the RSS phase
#
# Needs gcc, util-linux (taskset, flock, setsid), python3, GNU time (/usr/bin/time).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=$(realpath "${1:-.}")
NETLABD=$BUILD/netlabd
PING=$BUILD/netlab-ping
QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then def_rounds=1 def_rss=200000; else def_rounds=3 def_rss=1000000; fi
ROUNDS=${ROUNDS:-$def_rounds}
COUNT=${COUNT:-20000}
REF_SECS=${REF_SECS:-2}
RSS_COUNT=${RSS_COUNT:-$def_rss}
RSS_INTERVAL=${RSS_INTERVAL:-0.0001}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
LOCK=${BENCH_LOCK:-/tmp/netlab-bench.lock}
CC=${CC:-cc}
OUT=${OUT:-${TMPDIR:-/tmp}/netlab-bench/ping-bench-$(date +%Y%m%d-%H%M%S).tsv}

say() { printf '[ping-bench] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[[ -x $NETLABD && -x $PING ]] || die "no netlabd/netlab-ping in '$BUILD' (pass a build directory)"
for t in "$CC" taskset flock setsid python3 /usr/bin/time; do
        command -v "$t" >/dev/null || die "missing $t"
done
WORK=$(mktemp -d -t netlab-ping-bench.XXXXXX) || die "mktemp failed"
SRV_PID=
cleanup() {
        [[ -n $SRV_PID ]] && kill -TERM -- "-$SRV_PID" 2>/dev/null
        [[ -n $SRV_PID ]] && wait "$SRV_PID" 2>/dev/null
        rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$(dirname "$OUT")"

"$CC" -O2 -Wall -o "$WORK/udp-flood" "$HERE/udp-flood.c" || die "cannot build udp-flood"

PORT=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$WORK/bench.conf" <<CONF
log_level = "notice";
echo = { listen = ["127.0.0.1:$PORT"]; loss = 0.0; delay = 0.0; rate_limit = 0.0; seed = 1; };
http = { enabled = false; };
CONF
setsid taskset -c "$SERVER_CPU" "$NETLABD" -c "$WORK/bench.conf" >"$WORK/netlabd.log" 2>&1 &
SRV_PID=$!
for _ in $(seq 100); do
        "$PING" -q -c 1 -W 0.1 "127.0.0.1:$PORT" >/dev/null 2>&1 && break
        sleep 0.1
done
"$PING" -q -c 1 -W 0.5 "127.0.0.1:$PORT" >/dev/null 2>&1 || die "netlabd did not answer: $(cat "$WORK/netlabd.log")"
say "netlabd pid $SRV_PID on CPU $SERVER_CPU, port $PORT; clients on CPU $CLIENT_CPU; $ROUNDS round(s)"

printf 'client\tround\tmetric\tvalue\n' >"$OUT"
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$OUT"; }

for r in $(seq "$ROUNDS"); do
        exec {lk}>"$LOCK"
        flock "$lk"

        line=$(taskset -c "$CLIENT_CPU" "$WORK/udp-flood" -w 1 -t "$REF_SECS" -W 0.5 -s 64 127.0.0.1 "$PORT")
        say "round $r udp-flood: $line"
        for k in rtt_avg_us rtt_p50_us rtt_p99_us rtt_p999_us; do
                v=$(sed -n "s/.*$k=\([0-9.]*\).*/\1/p" <<<"$line")
                record udp-flood "$r" "$k" "$v"
        done
        cpu=$(sed -n 's/.*client_cpu_pct=\([0-9.]*\).*/\1/p' <<<"$line")
        rate=$(sed -n 's/.* rate=\([0-9.]*\).*/\1/p' <<<"$line")
        record udp-flood "$r" cpu_us_per_probe "$(python3 -c "print(round($cpu / 100 * 1e6 / max($rate, 1), 3))")"

        taskset -c "$CLIENT_CPU" /usr/bin/time -f '%U %S %M' -o "$WORK/time" \
                "$PING" -f -q --json -c "$COUNT" "127.0.0.1:$PORT" >"$WORK/ping.json" 2>"$WORK/ping.err" ||
                die "netlab-ping -f failed: $(cat "$WORK/ping.err")"
        python3 - "$WORK/ping.json" "$WORK/time" "$r" >>"$OUT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
u, s, m = open(sys.argv[2]).read().split()[:3]
r = sys.argv[3]
rtt = d["rtt_ms"]
for k, v in (("rtt_avg_us", rtt["avg"]), ("rtt_p50_us", rtt["p50"]), ("rtt_p99_us", rtt["p99"]),
             ("rtt_p999_us", rtt["p99_9"]), ("rx_delay_avg_us", d["client"]["rx_delay_ms"]["avg"])):
    print(f"netlab-ping\t{r}\t{k}\t{v * 1000:.2f}")
print(f"netlab-ping\t{r}\tcpu_us_per_probe\t{(float(u) + float(s)) * 1e6 / d['probes']['sent']:.3f}")
print(f"netlab-ping\t{r}\tmax_rss_kib\t{m}")
print(f"netlab-ping\t{r}\tlost\t{d['probes']['lost']}")
PY
        say "round $r netlab-ping -f -c $COUNT: $(grep -P "^netlab-ping\t$r\t" "$OUT" | cut -f3,4 | tr '\t\n' '= ')"
        flock -u "$lk"
        exec {lk}>&-
done

# ---- constant memory: RSS along a long run ----------------------------------------------------
exec {lk}>"$LOCK"
flock "$lk"
say "RSS: netlab-ping -c $RSS_COUNT -i $RSS_INTERVAL (about $(python3 -c "print(round($RSS_COUNT * $RSS_INTERVAL))") s)"
taskset -c "$CLIENT_CPU" /usr/bin/time -f '%U %S %M %e' -o "$WORK/rss-time" \
        "$PING" -q --json -c "$RSS_COUNT" -i "$RSS_INTERVAL" "127.0.0.1:$PORT" >"$WORK/rss.json" 2>"$WORK/rss.err" &
tpid=$!
sleep 0.5
ppid_child=$(ps -o pid= --ppid "$tpid" | tr -d ' ')
samples=""
while kill -0 "$tpid" 2>/dev/null; do
        if [[ -n $ppid_child && -r /proc/$ppid_child/status ]]; then
                v=$(awk '/^VmRSS:/ { print $2 }' "/proc/$ppid_child/status" 2>/dev/null)
                [[ -n $v ]] && samples="$samples $v"
        fi
        sleep 5
done
wait "$tpid" || die "RSS run failed: $(cat "$WORK/rss.err")"
flock -u "$lk"
exec {lk}>&-
read -r ru rs rm re <"$WORK/rss-time"
python3 - "$WORK/rss.json" "$ru" "$rs" "$rm" "$re" "$samples" >>"$OUT" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
u, s, m, e = map(float, sys.argv[2:6])
samples = sys.argv[6].split()
p = d["probes"]
print(f"netlab-ping-rss\t-\tprobes_sent\t{p['sent']}")
print(f"netlab-ping-rss\t-\treceived\t{p['received']}")
print(f"netlab-ping-rss\t-\tmax_rss_kib\t{int(m)}")
print(f"netlab-ping-rss\t-\tvmrss_samples_kib\t{','.join(samples) or '-'}")
print(f"netlab-ping-rss\t-\telapsed_s\t{e}")
print(f"netlab-ping-rss\t-\tcpu_us_per_probe\t{(u + s) * 1e6 / max(p['sent'], 1):.3f}")
print(f"netlab-ping-rss\t-\trtt_p50_us\t{d['rtt_ms']['p50'] * 1000:.2f}")
PY

# ---- table --------------------------------------------------------------------------------------
python3 - "$OUT" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
def med(client, metric):
    v = [float(r["value"]) for r in rows if r["client"] == client and r["metric"] == metric]
    return statistics.median(v) if v else float("nan")
def one(client, metric):
    v = [r["value"] for r in rows if r["client"] == client and r["metric"] == metric]
    return v[0] if v else "-"
print(f"{'client':<34}{'avg us':>9}{'p50 us':>9}{'p99 us':>9}{'p99.9 us':>10}{'CPU us/probe':>14}")
for c, label in (("udp-flood", "udp-flood -w 1 (reference)"), ("netlab-ping", "netlab-ping -f")):
    print(f"{label:<34}{med(c, 'rtt_avg_us'):>9.1f}{med(c, 'rtt_p50_us'):>9.1f}{med(c, 'rtt_p99_us'):>9.1f}"
          f"{med(c, 'rtt_p999_us'):>10.1f}{med(c, 'cpu_us_per_probe'):>14.2f}")
# netlab-ping times arrival with the kernel's receive stamp; udp-flood reads the clock after
# recvmmsg() returns, so its RTT also holds the client's wake-up. netlab-ping measures that
# wake-up too (client.rx_delay_ms): adding it back gives the same-definition comparison.
rx = med("netlab-ping", "rx_delay_avg_us")
print(f"netlab-ping mean client wake-up (kernel stamp -> read): {rx:.1f} us; "
      f"avg RTT + wake-up = {med('netlab-ping', 'rtt_avg_us') + rx:.1f} us vs udp-flood avg "
      f"{med('udp-flood', 'rtt_avg_us'):.1f} us")
r50 = med("netlab-ping", "rtt_p50_us") / med("udp-flood", "rtt_p50_us")
r99 = med("netlab-ping", "rtt_p99_us") / med("udp-flood", "rtt_p99_us")
print(f"ratio netlab-ping / reference: p50 {r50:.3f} (target 0.95..1.05), p99 {r99:.3f} (target <= 1.10)")
print(f"RSS: {one('netlab-ping-rss', 'probes_sent')} probes at -i "
      f"{sys.argv[1] and ''}0.0001: max RSS {one('netlab-ping-rss', 'max_rss_kib')} KiB "
      f"(target <= 4096), samples {one('netlab-ping-rss', 'vmrss_samples_kib')} KiB, "
      f"{one('netlab-ping-rss', 'cpu_us_per_probe')} CPU us/probe, "
      f"elapsed {one('netlab-ping-rss', 'elapsed_s')} s")
PY
say "TSV: $OUT"
