#!/bin/sh
# ping-impair.sh — netlab-ping's measurements against netlabd's impairment (fixed seed):
# loss 0.3 over 3000 probes within the 99.9% binomial interval, the emulated count equal
# to the daemon's own drop counter and no network loss; delay 20 ms -> p50 in 20..21.5 ms;
# duplicates and reordering detected when configured; SIGINT with replies still delayed
# by the server reports them in flight, not lost. Every wait is bounded.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init

PING=${NETLAB_PING:-$top_builddir/netlab-ping}
PORT=$(nl_free_port)
CONF="$NL_TMP/impair.conf"

start() {  # start EXTRA-ECHO-SETTINGS
        cat >"$CONF" <<CONF
log_level = "info";
echo = { listen = ["127.0.0.1:$PORT"]; seed = 1; rate_limit = 0.0; $1 };
http = { enabled = false; };
CONF
        nl_start "$CONF"
}

dropped_by_daemon() {  # SIGUSR1, then the "loss N" of the newest "Echo counters:" line
        nl_signal_wait USR1 'Echo counters:' || nl_fail "no counters line within 5 s"
        grep 'Echo counters:' "$NL_LOG" | tail -n 1 | sed -n 's/.*dropped: loss \([0-9]*\).*/\1/p'
}

# ---- loss 0.3 ---------------------------------------------------------------------------
start "loss = 0.3;"
"$PING" --json -c 3000 -i 0.001 "127.0.0.1:$PORT" >"$NL_TMP/loss.json" 2>/dev/null || nl_fail "loss 0.3: exit $?"
daemon=$(dropped_by_daemon)
python3 - "$NL_TMP/loss.json" "$daemon" <<'PY' || nl_fail "loss 0.3: $(cat "$NL_TMP/loss.json")"
import json, math, sys
d = json.load(open(sys.argv[1]))
daemon = int(sys.argv[2])
p, s = d["probes"], d["loss_split"]
n = p["sent"]
assert n == 3000 and p["in_flight"] == 0, p
# 99.9% two-sided binomial interval for p = 0.3 (normal approximation, z = 3.29)
half = 3.29 * math.sqrt(n * 0.3 * 0.7)
assert abs(p["lost"] - 0.3 * n) <= half, (p["lost"], 0.3 * n, half)
assert s["available"], s
# every loss is the daemon's: emulated (plus any after the last stamped reply) equals its counter
assert s["emulated"] + s["unknown"] == daemon, (s, daemon)
assert s["upstream"] == 0 and s["downstream"] == 0 and s["late"] == 0, s
# the percentages split the loss the same way: losses after the last stamped reply are
# unattributed, not "network"
assert s["network_percent"] == 0, s
assert abs(s["emulated_percent"] + s["network_percent"] + s["unknown_percent"] - p["loss_percent"]) < 1e-3, (s, p)
assert p["received"] + p["lost"] == n
PY
nl_pass "loss 0.3: loss within the 99.9% interval, emulated = daemon's count ($daemon), network loss 0"

# ping -w DEADLINE -c COUNT does not stop after COUNT probes but once COUNT are answered:
# with 30% loss it sends more than COUNT, gets COUNT replies and exits 0 long before the
# deadline.
st=0
"$PING" --json -c 20 -w 20 -i 0.01 "127.0.0.1:$PORT" >"$NL_TMP/wc.json" 2>/dev/null || st=$?
[ "$st" -eq 0 ] || nl_fail "-c 20 -w 20 with loss 0.3: exit $st: $(cat "$NL_TMP/wc.json")"
python3 - "$NL_TMP/wc.json" <<'PY' || nl_fail "-c 20 -w 20 with loss 0.3: $(cat "$NL_TMP/wc.json")"
import json, sys
d = json.load(open(sys.argv[1]))
p = d["probes"]
assert p["received"] == 20 and p["sent"] > 20 and d["duration_s"] < 10, (p, d["duration_s"])
PY
nl_pass "-c 20 -w 20 with loss 0.3: sent until 20 were answered, exit 0"
nl_stop

# ---- delay 20 ms, jitter 0 ----------------------------------------------------------------
start "loss = 0.0; delay = 20.0; jitter = 0.0;"
"$PING" --json -c 50 -i 0.01 "127.0.0.1:$PORT" >"$NL_TMP/delay.json" 2>/dev/null || nl_fail "delay: exit $?"
python3 - "$NL_TMP/delay.json" <<'PY' || nl_fail "delay 20 ms: $(cat "$NL_TMP/delay.json")"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["rtt_ms"]
assert d["probes"]["received"] == 50, d["probes"]
assert 20.0 <= r["p50"] <= 21.5, r
assert r["min"] >= 20.0, r
assert d["server"]["hold_ms"]["min"] >= 19.9, d["server"]
PY
nl_pass "delay 20 ms: p50 within 20..21.5 ms, server hold time reported"

# SIGINT with replies still on their way (20 ms delay, a probe every 5 ms): they are
# reported as in flight, not lost
"$PING" -q --json -c 0 -i 0.005 "127.0.0.1:$PORT" >"$NL_TMP/int.json" 2>/dev/null &
pid=$!
nl_track "$pid"
sleep 0.5
kill -INT "$pid"
st=0
wait "$pid" || st=$?
[ "$st" -eq 0 ] || nl_fail "SIGINT with probes in flight: exit $st"
python3 - "$NL_TMP/int.json" <<'PY' || nl_fail "SIGINT in flight: $(cat "$NL_TMP/int.json")"
import json, sys
d = json.load(open(sys.argv[1]))
p = d["probes"]
assert d["interrupted"] is True
assert p["in_flight"] >= 1 and p["lost"] == 0, p
assert p["received"] + p["in_flight"] == p["sent"], p
PY
nl_pass "SIGINT: replies still delayed by the server are in flight, not lost"
nl_stop

# ---- duplicates and reordering --------------------------------------------------------------
start "loss = 0.0; duplicate = 0.2; reorder = 0.2; reorder_gap = 3;"
"$PING" -c 500 -i 0.002 "127.0.0.1:$PORT" >"$NL_TMP/dup.txt" 2>/dev/null || nl_fail "dup/reorder: exit $?"
grep -q '(DUP!)' "$NL_TMP/dup.txt" || nl_fail "no (DUP!) line"
grep -q '(reordered)' "$NL_TMP/dup.txt" || nl_fail "no (reordered) line"
line=$(grep -E '^[0-9]+ duplicate repl(y|ies), [0-9]+ reordered' "$NL_TMP/dup.txt")
dups=${line%% duplicate*}
reord=$(echo "$line" | sed -n 's/.* duplicate repl[yies]*, \([0-9]*\) reordered.*/\1/p')
# 500 replies at p = 0.2: 100 expected, 99.9% interval about 100 +/- 30
[ "$dups" -ge 60 ] && [ "$dups" -le 140 ] || nl_fail "duplicates $dups outside 60..140"
[ "$reord" -ge 20 ] || nl_fail "reordered $reord < 20"
grep -Eq '^500 packets transmitted, 500 received, (\+[0-9]+ duplicates, )?0% packet loss' "$NL_TMP/dup.txt" || nl_fail "dup/reorder summary: $(tail -8 "$NL_TMP/dup.txt")"
nl_pass "duplicate 0.2, reorder 0.2: $dups duplicates, $reord reordered, nothing lost"
nl_stop
