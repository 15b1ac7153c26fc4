#!/bin/sh
# fleet.sh — the fleet test of issue 17, loopback only: three netlabd on 127.0.0.11/12/13
# with seeded loss 0 %, 10 % and 30 %, one netlab-ping --exporter, and Debian's real
# prometheus with a generated config and its own temporary storage, scraping the three
# /metrics and /probe for each host every second. After ~15 s of probing, its HTTP API
# must show every target up == 1 and, per host, the exporter's loss inside the exact 99.9 %
# binomial interval of the configured rate. Then the exporter is stopped (SIGTERM: it
# finishes and answers the runs in progress), and the emulated drops it reported must
# equal, exactly, the increase of netlab_echo_dropped_total{reason="loss"} Prometheus
# scraped from that host over the same span: every probe is accounted for once on each
# side. Prometheus is stopped by PID.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init

PING=${NETLAB_PING:-$top_builddir/netlab-ping}
command -v prometheus >/dev/null || nl_fail "prometheus not installed"
PORT=$(nl_free_port)
XPORT=$(nl_free_port)
PPORT=$(nl_free_port)
PROBE_SECONDS=${FLEET_SECONDS:-15}

i=0
for host in 11:0.0 12:0.1 13:0.3; do
        a=127.0.0.${host%%:*}
        cat >"$NL_TMP/n$i.conf" <<CONF
