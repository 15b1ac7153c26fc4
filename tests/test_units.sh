#!/bin/sh
# tests/test_units.sh — static checks of the systemd units as 'make install' installs
# them: 'systemd-analyze security --offline=true' must rate netlabd.service at or below
# the exposure threshold, 'systemd-analyze verify' must accept both units without a
# warning about them, and the properties issue 7 relies on must still be there.
set -eu

: "${top_srcdir:?run from make check}" "${top_builddir:?run from make check}"

# Exposure threshold in tenths, as systemd-analyze takes it: 2 = 0.2 (the issue asks
# for <= 1.0; 0.2 is what the unit reaches without RootDirectory=).
THRESHOLD=2

if ! command -v systemd-analyze >/dev/null; then
        echo "SKIP: systemd-analyze not installed (apt-get install systemd)"
        exit 77
fi

unit=$top_builddir/systemd/netlabd.service
socket=$top_srcdir/systemd/netlabd.socket
[ -f "$unit" ] || { echo "FAIL: $unit not built"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$unit" "$socket" "$tmp/"
fail=0

# 1. exposure
if ! (cd "$tmp" && systemd-analyze security --offline=true --threshold=$THRESHOLD --no-pager \
        ./netlabd.service) >"$tmp/security.log" 2>&1; then
        grep -v "^✓" "$tmp/security.log"
        echo "FAIL: netlabd.service exposure is above 0.$THRESHOLD"
        fail=1
fi
grep 'Overall exposure' "$tmp/security.log" || { cat "$tmp/security.log"; fail=1; }

# 2. verify. It checks that ExecStart= exists: point it at the binary just built.
sed -i "s|^ExecStart=[^ ]*|ExecStart=$top_builddir/netlabd|" "$tmp/netlabd.service"
if ! (cd "$tmp" && systemd-analyze verify --man=no ./netlabd.socket ./netlabd.service) \
        >"$tmp/verify.log" 2>&1; then
        cat "$tmp/verify.log"
        echo "FAIL: systemd-analyze verify"
        fail=1
fi
# verify also reports problems in unrelated units of this host; only ours count.
if grep 'netlabd\.s' "$tmp/verify.log"; then
        echo "FAIL: systemd-analyze verify warns about our units"
        fail=1
fi

# 3. properties the rest of netlab depends on.
expect() {      # expect FILE REGEX WHY
        if ! grep -Eq "$2" "$1"; then
                echo "FAIL: $(basename "$1") lacks /$2/: $3"
                fail=1
        fi
}
expect "$unit" '^Type=notify$' 'netlabd sends READY=1/RELOADING=1'
expect "$unit" '^ExecReload=/bin/kill -HUP \$MAINPID$' 'systemd 252 has no Type=notify-reload'
expect "$unit" '^RestartPreventExitStatus=78$' 'an invalid config (EX_CONFIG) must not restart-loop'
expect "$unit" '^WatchdogSec=' 'the event loop pings the watchdog'
expect "$unit" '^PrivateNetwork=yes$' 'the sockets come from netlabd.socket'
expect "$unit" '^DynamicUser=yes$' 'no fixed system user'
expect "$unit" "^ExecStart=/" 'absolute path substituted from @sbindir@'
expect "$socket" '^ListenStream=' 'HTTP socket'
expect "$socket" '^ListenDatagram=' 'echo socket'
# A bind mount of the single file keeps the old inode when the file is replaced by
# rename (editors, dpkg): reload would then re-read stale contents.
if grep -Eq '^(Bind|BindReadOnly)Paths=.*netlab\.conf' "$unit"; then
        echo "FAIL: netlabd.service bind-mounts netlab.conf itself; bind its directory"
        fail=1
fi
if grep -q '@[a-z]*@' "$unit"; then
        echo "FAIL: unsubstituted placeholder in $unit"
        fail=1
fi

[ $fail = 0 ] && echo "PASS: units verified, exposure within 0.$THRESHOLD"
exit $fail
