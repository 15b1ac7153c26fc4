#!/bin/bash
# profiles.sh — classroom profiles end to end (issue 13): four groups on four echo ports
# (0 %, 5 %, 30 % random, Gilbert-Elliott p = 0.05 r = 0.3), 10 000 netlab probes each at
# once: every random group's loss inside its exact 99.9 % binomial interval, the GE
# group's inside bounds derived from the chain, /api/status's per-profile drops equal to
# netlab-ping's emulated count; isolation (a group alone and with the others loses the
# same sequence numbers); a text pinger from 127.0.0.6 lands in its source profile; a
# reload that changes one profile keeps every profile's counters; bad profiles fail -t.
set -euo pipefail
. "${top_srcdir:?}/tests/integration/lib.sh"
nl_init
PING=${NETLAB_PING:-$top_builddir/netlab-ping}
N=10000

P1=$(nl_free_port); P2=$(nl_free_port); P3=$(nl_free_port); P4=$(nl_free_port); H=$(nl_free_port)
CONF="$NL_TMP/classroom.conf"
write_conf() {  # write_conf LOSS-OF-GROUP-FIVE
        cat >"$CONF" <<CONF
log_level = "info";
echo = {
        listen = [ "127.0.0.1:$P1", "127.0.0.1:$P2", "127.0.0.1:$P3", "127.0.0.1:$P4" ];
        rate_limit = 0.0;
        seed = 7;
        profiles = (
                { name = "clean"; ports = [ $P1 ]; },
                { name = "five"; ports = [ $P2 ]; loss = $1; seed = 11; },
                { name = "thirty"; ports = [ $P3 ]; loss = 0.3; seed = 12; },
                { name = "bursty"; ports = [ $P4 ]; loss_model = "gilbert-elliott"; ge_p = 0.05; ge_r = 0.3; seed = 13; },
                { name = "texters"; sources = [ "127.0.0.6" ]; loss = 0.3; seed = 14; }
        );
};
http = { listen = [ "127.0.0.1:$H" ]; root = "$top_srcdir/www"; access_log = false; };
CONF
}

run_group() {  # run_group PORT NAME: 10 000 probes, one JSON line per probe and a summary
        "$PING" --json-lines -c "$N" -i 0.001 "127.0.0.1:$1" >"$NL_TMP/$2.jsonl" 2>/dev/null
}

status() { curl -sf "http://127.0.0.1:$H/api/status" >"$NL_TMP/status.json" || nl_fail "no /api/status"; }

write_conf 0.05
"$NETLABD" -t -c "$CONF" >"$NL_TMP/t.out" || nl_fail "-t rejects the classroom: $(cat "$NL_TMP/t.out")"
grep -q "echo profile 'bursty' (ports $P4): loss 14.29% per round trip (gilbert-elliott" "$NL_TMP/t.out" ||
        nl_fail "-t does not print the GE profile's mean loss: $(cat "$NL_TMP/t.out")"
grep -q "mean loss burst 3.33 datagrams" "$NL_TMP/t.out" || nl_fail "-t lacks the mean burst length"

nl_start "$CONF"
run_group "$P1" clean & a=$!
run_group "$P2" five & b=$!
run_group "$P3" thirty & c=$!
run_group "$P4" bursty & d=$!
wait $a && wait $b && wait $c && wait $d || nl_fail "a netlab-ping failed"
status
records() {  # records SUFFIX: the newest decisions of thirty and bursty from /api/flows
        for g in thirty bursty; do
                curl -sf "http://127.0.0.1:$H/api/flows?profile=$g" >"$NL_TMP/$g-record$1.json" ||
                        nl_fail "no /api/flows?profile=$g"
        done
}
records -together
cp "$NL_TMP/thirty.jsonl" "$NL_TMP/thirty-together.jsonl"
cp "$NL_TMP/bursty.jsonl" "$NL_TMP/bursty-together.jsonl"

python3 - "$NL_TMP" "$N" <<'PY' || nl_fail "four groups"
import json, math, sys
tmp, n = sys.argv[1], int(sys.argv[2])
st = {p["name"]: p for p in json.load(open(tmp + "/status.json"))["echo"]["profiles"]}
assert list(st) == ["default", "clean", "five", "thirty", "bursty", "texters"], list(st)

