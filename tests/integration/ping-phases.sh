#!/bin/sh
# ping-phases.sh — netlab-ping --http's phases against curl -w on the same URL in the same
# run, at the same request rate: connect, pretransfer, ttfb and total over 200 requests
# (a new connection each) agree within 25 % or 100 us at the 10th percentile (medians
# printed too), against netlabd and, when it is installed, against nginx (that half is skipped cleanly without it). The
# phases nest and their durations add up to the total. Loopback only; bounded waits.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init --alone

PING=${NETLAB_PING:-$top_builddir/netlab-ping}
N=200
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
# A timing comparison of an AddressSanitizer-instrumented netlab-ping against an
# uninstrumented curl measures the instrumentation, not the phases: the normal build
# runs it.
if ldd "$PING" 2>/dev/null | grep -q 'libasan'; then
        echo "SKIP: netlab-ping is built with AddressSanitizer; the phase comparison runs in the normal build"
        exit 77
fi

PORT=$(nl_free_port)
mkdir -p "$NL_TMP/www"
chmod 755 "$NL_TMP" "$NL_TMP/www"               # nginx's worker may run as nobody
head -c 2000 /dev/zero | tr '\0' 'x' >"$NL_TMP/www/index.html"
chmod 644 "$NL_TMP/www/index.html"
cat >"$NL_TMP/netlabd.conf" <<CONF
log_level = "info";
echo = { enabled = false; };
http = { listen = ["127.0.0.1:$PORT"]; root = "$NL_TMP/www"; };
CONF
nl_start "$NL_TMP/netlabd.conf"

# compare NAME URL: netlab-ping's phase medians next to curl's on the same URL, in four
# alternating rounds of N/4 requests each, so a burst of load on the box hits both alike
compare() {
        name=$1
        url=$2
        : >"$NL_TMP/$name.curlrc"
        i=0
        while [ "$i" -lt $((N / 4)) ]; do
                printf 'url = "%s"\noutput = "/dev/null"\n' "$url" >>"$NL_TMP/$name.curlrc"
                i=$((i + 1))
        done
        : >"$NL_TMP/$name.curl"
        : >"$NL_TMP/$name.ping"
        for round in 1 2 3 4; do
                # One curl for a round (no process start in between), a new connection per
                # request as netlab-ping makes without --keep-alive (both send
                # "Connection: close").
                t0=$(date +%s%N)
                curl -s -H 'Connection: close' \
                        -w '%{time_connect} %{time_pretransfer} %{time_starttransfer} %{time_total}\n' \
                        -K "$NL_TMP/$name.curlrc" >>"$NL_TMP/$name.curl" || nl_fail "$name: curl exit $?"
                # netlab-ping paced at curl's own rate: the same gaps between requests give
                # both clients the same CPU idle and wake-up behaviour, otherwise the largest
                # difference on a quiet loopback (tens of microseconds per wake-up).
                interval_us=$((($(date +%s%N) - t0) / 1000 / (N / 4)))
                "$PING" --json-lines -q -c $((N / 4)) -i "${interval_us}us" --http "$url" >>"$NL_TMP/$name.ping" \
                        2>/dev/null || nl_fail "$name: netlab-ping exit $?"
        done
        echo "$name: 4 rounds, both clients at one request per about $interval_us us"
        python3 - "$NL_TMP/$name.ping" "$NL_TMP/$name.curl" "$name" <<'PY' || nl_fail "$name: phases differ from curl's (see above)"
import json, statistics, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
name = sys.argv[3]
probes = [r for r in recs if r["type"] == "probe"]
summaries = [r for r in recs if r["type"] == "summary"]
assert len(summaries) == 4, len(summaries)
assert len(probes) == 200 and all(r["result"] == "reply" for r in probes), probes[:3]
ours = {k: [] for k in ("connect", "pretransfer", "ttfb", "total")}
for r in probes:
    c, p, t, tot = r["connect_ms"], r["pretransfer_ms"], r["ttfb_ms"], r["rtt_ms"]
    assert 0 < c <= p <= t <= tot, r                    # curl's timers nest
    # the durations connect, request, wait, transfer add up to the total
    assert abs(c + (p - c) + (t - p) + (tot - t) - tot) <= 0.05 * tot, r
    for k, v in zip(ours, (c, p, t, tot)):
        ours[k].append(v)
curl = {k: [] for k in ours}
for line in open(sys.argv[2]):
    for k, v in zip(curl, line.split()):
        curl[k].append(float(v) * 1000)
assert len(curl["total"]) == 200, len(curl["total"])
# The 10th percentiles agree within 25 % or 100 us, all four, and the medians are printed
# beside them. netlab-ping takes ttfb and total from the kernel's receive stamps
# (SO_TIMESTAMPNS on TCP), so its own wake-up delay stays out, as in UDP mode; curl stamps
# in user space after it woke up (pretransfer on entering its PERFORMING state,
# lib/multi.c before_perform()). Any load on the box (make check runs unit tests beside
# this one) only ever adds to curl's figures, and it moved curl's median ttfb 150 us above
# netlab-ping's on CI (2026-12-02) with nothing wrong in either; the low percentile is
# where neither was delayed. The absolute slack is the server's own wake-up: a capture of
# consecutive connections (tshark on lo) shows netlabd answering 30-115 us after the
# request reached it. A real fault (a phase measured from the wrong event, a whole extra
# round trip inside a phase) is larger than that.
def p10(v):
    return statistics.quantiles(v, n=10)[0]
bad = []
for k in ours:
    a, b = p10(ours[k]), p10(curl[k])
    for sm in summaries:                 # the summary's own p50 is the median of its round
        h = sm["http"][k + "_ms"]
        assert h["min"] <= h["p50"] <= h["max"], (k, h)
    bound = max(0.25 * b, 0.100)
    ok = abs(a - b) <= bound
    print(f"{name} {k:12s} netlab-ping p10 {a:8.4f} ms  curl p10 {b:8.4f} ms  {'ok' if ok else 'DIFFERS'}"
          f"  (p50 {statistics.median(ours[k]):.4f} / {statistics.median(curl[k]):.4f})")
    if not ok:
        bad.append(k)
assert not bad, bad
PY
}

compare netlabd "http://127.0.0.1:$PORT/index.html"
nl_pass "netlabd: connect/pretransfer/ttfb/total 10th percentiles within 25 % or 100 us of curl -w"

nl_start_nginx "$NL_TMP/www"
if [ -z "$NGINX_PORT" ]; then
        echo "note: nginx's half is skipped"
        exit 0
fi
compare nginx "http://127.0.0.1:$NGINX_PORT/index.html"
kill "$NGINX_PID" 2>/dev/null || true
wait "$NGINX_PID" 2>/dev/null || true
nl_pass "nginx: connect/pretransfer/ttfb/total 10th percentiles within 25 % or 100 us of curl -w"
