#!/bin/sh
# ping.sh — netlab-ping against the real netlabd on loopback (loss 0: every probe answered,
# exit 0, stamped replies), against nothing (ICMP port unreachable per probe, exit 1),
# against a plain socat echo (RTT and loss only, said once), bad flags and names (exit 2,
# and valid JSON with --json), the --json document's fields (python3 json), --json-lines,
# SIGINT mid-run (summary, in-flight probes not lost) and SIGQUIT (interim line, run
# continues), and the lab server's "<ms> <request>" replies. Every wait is bounded.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init

PING=${NETLAB_PING:-$top_builddir/netlab-ping}
PORT=$(nl_free_port)
CONF="$NL_TMP/ping.conf"
cat >"$CONF" <<CONF
log_level = "info";
echo = { listen = ["127.0.0.1:$PORT", "[::1]:$PORT"]; loss = 0.0; seed = 1; rate_limit = 0.0; };
http = { enabled = false; };
CONF
nl_start "$CONF"

# ---- loss 0: all received, stamped, exit 0 ------------------------------------------------
out="$NL_TMP/out.txt"
"$PING" -c 20 -i 0.01 "127.0.0.1:$PORT" >"$out" 2>&1 || nl_fail "exit $? with loss 0: $(cat "$out")"
grep -q '^20 packets transmitted, 20 received, 0% packet loss, time [0-9]*ms$' "$out" || nl_fail "summary: $(cat "$out")"
[ "$(grep -c "^64 bytes from 127.0.0.1: seq=[0-9]* time=" "$out")" -eq 20 ] || nl_fail "per-probe lines: $(cat "$out")"
grep -q '^server: time in the server min/avg/max' "$out" || nl_fail "no server stamps line: $(cat "$out")"
grep -q 'rtt p50/p90/p99/p99.9 = ' "$out" || nl_fail "no percentiles: $(cat "$out")"
nl_pass "loss 0: 20/20 received, server stamps used, exit 0"

# -p, -s, -q, -D
"$PING" -q -c 3 -i 0.01 -s 1000 -p "$PORT" 127.0.0.1 >"$out" 2>&1 || nl_fail "-p/-s/-q: exit $?"
grep -q 'seq=' "$out" && nl_fail "-q printed per-probe lines"
grep -q '^3 packets transmitted, 3 received' "$out" || nl_fail "-s 1000: $(cat "$out")"
"$PING" -D -c 1 "127.0.0.1:$PORT" >"$out" 2>&1 || nl_fail "-D: exit $?"
grep -Eq '^\[[0-9]+\.[0-9]{6}\] 64 bytes from' "$out" || nl_fail "-D: $(cat "$out")"
nl_pass "-p, -s, -q, -D"

# -6 / [V6]:PORT, -f, -w
"$PING" -6 -c 2 -i 0.01 "[::1]:$PORT" >"$out" 2>&1 || nl_fail "-6: exit $?: $(cat "$out")"
grep -q '^64 bytes from ::1: seq=1 time=' "$out" || nl_fail "-6: $(cat "$out")"
"$PING" -f -c 500 "127.0.0.1:$PORT" >"$out" 2>&1 || nl_fail "-f: exit $?"
grep -q 'seq=' "$out" && nl_fail "-f printed per-probe lines"
grep -q '^500 packets transmitted, 500 received' "$out" || nl_fail "-f: $(cat "$out")"
start=$(date +%s%N)
"$PING" -q -w 0.6 -i 0.1 "127.0.0.1:$PORT" >"$out" 2>&1 || nl_fail "-w without -c: exit $?"
ms=$((($(date +%s%N) - start) / 1000000))
[ "$ms" -ge 550 ] && [ "$ms" -lt 3000 ] || nl_fail "-w 0.6 took $ms ms"
grep -Eq '^[5-7] packets transmitted' "$out" || nl_fail "-w 0.6 -i 0.1: $(cat "$out")"
st=0
"$PING" -q -w 0.3 -c 100 -i 0.1 "127.0.0.1:$PORT" >"$out" 2>&1 || st=$?
[ "$st" -eq 1 ] || nl_fail "-w 0.3 -c 100: exit $st, want 1 (fewer than COUNT replies by the deadline)"
nl_pass "-6, -f, -w (and ping's -w -c exit rule)"

# ---- --json: one document with every summary field ---------------------------------------
"$PING" --json --histogram -c 50 -i 0.002 "127.0.0.1:$PORT" >"$NL_TMP/doc.json" 2>"$NL_TMP/err" ||
        nl_fail "--json: exit $?"