def binom_interval(n, p, conf=0.999):
    """Exact two-sided interval [lo, hi] of Binomial(n, p): P(X < lo) <= a/2, P(X > hi) <= a/2."""
    if p == 0:
        return 0, 0
    a = (1 - conf) / 2
    logpmf = lambda k: (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
                        + k * math.log(p) + (n - k) * math.log1p(-p))
    cdf, lo = 0.0, 0
    while cdf + math.exp(logpmf(lo)) <= a:
        cdf += math.exp(logpmf(lo)); lo += 1
    cdf, hi = 0.0, n
    while cdf + math.exp(logpmf(hi)) <= a:
        cdf += math.exp(logpmf(hi)); hi -= 1
    return lo, hi

for name, p in (("clean", 0.0), ("five", 0.05), ("thirty", 0.3), ("bursty", None)):
    lines = [json.loads(l) for l in open(f"{tmp}/{name}.jsonl")]
    s = lines[-1]
    assert s["type"] == "summary", s
    probes, split = s["probes"], s["loss_split"]
    assert probes["sent"] == n and probes["in_flight"] == 0, (name, probes)
    lost = probes["lost"]
    # netlab-ping names the profile that answered: its index in /api/status's list
    assert s["server"]["profile_index"] == list(st).index(name) and not s["server"]["profile_changed"], \
        (name, s["server"])
    if p is not None:
        lo, hi = binom_interval(n, p)
        assert lo <= lost <= hi, (name, lost, lo, hi)
    else:
        # Gilbert-Elliott with loss only in BAD: mean pi = p/(p+r); the chain's lag-k
        # correlation is (1-p-r)^k, so Var(sum) = n pi (1-pi) (1+l)/(1-l), l = 1-p-r.
        gp, gr = 0.05, 0.3
        pi, l = gp / (gp + gr), 1 - gp - gr
        half = 3.29 * math.sqrt(n * pi * (1 - pi) * (1 + l) / (1 - l))
        assert abs(lost - n * pi) <= half, (name, lost, n * pi, half)
        assert abs(st[name]["mean_loss"] - pi) < 1e-9, st[name]
    daemon = st[name]["dropped"]["loss"]
    # the daemon's per-profile count is netlab-ping's emulated count; the three final
    # counter queries are probes too, so without final_counters the daemon may be up to 3 ahead
    if split["final_counters"]:
        assert split["unknown"] == 0 and split["emulated"] == daemon, (name, split, daemon)
    else:
        assert daemon - 3 <= split["emulated"] + split["unknown"] <= daemon, (name, split, daemon)
    assert split["network"] == 0, (name, split)
    assert st[name]["received"] >= n and st[name]["flows"] >= 1, st[name]
    assert st[name]["received"] == st[name]["replied"] + daemon, st[name]
    print(f"ok: {name}: {lost}/{n} lost, daemon dropped {daemon}, emulated {split['emulated']}")
assert st["default"]["received"] == 0, st["default"]
PY
nl_pass "four profiles, 10 000 probes each: binomial and GE bounds, per-profile drops = emulated"

# /metrics carries the profile label
curl -sf "http://127.0.0.1:$H/metrics" >"$NL_TMP/metrics.txt" || nl_fail "no /metrics"
grep -q '^netlab_echo_profile_dropped_total{profile="thirty",reason="loss"} [1-9]' "$NL_TMP/metrics.txt" ||
        nl_fail "no per-profile drops in /metrics"
if command -v promtool >/dev/null; then
        promtool check metrics <"$NL_TMP/metrics.txt" || nl_fail "promtool"
fi

# ---- reload changing one profile keeps the others' counters ---------------------------
before=$(python3 -c 'import json,sys; print(json.dumps({p["name"]: p["received"] for p in json.load(open(sys.argv[1]))["echo"]["profiles"]}))' "$NL_TMP/status.json")
write_conf 0.5
nl_signal_wait HUP "Echo profile 'five'" || nl_fail "no reload"
status
python3 - "$NL_TMP/status.json" "$before" <<'PY' || nl_fail "reload lost counters"
import json, sys
st = {p["name"]: p for p in json.load(open(sys.argv[1]))["echo"]["profiles"]}
before = json.loads(sys.argv[2])
for name, received in before.items():
    assert st[name]["received"] == received, (name, st[name], received)
assert st["five"]["impairment"]["loss"] == 0.5 and st["thirty"]["impairment"]["loss"] == 0.3, st
PY
nl_pass "reload changing one profile keeps every profile's counters"

