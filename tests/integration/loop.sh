#!/bin/sh
# loop.sh — echo reflection loops (the "Loop DoS" class, CVE-2024-2169) against the real
# netlabd on loopback. A raw socket spoofs one datagram whose source is another echo
# service: a second echo port of the same netlabd, a second netlabd, and a plain Python
# echo server (RFC 862, what a lab runs on 12000). Each exchange must stop within a few
# bounces and be counted (dropped self for our own ports, dropped loop for a peer), with
# echo.delay unset and set, and in lab_compat mode (replies grow a timestamp each bounce).
# Needs root (CAP_NET_RAW) for the raw socket; skipped otherwise.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init

[ "$(id -u)" = 0 ] || { echo "SKIP: loop.sh spoofs source addresses with a raw socket and needs root"; exit 77; }
python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)' 2>/dev/null ||
        { echo "SKIP: no raw sockets here (CAP_NET_RAW missing)"; exit 77; }

SPOOF="$NL_TMP/spoof.py"
PYECHO="$NL_TMP/pyecho.py"
BOUNCES_MAX=4

cat >"$SPOOF" <<'PY'
# spoof SRC_PORT DST_PORT PAYLOAD: one UDP datagram 127.0.0.1:SRC_PORT -> 127.0.0.1:DST_PORT
import socket, struct, sys
src, dst, payload = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode()
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_UDP)
# the kernel writes the IP header (source 127.0.0.1); checksum 0 = none (RFC 768)
s.sendto(struct.pack(">HHHH", src, dst, 8 + len(payload), 0) + payload, ("127.0.0.1", dst))
PY

cat >"$PYECHO" <<'PY'
# pyecho PORT COUNTFILE: a verbatim UDP echo that writes how many datagrams it answered
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
n = 0
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(data, peer)
    n += 1
    with open(sys.argv[2], "w") as f:
        f.write("%d\n" % n)
PY

write_conf() {  # write_conf FILE ECHO-SETTINGS LISTEN...
        file=$1 settings=$2
        shift 2
        listen=""
        for l in "$@"; do
                listen="$listen${listen:+, }\"127.0.0.1:$l\""
        done
        cat >"$file" <<CONF
log_level = "info";
echo = { listen = [$listen]; $settings seed = 1; };
http = { enabled = false; };
CONF
}

counters() {  # counters PID LOG: SIGUSR1, then the newest "Echo counters:" line
        n=$(grep -c 'Echo counters:' "$2" || true)
        kill -USR1 "$1"
        i=0
        while [ "$(grep -c 'Echo counters:' "$2" || true)" -le "$n" ]; do
                i=$((i + 1))
                [ "$i" -lt 250 ] || nl_fail "SIGUSR1 did not log the counters within 5 s"
                sleep 0.02
        done
        grep 'Echo counters:' "$2" | tail -n 1
}

counter() {  # counter LINE NAME: the number after NAME in a counters line
        echo "$1" | sed -n "s/.*[ (]$2 \([0-9][0-9]*\).*/\1/p"
}

# settled PID LOG: waits until the replied counter stops moving (at most 3 s), prints
# the last counters line
settled() {
        prev=$(counters "$1" "$2")
        i=0
        while [ "$i" -lt 15 ]; do
                sleep 0.2
                cur=$(counters "$1" "$2")
                [ "$(counter "$cur" replied)" = "$(counter "$prev" replied)" ] && break
                prev=$cur
                i=$((i + 1))
        done
        echo "$cur"
}

for settings in "delay = 0;" "delay = 50;" "delay = 20; lab_compat = true;"; do
        delay="[$settings]"
        # ---- two echo ports of one netlabd ---------------------------------------------
        A=$(nl_free_port)
        B=$(nl_free_port)
        write_conf "$NL_TMP/one.conf" "$settings" "$A" "$B"
        nl_start "$NL_TMP/one.conf"
        python3 "$SPOOF" "$B" "$A" "loop between two ports of one netlabd"
        sleep 0.5
        line=$(settled "$NL_PID" "$NL_LOG")
        replied=$(counter "$line" replied)
        [ "$replied" -le "$BOUNCES_MAX" ] || nl_fail "$delay ports $B and $A bounced $replied times: $line"
        [ "$(counter "$line" self)" -ge 1 ] || nl_fail "$delay the spoofed datagram was not dropped as self: $line"
        nl_stop
        nl_pass "$delay a datagram spoofed between two echo ports of one netlabd got $replied replies (dropped as self)"

        # ---- two netlabds ---------------------------------------------------------------
        A=$(nl_free_port)
        C=$(nl_free_port)
        write_conf "$NL_TMP/a.conf" "$settings" "$A"
        write_conf "$NL_TMP/c.conf" "$settings" "$C"
        nl_start "$NL_TMP/a.conf"
        pid_a=$NL_PID log_a=$NL_LOG
        nl_start "$NL_TMP/c.conf"
        pid_c=$NL_PID log_c=$NL_LOG
        python3 "$SPOOF" "$C" "$A" "loop between two netlabds"
        sleep 0.5
        line_a=$(settled "$pid_a" "$log_a")
        line_c=$(settled "$pid_c" "$log_c")
        bounces=$(($(counter "$line_a" replied) + $(counter "$line_c" replied)))
        loops=$(($(counter "$line_a" loop) + $(counter "$line_c" loop)))
        [ "$bounces" -le "$BOUNCES_MAX" ] || nl_fail "$delay two netlabds bounced $bounces times: $line_a / $line_c"
        [ "$loops" -ge 1 ] || nl_fail "$delay the loop between two netlabds was not counted: $line_a / $line_c"
        sleep 0.5
        [ "$(counter "$(counters "$pid_a" "$log_a")" replied)" = "$(counter "$line_a" replied)" ] ||
                nl_fail "$delay the two netlabds still exchange datagrams"
        nl_stop "$pid_a"
        nl_stop "$pid_c"
        nl_pass "$delay a datagram spoofed between two netlabds stopped after $bounces replies (loop $loops)"

        # ---- netlabd and a plain Python echo -------------------------------------------
        A=$(nl_free_port)
        P=$(nl_free_port)
        write_conf "$NL_TMP/a.conf" "$settings" "$A"
        nl_start "$NL_TMP/a.conf"
        echo 0 >"$NL_TMP/py.count"
        python3 "$PYECHO" "$P" "$NL_TMP/py.count" &
        py_pid=$!
        nl_track "$py_pid"
        sleep 0.3
        python3 "$SPOOF" "$P" "$A" "loop between netlabd and a python echo"
        sleep 0.5
        line=$(settled "$NL_PID" "$NL_LOG")
        py=$(cat "$NL_TMP/py.count")
        bounces=$(($(counter "$line" replied) + py))
        [ "$bounces" -le "$BOUNCES_MAX" ] || nl_fail "$delay netlabd and the python echo bounced $bounces times: $line"
        [ "$(counter "$line" loop)" -ge 1 ] || nl_fail "$delay the loop with the python echo was not counted: $line"
        kill "$py_pid"
        wait "$py_pid" 2>/dev/null || true
        nl_stop
        nl_pass "$delay a datagram spoofed between netlabd and a python echo stopped after $bounces replies"
done
