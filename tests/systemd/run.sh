#!/bin/bash
# tests/systemd/run.sh BUILDDIR — netlabd under a real systemd.
#
# Boots Debian's systemd as PID 1 in a systemd-nspawn container (lib.sh), installs
# the netlabd built in BUILDDIR there ('make install DESTDIR=': binary, units, default
# configuration), and drives it from the host with 'nsenter -t <container PID 1> -a
# systemctl ...'. Checks the four scenarios of issue 7:
#   1. socket activation: netlabd.socket alone does not start the service; a UDP
#      probe and an HTTP GET start it and are both answered;
#   2. reload: loss 0 -> 1.0 by replacing the file by rename, same PID, STATUS line;
#      an invalid file keeps the old behaviour and logs file:line;
#   3. restart while a client sends 200 datagrams/s: none unanswered (loss 0);
#   4. stop: clean exit, journal shows it;
#   5. a config file the dynamic user cannot read: exit 78, no restart loop, and the
#      journal says to make it world-readable;
#   6. the drop-ins of debian/README.Debian, word for word, on a running netlabd
#      (issue 15): daemon-reload + restart netlabd.socket; the new port answers UDP and
#      HTTP, 8080 does not; a client from an allowed network is answered, one from
#      elsewhere is not (both addresses on the container's loopback).
#
# Needs root (prints SKIP and exits 0 otherwise), systemd-container, debootstrap,
# zstd, python3. Cold (first run on a machine: debootstrap) about 70 s, then about 15 s.
# 'run.sh --prepare' only builds the cached root file system.
set -euo pipefail

# shellcheck source=tests/systemd/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=8080

if [ "${1:-}" = --prepare ]; then
        sd_setup systemd-test
        exit 0
fi
BUILDDIR=${1:?usage: tests/systemd/run.sh BUILDDIR | --prepare}
sd_setup systemd-test
BUILDDIR=$(cd "$BUILDDIR" && pwd)
[ -x "$BUILDDIR/netlabd" ] || die "$BUILDDIR/netlabd not found: build first (make -C $BUILDDIR)"
if grep -q '^SANITIZER_CFLAGS = .*-fsanitize' "$BUILDDIR/Makefile"; then
        die "$BUILDDIR is a sanitizer build; give the plain build directory (LeakSanitizer cannot run in the unit's sandbox)"
fi

sd_create

# Install what 'make install' installs. The container has merged /usr: keep its
# /lib -> usr/lib symlink when the unit directory is /lib/systemd/system.
DEST=$RUN/dest
make -s -C "$BUILDDIR" install DESTDIR="$DEST" systemdsystemunitdir=/lib/systemd/system \
        >"$RUN/install.log" 2>&1 ||
        { cat "$RUN/install.log" >&2; die "make install failed"; }
tar -C "$DEST" -cf - . | tar -C "$ROOT" --keep-directory-symlink -xf -
UNIT=$(cd "$DEST" && find . -name netlabd.service | sed 's|^\.||')
# The file netlabd reads by default, as its --help says.
CONF=$("$BUILDDIR/netlabd" --help | sed -n 's|.* instead of \(/[^ ]*\).*|\1|p')
NETLABD=$(cd "$DEST" && find . -name netlabd -type f -perm -u+x | sed 's|^\.||')
[ -n "$UNIT" ] && [ -n "$NETLABD" ] || die "make install did not install netlabd and netlabd.service"
[ -n "$CONF" ] || die "cannot tell the default configuration file from 'netlabd --help'"
log "installed $NETLABD, $UNIT, $CONF"

# Test configuration: no rate limit (the restart scenario sends 200 datagrams/s
# from one source) and a page of our own, so the check does not depend on www/.
WWWROOT=/var/lib/netlab-test-www
mkdir -p "$ROOT$WWWROOT"
echo "netlab systemd test page" >"$ROOT$WWWROOT/sdtest.txt"
chmod 0755 "$ROOT$WWWROOT"
chmod 0644 "$ROOT$WWWROOT/sdtest.txt"

write_conf() {   # write_conf LOSS [EXTRA-LINE]: replace the file by rename, as editors and dpkg do
        {
                echo "# written by tests/systemd/run.sh"
                echo "echo = { loss = $1; rate_limit = 0.0; };"
                echo "http = { root = \"$WWWROOT\"; };"
                [ -z "${2:-}" ] || echo "$2"
        } >"$ROOT$CONF.new"
        chmod 0644 "$ROOT$CONF.new"
        mv -f "$ROOT$CONF.new" "$ROOT$CONF"
}
write_conf 0.0

sd_boot

