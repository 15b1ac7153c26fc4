#!/bin/sh
# ping-impair.sh — netlab-ping's measurements against netlabd's impairment (fixed seed):
# loss 0.3 over 3000 probes within the 99.9% binomial interval, the emulated count equal
# to the daemon's own drop counter and no network loss; Gilbert-Elliott bursts (mean
# length within an exact binomial bound around 1/r); delay 20 ms -> p50 in 20..21 ms;
# delay 50 ms with -W 0.03 -> every reply late, none network loss;
# duplicates and reordering detected when configured; SIGINT with replies still delayed
# by the server reports them in flight, not lost. Every wait is bounded.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init --alone

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
# every loss is the daemon's: the counters query places the last losses too, and the
# count is exact (the query itself is never counted or dropped)
assert s["final_counters"] and s["unknown"] == 0 and s["emulated"] == daemon, (s, daemon)
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

# ... and counts no more than COUNT replies, also when more arrive at once: a server that
# holds the first 25 probes and answers them in one burst while netlab-ping is stopped
# (SIGSTOP, by PID, from the server), so they wait in its socket buffer together and one
# read loop sees all 25. ping(8) exits at COUNT replies.
PORT2=$(nl_free_port)
python3 - "$PORT2" "$NL_TMP/burst.pid" <<'PY' &
import os, signal, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(10.0)
open(sys.argv[2] + ".ready", "w").close()
held = []
while len(held) < 25:
    held.append(s.recvfrom(65535))
pid = int(open(sys.argv[2]).read())
os.kill(pid, signal.SIGSTOP)
for data, peer in held:
    s.sendto(data, peer)
time.sleep(0.2)
os.kill(pid, signal.SIGCONT)
PY
burst_pid=$!
nl_track "$burst_pid"
i=0
while [ ! -e "$NL_TMP/burst.pid.ready" ]; do
        i=$((i + 1))
        [ "$i" -lt 100 ] || nl_fail "burst server did not start"
        sleep 0.05
done
"$PING" --json -c 20 -w 20 -i 0.01 -W 5 "127.0.0.1:$PORT2" >"$NL_TMP/wc-burst.json" 2>/dev/null &
ping_pid=$!
nl_track "$ping_pid"
echo "$ping_pid" >"$NL_TMP/burst.pid.tmp" && mv "$NL_TMP/burst.pid.tmp" "$NL_TMP/burst.pid"
st=0
wait "$ping_pid" || st=$?
wait "$burst_pid" || nl_fail "burst server failed"
[ "$st" -eq 0 ] || nl_fail "-c 20 -w 20, 25 replies at once: exit $st: $(cat "$NL_TMP/wc-burst.json")"
python3 - "$NL_TMP/wc-burst.json" <<'PY' || nl_fail "-c 20 -w 20, 25 replies at once: $(cat "$NL_TMP/wc-burst.json")"
import json, sys
p = json.load(open(sys.argv[1]))["probes"]
assert p["received"] == 20 and p["sent"] >= 25, p
PY
nl_pass "-c 20 -w 20 with 25 replies in one burst: 20 received, as ping(8)"
nl_stop

# ---- Gilbert-Elliott p = 0.05, r = 0.3, loss only in BAD: bursts ---------------------------
start "loss_model = \"gilbert-elliott\"; ge_p = 0.05; ge_r = 0.3; ge_loss_good = 0.0; ge_loss_bad = 1.0;"
# -i 0.001 (20 s): faster, a loaded 2-core box lets netlabd's receive buffer overflow
# during a scheduling stall, and those real losses would merge with the emulated bursts.
"$PING" --json -q -c 20000 -i 0.001 "127.0.0.1:$PORT" >"$NL_TMP/ge.json" 2>/dev/null || nl_fail "GE: exit $?"
python3 - "$NL_TMP/ge.json" <<'PY' || nl_fail "GE bursts: $(cat "$NL_TMP/ge.json")"
import json, math, sys
d = json.load(open(sys.argv[1]))
p, b, s = d["probes"], d["bursts"], d["loss_split"]
assert p["sent"] == 20000 and p["in_flight"] == 0, p
# loopback loses nothing unless the box stalls netlabd (see above): allow 0.1%
assert s["available"] and s["network"] <= 20 and s["late"] == 0, s
# With loss only in BAD, every BAD sojourn is one burst (a GOOD probe separates two), and
# a sojourn lasts L probes with P(L = k) = (1 - r)^(k-1) r: geometric, mean 1/r = 3.33.
# Given K bursts, their total T is K plus a negative binomial count of failures, and
#   P(T <= t) = P(Binomial(t, r) >= K)
# (the K-th success of Bernoulli(r) trials comes at trial <= t), so the exact two-sided
# 99.9% interval for T, hence for the mean T / K, comes from binomial tails.
r, K, T = 0.3, b["count"], b["lost"]
assert K > 500, b                        # about 20000 * (0.3/0.35) * 0.05 = 857 expected
def binom_sf(n, k, q):                   # P(Binomial(n, q) >= k), summed in log space
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    lg = lambda i: (math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1)
                    + i * math.log(q) + (n - i) * math.log(1 - q))
    return sum(math.exp(lg(i)) for i in range(k, n + 1))