python3 - "$NL_TMP/doc.json" <<'PY' || nl_fail "--json document: $(cat "$NL_TMP/doc.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format_version"] == 2 and d["error"] is None and d["mode"] == "udp", d
need = {
    "probes": ["sent", "received", "lost", "loss_percent", "in_flight", "late", "duplicates",
               "reordered", "failed", "unknown", "stale"],
    "loss_split": ["available", "counters_restarted", "final_counters", "upstream", "emulated", "downstream",
                   "late", "unknown", "network", "emulated_percent", "network_percent", "late_percent"],
    "bursts": ["count", "lost", "mean", "max", "server_model_mean"],
    "rtt_ms": ["min", "avg", "max", "mdev", "p50", "p90", "p99", "p99_9"],
    "jitter_ms": ["mean_abs_delta", "rfc3550", "ipdv_mean", "ipdv_abs"],
    "server": ["stamps", "unstamped_replies", "hold_ms", "span_ms", "profile_index", "profile_changed"],
    "target": ["host", "address", "port", "url"],
    "client": ["replies_without_kernel_stamp", "rx_delay_ms"],
    "options": ["count", "interval_s", "timeout_s", "deadline_s", "size", "flood"],
}
for k, fields in need.items():
    for f in fields:
        assert f in d[k], (k, f)
for k in ["start_time", "duration_s", "interrupted", "http", "histogram", "tool", "version"]:
    assert k in d, k
p = d["probes"]
assert p["sent"] == 50 and p["received"] == 50 and p["lost"] == 0, p
r = d["rtt_ms"]
assert r["min"] <= r["p50"] <= r["p90"] <= r["p99"] <= r["p99_9"] <= r["max"], r
assert d["server"]["stamps"] is True
assert d["client"]["replies_without_kernel_stamp"] == 0 and d["client"]["rx_delay_ms"]["avg"] >= 0, d["client"]
assert d["loss_split"]["available"] is True and d["loss_split"]["emulated"] == 0
assert sum(b["count"] for b in d["histogram"]) == 50, d["histogram"]
PY
nl_pass "--json parses and has every summary field"

"$PING" --json-lines -c 5 -i 0.01 "127.0.0.1:$PORT" >"$NL_TMP/lines.json" 2>/dev/null || nl_fail "--json-lines: exit $?"
python3 - "$NL_TMP/lines.json" <<'PY' || nl_fail "--json-lines: $(cat "$NL_TMP/lines.json")"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["type"] for r in recs] == ["start"] + ["probe"] * 5 + ["summary"], recs
assert [r["result"] for r in recs[1:-1]] == ["reply"] * 5, recs
assert recs[0]["format_version"] == 2 and recs[0]["target"]["port"] > 0, recs[0]
assert recs[-1]["format_version"] == 2 and recs[-1]["probes"]["received"] == 5
PY
nl_pass "--json-lines: a start record, one record per probe and a summary record, each typed"

# ---- SIGINT mid-run: summary, exit 0; SIGQUIT: interim line, run continues ----------------
"$PING" -c 0 -i 0.05 "127.0.0.1:$PORT" >"$out" 2>"$NL_TMP/err" &
pid=$!
nl_track "$pid"
sleep 0.5
kill -QUIT "$pid"
sleep 0.3
kill -0 "$pid" 2>/dev/null || nl_fail "SIGQUIT ended the run"
grep -Eq '^[0-9]+/[0-9]+ packets, 0% loss, min/avg/p50/max = ' "$NL_TMP/err" || nl_fail "no interim line: $(cat "$NL_TMP/err")"
kill -INT "$pid"
st=0
wait "$pid" || st=$?
[ "$st" -eq 0 ] || nl_fail "SIGINT: exit $st"
grep -Eq '^[0-9]+ packets transmitted, [0-9]+ received, 0% packet loss' "$out" || nl_fail "SIGINT summary: $(cat "$out")"
nl_pass "SIGQUIT prints an interim line and continues; SIGINT prints the summary, exit 0"

nl_stop

# ---- nothing listening: port unreachable per probe, exit 1 --------------------------------
st=0
"$PING" -c 3 -i 0.05 "127.0.0.1:$PORT" >"$out" 2>&1 || st=$?
[ "$st" -eq 1 ] || nl_fail "nothing listening: exit $st, want 1: $(cat "$out")"
[ "$(grep -c '^From 127.0.0.1: seq=[0-9] Destination port unreachable$' "$out")" -eq 3 ] ||
        nl_fail "no port unreachable lines: $(cat "$out")"