ct systemctl daemon-reload
check "systemd-analyze verify accepts the installed units" \
        ct systemd-analyze verify --man=no "$UNIT" "${UNIT%.service}.socket"

# ---- 1. socket activation ----------------------------------------------------------------------

ct systemctl start netlabd.socket
check "netlabd.socket is active" ct systemctl -q is-active netlabd.socket
check "netlabd.service is not started by the socket alone" \
        test "$(prop ActiveState)" = inactive

n=$(client udp $PORT 1 10)
check "first datagram activates netlabd and is echoed (got $n/1)" test "$n" = 1
body=$(client http $PORT /sdtest.txt)
check "HTTP GET is answered: '$(head -1 <<<"$body")'" \
        grep -q '^HTTP/1.1 200' <<<"$body"
check "HTTP body is the file" grep -q 'netlab systemd test page' <<<"$body"
check "netlabd.service is active after the traffic" test "$(prop ActiveState)" = active
user=$(ct ps -o user= -p "$(prop MainPID)" || true)
check "netlabd runs as a dynamic user, not root (user '$user')" test -n "$user" -a "$user" != root

# ---- 2. reload: a file replaced by rename; then an invalid file ---------------------------------

pid=$(prop MainPID)
n=$(client udp $PORT 20 2)
check "loss 0: 20/20 answered (got $n)" test "$n" = 20

write_conf 1.0
check "systemctl reload netlabd succeeds" ct systemctl reload netlabd.service
check "same PID after reload" test "$(prop MainPID)" = "$pid"
n=$(client udp $PORT 20 2)
check "loss 1.0 after reload: 0/20 answered (got $n)" test "$n" = 0
check "HTTP still answered after reload" grep -q '^HTTP/1.1 200' <<<"$(client http $PORT /sdtest.txt)"
status=$(ct systemctl status --no-pager --lines=0 netlabd.service || true)
check "systemctl status shows the daemon's STATUS line" grep -q 'Status: "' <<<"$status"

write_conf 0.0 'bogus_key = 1;'
ct systemctl reload netlabd.service || true
sleep 0.3
check "invalid file + reload: still running, same PID" \
        test "$(prop ActiveState)" = active -a "$(prop MainPID)" = "$pid"
n=$(client udp $PORT 20 2)
check "invalid file + reload: old behaviour kept (0/20 answered, got $n)" test "$n" = 0
journal=$(ct journalctl -u netlabd.service --no-pager -o cat)
check "journal shows the error with file:line ($CONF:4)" \
        grep -q "$CONF:4:.*bogus_key" <<<"$journal"

write_conf 0.0
ct systemctl reload netlabd.service
n=$(client udp $PORT 20 2)
check "valid file again: 20/20 answered (got $n)" test "$n" = 20

# ---- 3. restart under load: the socket stays open in systemd ------------------------------------

out=$RUN/stream.out
client stream $PORT 600 0.005 5 >"$out" &
cpid=$!
sleep 1
ct systemctl restart netlabd.service
check "the restart finished while the client was still sending" kill -0 $cpid
check "new PID after restart" test "$(prop MainPID)" != "$pid"
check "netlabd.socket stayed active" ct systemctl -q is-active netlabd.socket
wait $cpid || true
read -r _ sent _ received _ dups <"$out" || true
check "restart under load: every datagram answered (sent ${sent:-?}, received ${received:-?})" \
        test -n "${sent:-}" -a "${sent:-}" = "${received:-}"

# ---- 4. stop -------------------------------------------------------------------------------------

ct systemctl stop netlabd.socket netlabd.service
check "netlabd.service is inactive after stop" test "$(prop ActiveState)" = inactive
check "netlabd.socket is inactive after stop" test "$(prop ActiveState netlabd.socket)" = inactive
check "clean exit: Result=$(prop Result) status=$(prop ExecMainStatus)" \
        test "$(prop Result)" = success -a "$(prop ExecMainStatus)" = 0
journal=$(ct journalctl -u netlabd.service --no-pager -o cat)
check "journal shows the stop" grep -q '^Stopped netlab' <<<"$journal"

# ---- 5. a config the dynamic user cannot read: exit 78, no restart loop -----------------------

chmod 0600 "$ROOT$CONF"
ct systemctl start netlabd.service 2>/dev/null || true
for i in $(seq 1 50); do
        case "$(prop ActiveState)" in activating | deactivating) sleep 0.1 ;; *) break ;; esac
done
check "unreadable config: netlabd.service failed with status 78 ($(prop ExecMainStatus))" \
        test "$(prop ExecMainStatus)" = 78 -a "$(prop ActiveState)" = failed
