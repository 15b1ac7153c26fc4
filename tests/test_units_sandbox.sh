#!/bin/sh
# tests/test_units_sandbox.sh — netlabd serves pages under what netlabd.service imposes.
# DynamicUser=yes implies RestrictSUIDSGID=yes, whose seccomp filter makes openat2() fail
# with ENOSYS (seccomp cannot look inside openat2's struct open_how). Runs without systemd
# never see that, so this test recreates it (tests/units_sandbox_exec) and checks that a
# page, a nested page and a 404 still come out right, and that nothing escapes the root.
# The real thing is covered by tests/systemd/run.sh, which needs root and a container.
set -eu

. "$top_srcdir/tests/integration/lib.sh"

helper=$top_builddir/tests/units_sandbox_exec
"$helper" --check || { st=$?; [ $st = 77 ] && { echo "SKIP: no seccomp here"; exit 77; }; nl_fail "the openat2 filter does not work"; }
command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }

nl_init
port=$(nl_free_port)
mkdir -p "$NL_TMP/www/sub"
echo "top page" >"$NL_TMP/www/index.html"
echo "nested page" >"$NL_TMP/www/sub/page.txt"
echo "secret" >"$NL_TMP/secret.txt"
ln -s ../secret.txt "$NL_TMP/www/escape.txt"
chmod -R a+rX "$NL_TMP/www"
cat >"$NL_TMP/netlab.conf" <<CONF
echo = { listen = [ "127.0.0.1:$port" ]; loss = 0.0; };
http = { listen = [ "127.0.0.1:$port" ]; root = "$NL_TMP/www"; };
CONF

NETLABD_REAL=$NETLABD
export NETLABD_REAL
NETLABD=$helper nl_start "$NL_TMP/netlab.conf"

get() {         # get PATH: prints "CODE BODY"
        curl -s -m 5 -o "$NL_TMP/body" -w '%{http_code}' "http://127.0.0.1:$port$1" || true
        printf ' %s' "$(cat "$NL_TMP/body" 2>/dev/null)"
}

r=$(get /)
[ "$r" = "200 top page" ] || nl_fail "GET / with openat2() denied: '$r' (http_serve needs a fallback for ENOSYS)"
nl_pass "GET / with openat2() denied"
r=$(get /sub/page.txt)
[ "$r" = "200 nested page" ] || nl_fail "GET /sub/page.txt with openat2() denied: '$r'"
nl_pass "GET /sub/page.txt with openat2() denied"
r=$(get /missing.html)
case "$r" in 404*) nl_pass "GET /missing.html: 404" ;; *) nl_fail "GET /missing.html: '$r'" ;; esac
r=$(get /escape.txt)
case "$r" in *secret*) nl_fail "a symlink out of the root was followed: '$r'" ;; esac
nl_pass "a symlink out of the root is not followed ('${r%% *}')"

nl_stop
[ "$NL_STATUS" = 0 ] || nl_fail "netlabd exited with $NL_STATUS"
echo "PASS"