log_level = "info";
echo = { listen = ["$a:$PORT"]; loss = ${host#*:}; seed = $((101 + i)); rate_limit = 0.0; };
http = { listen = ["$a:$PORT"]; enabled = true; root = "$top_srcdir/www"; };
CONF
        nl_start "$NL_TMP/n$i.conf"
        i=$((i + 1))
done

# Phase 1: Prometheus scrapes the three netlabd (and finds no exporter yet), so the
# first counter sample of every host predates its first probe.
mkdir -p "$NL_TMP/tsdb"
cat >"$NL_TMP/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: netlabd
    static_configs:
      - targets: ["127.0.0.11:$PORT", "127.0.0.12:$PORT", "127.0.0.13:$PORT"]
  - job_name: netlab-probe
    metrics_path: /probe
    params:
      mode: [udp]
      count: ["10"]
      interval: ["0.02"]
      timeout: ["0.2"]
    static_configs:
      - targets: ["127.0.0.11:$PORT", "127.0.0.12:$PORT", "127.0.0.13:$PORT"]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:$XPORT
  - job_name: netlab-exporter
    static_configs:
      - targets: ["127.0.0.1:$XPORT"]
YML
promtool check config "$NL_TMP/prometheus.yml" >"$NL_TMP/pc.txt" 2>&1 || nl_fail "promtool: $(cat "$NL_TMP/pc.txt")"
PLOG="$NL_TMP/prometheus.log"
prometheus --config.file="$NL_TMP/prometheus.yml" --storage.tsdb.path="$NL_TMP/tsdb" \
        --web.listen-address="127.0.0.1:$PPORT" >"$PLOG" 2>&1 &
PPID_=$!
nl_track "$PPID_"
API="http://127.0.0.1:$PPORT/api/v1"

query() {       # query PROMQL -> JSON on stdout
        curl -sf -m 5 --data-urlencode "query=$1" "$API/query"
}
i=0
until [ "$(query 'count(up{job="netlabd"} == 1)' 2>/dev/null | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)' 2>/dev/null)" = 3 ]; do
        i=$((i + 1))
        [ "$i" -lt 150 ] || nl_fail "prometheus did not scrape the three netlabd within 30 s: $(tail -5 "$PLOG")"
        sleep 0.2
done
nl_pass "prometheus up, three netlabd scraped"

# Phase 2: the exporter; Prometheus probes each host every second.
XLOG="$NL_TMP/exporter.log"
"$PING" --exporter "127.0.0.1:$XPORT" --allow 127.0.0.0/8 >"$XLOG" 2>&1 &
XPID=$!
nl_track "$XPID"
nl_wait_log 'Ready: ' 10 "$XLOG" || nl_fail "exporter not ready: $(cat "$XLOG")"
sleep "$PROBE_SECONDS"

query 'up' >"$NL_TMP/up.json" || nl_fail "query up"
python3 - "$NL_TMP/up.json" <<'PY' || nl_fail "up: $(cat "$NL_TMP/up.json")"
import json, sys
r = json.load(open(sys.argv[1]))["data"]["result"]
ups = {(s["metric"]["job"], s["metric"]["instance"]): s["value"][1] for s in r}
assert len(ups) == 7 and all(v == "1" for v in ups.values()), ups
print("ok: up == 1 for", len(ups), "targets")
PY

# Phase 3: stop the exporter (it answers the runs in progress), let netlabd be scraped
# once more after the last probe, then read every raw sample of the span.
kill -TERM "$XPID"
i=0
while kill -0 "$XPID" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
st=0
wait "$XPID" || st=$?
[ "$st" = 0 ] || nl_fail "exporter exit $st: $(cat "$XLOG")"
sleep 2.5
for m in netlab_probe_packets_sent netlab_probe_packets_lost 'netlab_probe_packets_lost_by_cause{cause="emulated"}' \
         netlab_probe_success 'netlab_echo_dropped_total{reason="loss"}'; do
        query "$m[5m]" && echo
done >"$NL_TMP/samples.json" || nl_fail "range queries"
kill -TERM "$PPID_"
i=0
while kill -0 "$PPID_" 2>/dev/null && [ "$i" -lt 200 ]; do sleep 0.05; i=$((i + 1)); done

python3 - "$NL_TMP/samples.json" "$PORT" <<'PY' || nl_fail "fleet figures (samples in $NL_TMP/samples.json)"
import json, math, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
port = sys.argv[2]
names = ["sent", "lost", "emulated", "success", "dropped"]
series = {}
for name, d in zip(names, docs):
    for s in d["data"]["result"]:
        series[(name, s["metric"]["instance"])] = [(float(t), float(v)) for t, v in s["values"]]

def binom_interval(n, p, alpha=0.001):
    """Exact two-sided interval: the smallest lo and largest hi with P(X < lo) <= alpha/2
    and P(X > hi) <= alpha/2 for X ~ Bin(n, p)."""
    pmf = [math.comb(n, k) * p**k * (1 - p)**(n - k) for k in range(n + 1)]
    lo, c = 0, 0.0
    while lo <= n and c + pmf[lo] <= alpha / 2:
        c += pmf[lo]; lo += 1
    hi, c = n, 0.0
    while hi >= 0 and c + pmf[hi] <= alpha / 2:
        c += pmf[hi]; hi -= 1
    return lo, hi

ok = True
for last, rate in (("11", 0.0), ("12", 0.1), ("13", 0.3)):
    inst = f"127.0.0.{last}:{port}"
    sent = series[("sent", inst)]
    lost = series[("lost", inst)]
    em = series[("emulated", inst)]
    succ = series[("success", inst)]
    drop = series[("dropped", inst)]
    assert [t for t, _ in sent] == [t for t, _ in lost] == [t for t, _ in em], "probe samples from different scrapes"
    n = int(sum(v for _, v in sent))
    k = int(sum(v for _, v in lost))
    e = int(sum(v for _, v in em))
    lo, hi = binom_interval(n, rate)
    # the counter's increase over the span: last scrape minus the first, which predates
    # the exporter (checked: the first probe sample is later than the first counter sample)
    assert drop[0][0] < sent[0][0], "no counter sample before the first probe"
    inc = int(drop[-1][1] - drop[0][1])
    assert all(b[1] >= a[1] for a, b in zip(drop, drop[1:])), "counter went back"
    line = (f"{inst}: loss {rate:.0%}: {len(sent)} probe runs, {k}/{n} lost "
            f"(99.9% interval {lo}..{hi}), emulated {e}, netlab_echo_dropped_total increase {inc}")
    print(line)
    if len(sent) < 10 or not (lo <= k <= hi) or e != inc or min(v for _, v in succ) < 1:
        print("  ^ FAILED", file=sys.stderr); ok = False
sys.exit(0 if ok else 1)
PY
nl_pass "loss within the 99.9 % binomial interval per host; emulated drops == counter increase, exactly"