grep -q 'timeout' "$out" && nl_fail "unreachable reported as timeout: $(cat "$out")"
grep -q ', +3 errors, 100% packet loss' "$out" || nl_fail "unreachable summary: $(cat "$out")"
grep -q '^3 unreachable$' "$out" || nl_fail "unreachable count line: $(cat "$out")"
nl_pass "nothing listening: 3 x port unreachable, exit 1"

# ---- bad flags, bad names: exit 2 (and JSON stays JSON) ------------------------------------
for args in "-x 127.0.0.1" "-c abc 127.0.0.1" "-i 0 127.0.0.1" "-W -1 127.0.0.1" "-s 10 127.0.0.1" \
            "-s 70000 127.0.0.1" "-p 0 127.0.0.1" "" "a b" "--http ftp://x/" "127.0.0.1:99999" \
            "--keep-alive 127.0.0.1" "-c"; do
        st=0
        # shellcheck disable=SC2086
        "$PING" $args >"$out" 2>&1 || st=$?
        [ "$st" -eq 2 ] || nl_fail "'netlab-ping $args': exit $st, want 2"
        grep -q 'netlab-ping: ' "$out" || nl_fail "'netlab-ping $args': no message: $(cat "$out")"
        grep -q '^Usage: netlab-ping ' "$out" || nl_fail "'netlab-ping $args': no usage: $(cat "$out")"
done
st=0
"$PING" -c 1 nosuchhost.invalid >"$out" 2>&1 || st=$?
[ "$st" -eq 2 ] || nl_fail "unknown host: exit $st"
grep -q "Failed to resolve 'nosuchhost.invalid'" "$out" || nl_fail "unknown host message: $(cat "$out")"
st=0
"$PING" --json -c nope 127.0.0.1 >"$NL_TMP/doc.json" 2>/dev/null || st=$?
[ "$st" -eq 2 ] || nl_fail "--json bad flag: exit $st"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["format_version"]==2 and d["error"]["exit_status"]==2' \
        "$NL_TMP/doc.json" || nl_fail "--json error document: $(cat "$NL_TMP/doc.json")"
"$PING" --help | grep -q -- '--json-lines' || nl_fail "--help"
"$PING" -V | grep -q '^netlab-ping ' || nl_fail "-V"
nl_pass "bad flags and names: message, exit 2; --json error document"

# ---- a plain echo (socat): RTT and loss only, said once ----------------------------------
if command -v socat >/dev/null 2>&1; then
        socat -T1 "UDP4-RECVFROM:$PORT,bind=127.0.0.1,fork" EXEC:cat 2>/dev/null &
        spid=$!
        nl_track "$spid"
        i=0
        while ! "$PING" -q -c 1 -W 0.2 "127.0.0.1:$PORT" >/dev/null 2>&1; do
                i=$((i + 1))
                [ "$i" -lt 50 ] || nl_fail "socat echo did not come up"
                sleep 0.1
        done
        "$PING" -c 5 -i 0.05 "127.0.0.1:$PORT" >"$out" 2>"$NL_TMP/err" || nl_fail "socat: exit $?"
        grep -q '^5 packets transmitted, 5 received' "$out" || nl_fail "socat: $(cat "$out")"
        grep -q 'plain echo (no netlab stamps): RTT and loss only' "$out" || nl_fail "socat summary: $(cat "$out")"
        [ "$(grep -c 'no netlab server stamps' "$NL_TMP/err")" -eq 1 ] || nl_fail "socat notice not once: $(cat "$NL_TMP/err")"
        kill "$spid" 2>/dev/null || true
        nl_pass "plain socat echo: RTT and loss only, said once"
else
        echo "skip: socat not installed"
fi

# ---- the lab's own server: "<ms> <request>" replies ------------------------------------------
cat >"$NL_TMP/lab.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
while True:
    d, a = s.recvfrom(65535)
    s.sendto(b"%d " % int(time.time() * 1000) + d, a)
PY
python3 "$NL_TMP/lab.py" "$PORT" &
lpid=$!
nl_track "$lpid"
i=0
while ! "$PING" -q -c 1 -W 0.2 "127.0.0.1:$PORT" >/dev/null 2>&1; do
        i=$((i + 1))
        [ "$i" -lt 50 ] || nl_fail "lab-style echo did not come up"
        sleep 0.1
done
"$PING" -c 3 -i 0.05 "127.0.0.1:$PORT" >"$out" 2>/dev/null || nl_fail "lab-style echo: exit $?"
grep -q '^3 packets transmitted, 3 received' "$out" || nl_fail "lab-style echo: $(cat "$out")"
kill "$lpid" 2>/dev/null || true
nl_pass "the lab server's '<ms> <request>' replies are understood"
