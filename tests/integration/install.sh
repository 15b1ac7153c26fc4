#!/bin/sh
# install.sh — what 'make install' installs starts and serves (issue 15). Runs
# 'make install DESTDIR=<private dir>' in the build tree, then checks:
#   - the installed netlab.conf names no placeholder, and its http.root (or, if the key
#     is left out, the configured wwwdir) is where the pages went;
#   - the units went to the configured unit directory, which is under the prefix unless
#     configure was given --with-systemdsystemunitdir, and ExecStart= is $(sbindir)/netlabd;
#   - the installed netlabd starts on a copy of the installed netlab.conf (only the listen
#     addresses moved to a loopback ephemeral port, loss 0, and the paths prefixed with
#     DESTDIR), serves helloWorld.html and a marker file from the installed document
#     root, answers the installed netlab-ping, and stops with status 0.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }

# Sub-makes in the build tree: not under the options (or variable overrides) of the
# 'make check' that runs this test.
submake() {
        env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL ${MAKE:-make} -s --no-print-directory \
                -C "$top_builddir" "$@"
}
makevar() {     # makevar NAME: the value of a Makefile variable, fully expanded
        printf 'nl-print-var:\n\t@echo $(%s)\n' "$1" | submake -f Makefile -f - nl-print-var
}

prefix=$(makevar prefix)
sbindir=$(makevar sbindir)
bindir=$(makevar bindir)
sysconfdir=$(makevar sysconfdir)
wwwdir=$(makevar wwwdir)
unitdir=$(makevar systemdsystemunitdir)
[ -n "$prefix" ] && [ -n "$sbindir" ] && [ -n "$wwwdir" ] || nl_fail "cannot read the paths from $top_builddir/Makefile"

DEST=$NL_TMP/dest
submake install DESTDIR="$DEST" >"$NL_TMP/install.log" 2>&1 ||
        { cat "$NL_TMP/install.log" >&2; nl_fail "make install DESTDIR=$DEST failed"; }
nl_pass "make install DESTDIR=... (prefix $prefix)"

[ -x "$DEST$sbindir/netlabd" ] || nl_fail "no $sbindir/netlabd installed"
[ -x "$DEST$bindir/netlab-ping" ] || nl_fail "no $bindir/netlab-ping installed"
CONF=$DEST$sysconfdir/netlab.conf
[ -f "$CONF" ] || nl_fail "no $sysconfdir/netlab.conf installed"
[ -f "$DEST$wwwdir/helloWorld.html" ] || nl_fail "no helloWorld.html in $wwwdir"

# ---- the installed configuration -------------------------------------------------------------

if grep -n '@[a-z_]*@' "$CONF" >&2; then
        nl_fail "unsubstituted placeholder in the installed netlab.conf"
fi
root=$(sed -n 's/^[[:space:]]*root[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' "$CONF")
if [ -n "$root" ]; then
        [ "$root" = "$wwwdir" ] ||
                nl_fail "installed netlab.conf says root = \"$root\"; the pages were installed in $wwwdir"
        nl_pass "installed netlab.conf: root = \"$root\", where the pages are"
else
        nl_pass "installed netlab.conf leaves http.root to the built-in default"
fi

# ---- the units -----------------------------------------------------------------------------------

UNIT=$DEST$unitdir/netlabd.service
[ -f "$UNIT" ] && [ -f "$DEST$unitdir/netlabd.socket" ] ||
        nl_fail "units not in the configured unit directory $unitdir: $(cd "$DEST" && find . -name 'netlabd.s*')"
if ! grep -q 'with-systemdsystemunitdir' "$top_builddir/config.status"; then
        case $unitdir in
        "$prefix"/*) nl_pass "units under the prefix: $unitdir" ;;
        *) nl_fail "units installed in $unitdir, outside the prefix $prefix, though configure was not told to" ;;
        esac
fi
exec_start=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$UNIT")
[ "$exec_start" = "$sbindir/netlabd" ] ||
        nl_fail "installed netlabd.service has ExecStart=$exec_start; netlabd is $sbindir/netlabd"
nl_pass "ExecStart=$exec_start"

# ---- the installed daemon on the installed configuration ---------------------------------------

PORT=$(nl_free_port)
marker=install-test-$$.txt
echo "served from the installed document root" >"$DEST$wwwdir/$marker"
# Only what DESTDIR and a shared test machine force: listen addresses (port 8080 on every
# interface), loss 0 (a deterministic ping) and the DESTDIR in front of the root.
RUNCONF=$NL_TMP/installed.conf
sed -e "s|^\([[:space:]]*listen[[:space:]]*=\).*|\1 [ \"127.0.0.1:$PORT\" ];|" \
    -e "s|^\([[:space:]]*loss[[:space:]]*=\).*|\1 0.0;|" \
    -e "s|^\([[:space:]]*root[[:space:]]*=[[:space:]]*\"\)|\1$DEST|" \
    "$CONF" >"$RUNCONF"
[ -n "$root" ] || nl_fail "no http.root in the installed file: cannot point it into DESTDIR"
[ "$(grep -c "127.0.0.1:$PORT" "$RUNCONF")" = 2 ] || nl_fail "could not override both listen addresses"

NETLABD=$DEST$sbindir/netlabd
nl_start "$RUNCONF"
nl_pass "installed netlabd started on the installed netlab.conf (pid $NL_PID)"

code=$(curl -s -o "$NL_TMP/hello.html" -w '%{http_code}' --max-time 10 \
        "http://127.0.0.1:$PORT/helloWorld.html") || true
[ "$code" = 200 ] || nl_fail "GET /helloWorld.html: status '$code'"
cmp -s "$NL_TMP/hello.html" "$DEST$wwwdir/helloWorld.html" ||
        nl_fail "GET /helloWorld.html: not the installed file"
body=$(curl -fsS --max-time 10 "http://127.0.0.1:$PORT/$marker") || nl_fail "GET /$marker failed"
[ "$body" = "served from the installed document root" ] || nl_fail "GET /$marker: '$body'"
nl_pass "helloWorld.html served from the installed document root"

"$DEST$bindir/netlab-ping" -q -c 3 -i 0.2 -W 2 "127.0.0.1:$PORT" >"$NL_TMP/ping.out" 2>&1 ||
        { cat "$NL_TMP/ping.out" >&2; nl_fail "installed netlab-ping against the installed netlabd"; }
nl_pass "installed netlab-ping: $(grep 'packets transmitted' "$NL_TMP/ping.out")"

nl_stop
[ "$NL_STATUS" = 0 ] || nl_fail "netlabd exited with status $NL_STATUS on SIGTERM"
nl_pass "stopped, status 0"