# ---- a text pinger from 127.0.0.6 is in its source profile -----------------------------
python3 - "$P1" "$H" <<'PY' || nl_fail "text pinger from 127.0.0.6"
import json, socket, sys, time, urllib.error, urllib.request
port, http = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.6", 0))
s.settimeout(0.05)
answered = set()
def take(data):                         # a reply names its seq; a late one still counts
    words = data.split()
    assert len(words) == 3 and words[0] == b"Ping", data
    answered.add(int(words[1]))
for seq in range(200):
    s.sendto(f"Ping {seq} {time.time():.3f}".encode(), ("127.0.0.1", port))
    try:
        take(s.recv(2048))
    except socket.timeout:
        pass
s.settimeout(0.5)                       # stragglers of a loaded box, then the counters
try:
    while True:
        take(s.recv(2048))
except socket.timeout:
    pass
timeouts = 200 - len(answered)
lines = [(seq, f"Reply from 127.0.0.1: Ping {seq}" if seq in answered else "Request timed out")
         for seq in range(200)]
st = {p["name"]: p for p in json.load(urllib.request.urlopen(f"http://127.0.0.1:{http}/api/status"))["echo"]["profiles"]}
t = st["texters"]
assert t["received"] == 200 and t["dropped"]["loss"] == timeouts and t["replied"] == 200 - timeouts, (t, timeouts)
assert 20 <= timeouts <= 100, timeouts
print(f"ok: texters: {timeouts} of 200 timed out, all dropped on purpose")

# The teacher's view: the flow in /api/flows, and its record for grading.
peer = f"127.0.0.6:{s.getsockname()[1]}"
doc = json.load(urllib.request.urlopen(f"http://127.0.0.1:{http}/api/flows"))
assert doc["max_flows"] == 512 and doc["truncated"] is False, doc
mine = [f for f in doc["flows"] if f["peer"] == peer]
assert len(mine) == 1, (peer, doc["flows"][:3])
f = mine[0]
assert (f["profile"], f["kind"], f["received"], f["replied"], f["dropped"]["loss"], f["last_seq"]) == \
    ("texters", "plain", 200, 200 - timeouts, timeouts, None), f
assert f["first_seen"] <= f["last_seen"] <= time.time() + 1 and f["idle_seconds"] < 30, f
rec = json.load(urllib.request.urlopen(f"http://127.0.0.1:{http}/api/flows?peer={peer.replace(':', '%3A')}"))
assert [x["peer"] for x in rec["flows"]] == [peer], rec["flows"]
entries = rec["record"]["entries"]
assert rec["record"]["size"] == 65536 and not rec["record"]["truncated"] and len(entries) == 200, rec["record"]
assert entries == sorted(entries, key=lambda e: -e["time"]), "not newest first"
verdict = {}
for e in entries:
    assert e["peer"] == peer and e["profile"] == "texters" and e["seq"] is None, e
    n = int(e["payload"].split()[1])
    assert e["payload"].startswith(f"Ping {n} ") and e["bytes"] >= len(e["payload"]), e
    assert n not in verdict, n
    verdict[n] = (e["verdict"], e["reason"])
for seq, line in lines:
    want = ("dropped", "loss") if line == "Request timed out" else ("replied", None)
    assert verdict[seq] == want, (seq, line, verdict[seq])
bad = urllib.request.Request(f"http://127.0.0.1:{http}/api/flows?peer=127.0.0.6")
try:
    urllib.request.urlopen(bad)
    raise AssertionError("a bad peer= got 200")
except urllib.error.HTTPError as err:
    assert err.code == 400, err.code
print(f"ok: every 'Request timed out' is a dropped entry in the record, every reply a replied one")
# The dashboard measures itself apart, and keeps the last two minutes for a late page.
sd = json.load(urllib.request.urlopen(f"http://127.0.0.1:{http}/api/status"))
assert sd["http"]["dashboard_requests"] >= 5 and sd["http"]["dashboard_requests"] <= sd["http"]["requests"], sd["http"]
hist = sd["history"]
assert hist["interval_seconds"] == 1 and hist["columns"][:2] == ["uptime_seconds", "echo_received"], hist
assert 2 <= len(hist["samples"]) <= 120, len(hist["samples"])
ups = [s[0] for s in hist["samples"]]
assert ups == sorted(ups) and all(0.9 < b - a < 1.2 for a, b in zip(ups, ups[1:])), ups
rx = [s[1] for s in hist["samples"]]
assert rx == sorted(rx) and rx[-1] <= sd["echo"]["received"], rx
assert all(s[5] == 0 for s in hist["samples"]), "status polls counted as user requests"
PY
nl_pass "a text pinger from 127.0.0.6 is classified by source; its timeouts are the record's drops"
nl_stop

