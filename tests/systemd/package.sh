#!/bin/bash
# tests/systemd/package.sh BUILDDIR — the Debian packages, built and installed the way a
# user gets them:
#   1. 'make dist' in BUILDDIR and unpack the tarball in a scratch directory: a clean
#      export that has only what the release carries;
#   2. 'dpkg-buildpackage -us -uc -b' there (as root, or not: Rules-Requires-Root: no);
#   3. 'lintian --fail-on error,warning' on the result (overrides, if any, are in
#      debian/*.lintian-overrides with their reason);
#   4. as root: install the .debs in a fresh systemd container (lib.sh) and check that
#      netlabd.socket is enabled and listening while the service waits for traffic, run
#      debian/tests/smoke there (the autopkgtest), reinstall (the upgrade path: the
#      postinst restarts the socket) and check it still answers, then purge and check
#      that the units, the conffile and the processes are gone.
# The .debs are left in BUILDDIR/deb/. The package build runs the test suite from the
# tarball, as dh_auto_test does for everyone (about a minute);
# NETLAB_DEB_NOCHECK=1 skips it (DEB_BUILD_OPTIONS=nocheck).
set -euo pipefail

# shellcheck source=tests/systemd/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BUILDDIR=$(cd "${1:?usage: tests/systemd/package.sh BUILDDIR}" && pwd)
SD_TAG=package-test
SRCDIR=$(cd "$SD_HERE/../.." && pwd)

missing=()
for t in dpkg-buildpackage:dpkg-dev dh:debhelper dh_autoreconf:dh-autoreconf lintian:lintian; do
        command -v "${t%%:*}" >/dev/null || missing+=("${t#*:}")
done
[ ${#missing[@]} = 0 ] || die "missing tools; apt-get install ${missing[*]}"

# ---- 1. clean export ---------------------------------------------------------------------------

OUT=$BUILDDIR/deb
rm -rf "$OUT"
mkdir -p "$OUT/src"
make -s -C "$BUILDDIR" dist >"$OUT/dist.log" 2>&1 || { cat "$OUT/dist.log" >&2; die "make dist failed"; }
TARBALL=$(ls -t "$BUILDDIR"/netlab-*.tar.* | head -1)
tar -C "$OUT/src" -xf "$TARBALL"
TREE=$(ls -d "$OUT"/src/netlab-*/)
log "clean export: $(basename "$TARBALL")"

# ---- 2. build ----------------------------------------------------------------------------------

opts=${DEB_BUILD_OPTIONS:-}
[ "${NETLAB_DEB_NOCHECK:-0}" != 1 ] || opts="$opts nocheck"
if ! (cd "$TREE" && DEB_BUILD_OPTIONS="$opts" dpkg-buildpackage -us -uc -b) >"$OUT/build.log" 2>&1; then
        tail -40 "$OUT/build.log" >&2
        die "dpkg-buildpackage failed (log: $OUT/build.log)"
fi
mv "$OUT"/src/*.deb "$OUT"/src/*.changes "$OUT"/src/*.buildinfo "$OUT/"
rm -rf "$OUT/src"
log "built: $(cd "$OUT" && echo *.deb)"
check "dpkg-buildpackage -us -uc -b in the clean export" true

# ---- 3. lintian --------------------------------------------------------------------------------

# lintian warns when run as root; that line is not about the package.
lintian --fail-on error,warning "$OUT"/netlab_*.changes 2>&1 | grep -v 'root privileges' >"$OUT/lintian.log" ||
        true
if lintian --fail-on error,warning "$OUT"/netlab_*.changes >/dev/null 2>&1; then
        check "lintian: no errors, no warnings" true
else
        cat "$OUT/lintian.log" >&2
        check "lintian: no errors, no warnings" false
fi

# ---- 4. install in a systemd container ---------------------------------------------------------

if [ "$(id -u)" != 0 ]; then
        echo "SKIP: installing the packages under systemd needs root; built and linted only"
        exit $fail
fi
sd_setup package-test
sd_create
mkdir -p "$ROOT/root/debs" "$ROOT/root/tmp"
cp "$OUT"/netlabd_*.deb "$OUT"/netlab-ping_*.deb "$OUT"/netlab-l10n_*.deb "$ROOT/root/debs/"
install -m 0755 "$SRCDIR/debian/tests/smoke" "$ROOT/root/smoke"
sd_boot

ct sh -c 'dpkg -i /root/debs/*.deb' >"$RUN/dpkg.log" 2>&1 || { cat "$RUN/dpkg.log" >&2; die "dpkg -i failed"; }
check "dpkg -i installs the packages" true
check "netlab-l10n ships the Chinese catalog (issue 19)" \
        test -s "$ROOT/usr/share/locale/zh_CN/LC_MESSAGES/netlab.mo"
check "netlabd.socket is enabled by the postinst" test "$(ct systemctl is-enabled netlabd.socket)" = enabled
check "netlabd.socket is listening" ct systemctl -q is-active netlabd.socket
check "netlabd.service waits for traffic" test "$(prop ActiveState)" = inactive
check "/etc/netlab.conf is a conffile" grep -qx /etc/netlab.conf "$ROOT/var/lib/dpkg/info/netlabd.conffiles"
check "the package keeps the Debian paths: root = /usr/share/netlab/www, ExecStart=/usr/sbin/netlabd" \
        sh -c "grep -q '^ *root = \"/usr/share/netlab/www\";' '$ROOT/etc/netlab.conf' &&
                grep -qx 'ExecStart=/usr/sbin/netlabd' '$ROOT/lib/systemd/system/netlabd.service'"
check "README.Debian is installed" \
        sh -c "test -s '$ROOT/usr/share/doc/netlabd/README.Debian' || test -s '$ROOT/usr/share/doc/netlabd/README.Debian.gz'"
check "config and pages are world-readable" \
        ct sh -c 'test "$(stat -c %a /etc/netlab.conf)" = 644 && test "$(stat -c %a /usr/share/netlab/www)" = 755'
check "systemd-analyze verify on the installed units" \
        ct systemd-analyze verify --man=no netlabd.socket netlabd.service

if ct env AUTOPKGTEST_TMP=/root/tmp /root/smoke >"$RUN/smoke.log" 2>&1; then
        check "debian/tests/smoke (autopkgtest) passes" true
else
        cat "$RUN/smoke.log" >&2
        check "debian/tests/smoke (autopkgtest) passes" false
fi

ct sh -c 'dpkg -i /root/debs/*.deb' >"$RUN/dpkg2.log" 2>&1 || { cat "$RUN/dpkg2.log" >&2; fail=1; }
check "reinstall (upgrade path): netlabd.socket active" ct systemctl -q is-active netlabd.socket
n=$(client udp 8080 10 2)
check "reinstall (upgrade path): datagrams answered ($n/10 with the shipped 30% loss)" test "$n" -gt 0

ct dpkg --purge netlab-ping netlabd >"$RUN/purge.log" 2>&1 || { cat "$RUN/purge.log" >&2; fail=1; }
check "purge: units stopped" \
        test "$(prop ActiveState netlabd.socket)" != active -a "$(prop ActiveState)" != active
check "purge: conffile and units removed" \
        test ! -e "$ROOT/etc/netlab.conf" -a ! -e "$ROOT/lib/systemd/system/netlabd.service"

[ $fail = 0 ] || exit 1
log "packages built, lintian-clean, installed, upgraded and purged under systemd in $(($(date +%s) - SD_T0)) s"