check "unreadable config: no restart loop (NRestarts=$(prop NRestarts))" test "$(prop NRestarts)" = 0
journal=$(ct journalctl -u netlabd.service --no-pager -o cat)
check "unreadable config: the journal says what to fix" grep -q 'world-readable' <<<"$journal"

# ---- 6. README.Debian's drop-ins: another port, allowed addresses only --------------------------

# The blocks under "  # /etc/systemd/system/netlabd.socket.d/NAME.conf" up to the blank line.
readme_dropin() {
        sed -n "\|^  # /etc/systemd/system/netlabd.socket.d/$1\$|,/^\$/{s/^  //;/^#/d;/^\$/d;p}" \
                "$SD_HERE/../../debian/README.Debian"
}
chmod 0644 "$ROOT$CONF"
ct systemctl reset-failed netlabd.service
ct systemctl start netlabd.socket
n=$(client udp $PORT 5 2)
check "before the drop-ins: port $PORT answered ($n/5) and netlabd.service active" \
        test "$n" = 5 -a "$(prop ActiveState)" = active

DROPIN=$ROOT/etc/systemd/system/netlabd.socket.d
mkdir -p "$DROPIN"
readme_dropin port.conf >"$DROPIN/port.conf"
readme_dropin restrict.conf >"$DROPIN/restrict.conf"
NEWPORT=$(sed -n 's/^ListenDatagram=\([0-9][0-9]*\)$/\1/p' "$DROPIN/port.conf")
ALLOWED_NET=$(sed -n 's|^IPAddressAllow=.* \([0-9.]*\)\.0/24$|\1|p' "$DROPIN/restrict.conf")
check "README.Debian has both drop-ins (port $NEWPORT, lab network $ALLOWED_NET.0/24)" \
        test -n "$NEWPORT" -a -n "$ALLOWED_NET" -a "$NEWPORT" != "$PORT"
# Two more source addresses on the container's loopback: one in the lab network, one not.
ALLOWED=$ALLOWED_NET.10
DENIED=198.51.100.10
net ip addr add "$ALLOWED/32" dev lo
net ip addr add "$DENIED/32" dev lo

pid=$(prop MainPID)
ct systemctl daemon-reload
ct systemctl restart netlabd.socket
check "restart netlabd.socket with the drop-ins" ct systemctl -q is-active netlabd.socket
listen=$(ct systemctl show -P Listen netlabd.socket | tr '\n' ' ')
listens_on_new_port_only() {
        grep -q ":$NEWPORT (Stream)" <<<"$listen" && grep -q ":$NEWPORT (Datagram)" <<<"$listen" &&
                ! grep -q ":$PORT " <<<"$listen"
}
check "netlabd.socket listens on $NEWPORT only: $listen" listens_on_new_port_only

n=$(client udp "$NEWPORT" 20 2)
check "new port $NEWPORT: 20/20 datagrams answered from 127.0.0.1 (got $n)" test "$n" = 20
check "new port $NEWPORT: HTTP answered" grep -q '^HTTP/1.1 200' <<<"$(client http "$NEWPORT" /sdtest.txt)"
check "netlabd.service was restarted on the new sockets (PID $pid -> $(prop MainPID))" \
        test "$(prop ActiveState)" = active -a "$(prop MainPID)" != "$pid"
n=$(client udp $PORT 5 1)
check "old port $PORT: no datagram answered (got $n)" test "$n" = 0
check "old port $PORT: HTTP connection refused" grep -q '^ERROR' <<<"$(client http $PORT /sdtest.txt)"

n=$(client udp "$NEWPORT" 10 2 "$ALLOWED")
check "from $ALLOWED (lab network): 10/10 answered (got $n)" test "$n" = 10
check "from $ALLOWED: HTTP answered" \
        grep -q '^HTTP/1.1 200' <<<"$(client http "$NEWPORT" /sdtest.txt "$ALLOWED")"
n=$(client udp "$NEWPORT" 10 2 "$DENIED")
check "from $DENIED (elsewhere): none answered (got $n)" test "$n" = 0
check "from $DENIED: HTTP connection dropped" \
        grep -q '^ERROR' <<<"$(client http "$NEWPORT" /sdtest.txt "$DENIED" 2)"
journal=$(ct journalctl -u netlabd.service -u netlabd.socket --no-pager -o cat)
no_firewall_warning() { ! grep -i 'firewall' <<<"$journal" >&2; }
check "systemd applied the IP filter (no warning about BPF firewalling)" no_firewall_warning

if [ $fail != 0 ]; then
        log "journal of netlabd.service:"
        printf '%s\n' "$journal" | tail -60 >&2
        exit 1
fi
log "all scenarios passed in $(($(date +%s) - SD_T0)) s"