def cdf_T(t):                            # P(T <= t)
    return binom_sf(t, K, r)
lo = K
while cdf_T(lo) < 0.0005:
    lo += 1
hi = lo
while cdf_T(hi) < 0.9995:
    hi += 1
assert lo <= T <= hi, (T, lo, hi, K)
mean = T / K
assert abs(mean - b["mean"]) < 1e-3, b
print(f"GE bursts: {K} bursts, mean {mean:.3f} (model 1/r = {1/r:.3f}), exact 99.9% interval "
      f"{lo/K:.3f}..{hi/K:.3f}, longest {b['max']}")
PY
nl_pass "Gilbert-Elliott p=0.05 r=0.3: mean burst length within the exact 99.9% interval around 1/r"
nl_stop

# ---- delay 20 ms, jitter 0 ----------------------------------------------------------------
start "loss = 0.0; delay = 20.0; jitter = 0.0;"
"$PING" --json -c 50 -i 0.01 "127.0.0.1:$PORT" >"$NL_TMP/delay.json" 2>/dev/null || nl_fail "delay: exit $?"
python3 - "$NL_TMP/delay.json" <<'PY' || nl_fail "delay 20 ms: $(cat "$NL_TMP/delay.json")"
import json, sys
d = json.load(open(sys.argv[1]))
r = d["rtt_ms"]
assert d["probes"]["received"] == 50, d["probes"]
assert 20.0 <= r["p50"] <= 21.0, r
assert r["min"] >= 20.0, r                # no reply faster than the emulated delay
assert d["server"]["hold_ms"]["min"] >= 19.9, d["server"]
PY
nl_pass "delay 20 ms: p50 within 20.0..21.0 ms, no RTT below 20 ms, server time reported"

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

# ---- delay 50 ms, -W 0.03: every reply late, none lost on the network ------------------------
start "loss = 0.0; delay = 50.0; jitter = 0.0;"
"$PING" --json -c 20 -i 0.01 -W 0.03 "127.0.0.1:$PORT" >"$NL_TMP/late.json" 2>/dev/null || st=$?
python3 - "$NL_TMP/late.json" <<'PY' || nl_fail "delay 50 ms -W 0.03: $(cat "$NL_TMP/late.json")"
import json, sys
d = json.load(open(sys.argv[1]))
p, s = d["probes"], d["loss_split"]
assert p["sent"] == 20 and p["received"] == 0 and p["in_flight"] == 0, p
assert p["late"] == 20 and p["lost"] == 20, p            # every probe late (ping counts it lost)
assert s["available"] and s["late"] == 20, s
assert s["network"] == 0 and s["network_percent"] == 0, s
assert s["upstream"] == 0 and s["downstream"] == 0 and s["unknown"] == 0, s
PY
"$PING" -c 20 -i 0.01 -W 0.03 "127.0.0.1:$PORT" >"$NL_TMP/late.txt" 2>/dev/null || true
grep -q '^20 lost: 20 late (answered after the timeout)$' "$NL_TMP/late.txt" || nl_fail "late text: $(cat "$NL_TMP/late.txt")"
grep -q 'network' "$NL_TMP/late.txt" && nl_fail "late called network: $(cat "$NL_TMP/late.txt")"
nl_pass "delay 50 ms with -W 0.03: 20 late, 0 network loss"
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