# ---- isolation: the same seeds, a group alone, loses the same sequence numbers ---------
write_conf 0.05
nl_start "$CONF"
run_group "$P3" thirty & c=$!
run_group "$P4" bursty & d=$!
wait $c && wait $d || nl_fail "a netlab-ping failed"
records -alone
nl_stop
for g in thirty bursty; do
        python3 - "$NL_TMP/$g-record-together.json" "$NL_TMP/$g-record-alone.json" "$g" <<'PY' ||
import json, sys
def decisions(path):
    r = json.load(open(path))["record"]
    return sorted((e["seq"], e["verdict"], e["reason"], e["delay_ms"], e["duplicated"]) for e in r["entries"])
a, b = decisions(sys.argv[1]), decisions(sys.argv[2])
assert len(a) == 4096 and a == b, (sys.argv[3], len(a), len(b), sorted(set(a) ^ set(b))[:10])
PY
                nl_fail "isolation of $g by decision records"
        python3 - "$NL_TMP/$g-together.jsonl" "$NL_TMP/$g.jsonl" "$g" <<'PY' || nl_fail "isolation of $g"
import json, sys
def lost(path):
    return [r["seq"] for r in map(json.loads, open(path)) if r["type"] == "probe" and r["result"] != "reply"]
a, b = lost(sys.argv[1]), lost(sys.argv[2])
assert a == b and len(a) > 0, (sys.argv[3], len(a), len(b), sorted(set(a) ^ set(b))[:10])
PY
done
nl_pass "isolation: thirty and bursty lose the same sequence numbers, and have identical decision records, alone as with four groups"

# ---- echo.record_log: one line per decision, with the peer, profile, seq and verdict ---
write_conf 0.05
sed -i 's/seed = 7;/seed = 7; record_log = true;/' "$CONF"
nl_start "$CONF"
lport=$(python3 - "$P3" <<'PY') || nl_fail "record_log pinger"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.7", 0))
for seq in range(20):
    s.sendto(f"Ping {seq} x".encode(), ("127.0.0.1", int(sys.argv[1])))
print(s.getsockname()[1])
PY
nl_wait_log "NETLAB_PEER=127.0.0.7:$lport NETLAB_PROFILE=thirty NETLAB_SEQ=19 NETLAB_VERDICT=(replied|dropped)" ||
        nl_fail "no record_log line for Ping 19"
[ "$(grep -c "Echo decision NETLAB_PEER=127.0.0.7:$lport NETLAB_PROFILE=thirty" "$NL_LOG")" -eq 20 ] ||
        nl_fail "record_log: not one line per decision"
grep -q "NETLAB_SEQ=3 NETLAB_VERDICT=dropped NETLAB_REASON=loss" "$NL_LOG" ||
        grep -q "NETLAB_SEQ=3 NETLAB_VERDICT=replied NETLAB_REASON=replied" "$NL_LOG" || nl_fail "record_log: Ping 3"
nl_stop
nl_pass "echo.record_log writes one line per decision (plain log line without \$JOURNAL_STREAM)"

# ---- bad profiles are rejected with file:line -----------------------------------------
cat >"$NL_TMP/bad.conf" <<CONF
echo = {
        listen = [ "127.0.0.1:$P1" ];
        profiles = (
                { name = "a"; sources = [ "10.0.1.0/24" ]; },
                { name = "a"; sources = [ "10.0.2.0/24" ]; }
        );
};
CONF
st=0; "$NETLABD" -t -c "$NL_TMP/bad.conf" >"$NL_TMP/bad.out" 2>&1 || st=$?
[ "$st" -eq 78 ] || nl_fail "duplicate name: exit $st"
grep -q "bad.conf:5: profile name 'a' is already used at line 4" "$NL_TMP/bad.out" ||
        nl_fail "duplicate name: $(cat "$NL_TMP/bad.out")"
sed -i "s/{ name = \"a\"; sources = \[ \"10.0.2.0\/24\" \]; }/{ name = \"b\"; ports = [ 1 ]; }/" "$NL_TMP/bad.conf"
st=0; "$NETLABD" -t -c "$NL_TMP/bad.conf" >"$NL_TMP/bad.out" 2>&1 || st=$?
[ "$st" -eq 78 ] && grep -q "bad.conf:5: profile 'b': port 1 is not one the echo listens on" "$NL_TMP/bad.out" ||
        nl_fail "port not listened on: exit $st: $(cat "$NL_TMP/bad.out")"
nl_pass "bad profiles rejected with file:line"
