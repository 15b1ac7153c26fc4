#!/bin/sh
# exporter-units.sh — netlab-ping-exporter.socket/.service (issue 17): systemd-analyze
# verify accepts them, the service's exposure stays at or below 2.0 (it needs the network,
# so it cannot reach netlabd's 0.2), and under systemd-socket-activate the exporter serves
# on the passed socket (ignoring its own address), reports READY=1 and stops on SIGTERM.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init
command -v systemd-analyze >/dev/null || nl_fail "systemd-analyze not installed"
unit=$top_builddir/systemd/netlab-ping-exporter.service
socket=$top_srcdir/systemd/netlab-ping-exporter.socket
[ -f "$unit" ] || nl_fail "$unit not built"
cp "$unit" "$socket" "$NL_TMP/"
sed -i "s|^ExecStart=[^ ]*|ExecStart=$top_builddir/netlab-ping|" "$NL_TMP/netlab-ping-exporter.service"
(cd "$NL_TMP" && systemd-analyze verify --man=no ./netlab-ping-exporter.socket ./netlab-ping-exporter.service) \
        >"$NL_TMP/verify.log" 2>&1 || nl_fail "verify: $(cat "$NL_TMP/verify.log")"
grep 'netlab-ping-exporter\.s' "$NL_TMP/verify.log" && nl_fail "verify warns about our units"
(cd "$NL_TMP" && systemd-analyze security --offline=true --threshold=20 --no-pager ./netlab-ping-exporter.service) \
        >"$NL_TMP/security.log" 2>&1 || nl_fail "exposure above 2.0: $(grep -v '^✓' "$NL_TMP/security.log")"
nl_pass "units verify; $(grep 'Overall exposure' "$NL_TMP/security.log" | sed 's/→ //')"

command -v systemd-socket-activate >/dev/null || nl_fail "systemd-socket-activate not installed"
PORT=$(nl_free_port)
NOTIFY="$NL_TMP/notify.sock"
LOG="$NL_TMP/exporter.log"
python3 "$top_srcdir/tests/integration/notify-listen.py" "$NOTIFY" "$NL_TMP/notify.txt" &
LPID=$!
nl_track "$LPID"
# the exporter's READY=1 is lost if it comes before the listener is bound (a loaded machine)
i=0
until grep -q '^listening' "$NL_TMP/notify.txt" 2>/dev/null; do
        i=$((i + 1)); [ "$i" -lt 100 ] || nl_fail "notify listener did not start"; sleep 0.1
done
systemd-socket-activate -E NOTIFY_SOCKET="$NOTIFY" -l "127.0.0.1:$PORT" \
        "$top_builddir/netlab-ping" --exporter 127.0.0.1:1 >"$LOG" 2>&1 &
SPID=$!
nl_track "$SPID"
sleep 0.3
code=$(curl -s -m 10 -o "$NL_TMP/m.prom" -w '%{http_code}' "http://127.0.0.1:$PORT/metrics") || code=000
[ "$code" = 200 ] || nl_fail "activated exporter: HTTP $code: $(cat "$LOG")"
grep -q 'Using 1 socket(s) passed by systemd' "$LOG" || nl_fail "did not use the passed socket: $(cat "$LOG")"
i=0
until grep -q 'READY=1' "$NL_TMP/notify.txt"; do
        i=$((i + 1)); [ "$i" -lt 50 ] || nl_fail "no READY=1: $(cat "$NL_TMP/notify.txt")"; sleep 0.1
done
kill -TERM "$SPID"
st=0
wait "$SPID" || st=$?
[ "$st" = 0 ] || nl_fail "exit $st after SIGTERM: $(cat "$LOG")"
nl_pass "socket activation: serves on the passed socket, READY=1, SIGTERM exits 0"
