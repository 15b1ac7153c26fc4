#!/bin/bash
# check-all.sh — the README's test command (and what CI runs): installs the Debian
# packages the build and the tests need (idempotent), then
#   1. a normal out-of-tree build (-Werror) and `make check`,
#   2. a second out-of-tree build with AddressSanitizer + UndefinedBehaviorSanitizer and
#      `make check` again,
#   3. the tests that need root and a container: netlabd under a real systemd
#      (systemd-nspawn), and the Debian packages built, checked and installed there.
# (The pages in headless Chromium are part of make check.)
# Exits non-zero on any failure; ends with one "N passed, N failed" line.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

# Build and test dependencies (README says why each is there).
packages=(
        build-essential autoconf automake pkg-config
        libsystemd-dev libconfig-dev check
        systemd systemd-container debootstrap zstd dbus
        clang libclang-rt-14-dev clang-format
        curl socat python3 media-types procps iproute2 jq
        groff man-db prometheus chromium
        python3-scapy tshark smokeping
        debhelper dh-autoreconf lintian dpkg-dev xz-utils
        gettext autopoint locales fonts-wqy-microhei
)
missing=()
for p in "${packages[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# npm fetches the pinned axe-core for the page test; a nodejs from elsewhere (NodeSource)
# ships its own npm, which conflicts with Debian's package, so ask only when it is absent.
command -v npm >/dev/null || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
        echo "== installing: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The translation test (tests/integration/i18n.sh) runs netlab-ping under zh_CN.UTF-8,
# and checks the decimal point under de_DE.UTF-8: generate them once (idempotent).
for loc in zh_CN de_DE; do
        if ! locale -a 2>/dev/null | grep -qix "$loc.utf8"; then
                sed -i "s/^# *$loc.UTF-8 UTF-8/$loc.UTF-8 UTF-8/" /etc/locale.gen
                grep -q "^$loc.UTF-8 UTF-8" /etc/locale.gen || echo "$loc.UTF-8 UTF-8" >>/etc/locale.gen
                locale-gen >/dev/null
        fi
done

jobs=$(nproc)
passed=0
failed=0

# Adds the "# PASS:"/"# FAIL:"/"# ERROR:" figures of an automake test-suite.log.
count_suite() {
        local log=$1 p f e
        p=$(sed -n 's/^# PASS: *//p' "$log" | head -n1)
        f=$(sed -n 's/^# FAIL: *//p' "$log" | head -n1)
        e=$(sed -n 's/^# ERROR: *//p' "$log" | head -n1)
        passed=$((passed + ${p:-0}))
        failed=$((failed + ${f:-0} + ${e:-0}))
}

run_make_check() {  # run_make_check NAME CONFIGURE-ARGS...
        local name=$1 dir="$top/build/$1"
        shift
        echo "== $name build: configure $*"
        mkdir -p "$dir"
        (cd "$dir" && "$top/configure" -q "$@")
        make -C "$dir" -j"$jobs" >/dev/null
        echo "== $name build: make check"
        if ! make -C "$dir" -j"$jobs" check; then
                [ -f "$dir/test-suite.log" ] && cat "$dir/test-suite.log"
                count_suite "$dir/test-suite.log" || true
                [ "$failed" -gt 0 ] || failed=1
                return 1
        fi
        count_suite "$dir/test-suite.log"
}

[ -x configure ] || ./autogen.sh >/dev/null
status=0
run_make_check normal --enable-werror || status=1
run_make_check sanitizers --enable-werror --enable-sanitizers || status=1

extra() {  # extra NAME COMMAND...: one more test outside make check
        local name=$1
        shift
        echo "== $name"
        if "$@"; then
                passed=$((passed + 1))
        else
                echo "FAIL: $name"
                failed=$((failed + 1))
                status=1
        fi
}
# These two share build/normal (make install, make dist): one after the other.
extra "netlabd under a real systemd" tests/systemd/run.sh "$top/build/normal"
# The package build skips dh_auto_test here: the tarball's test suite is this tree's,
# which steps 1 and 2 just ran twice, and a third run would double the time CI takes.
# NETLAB_DEB_NOCHECK=0 runs it anyway (tests/systemd/package.sh).
export NETLAB_DEB_NOCHECK=${NETLAB_DEB_NOCHECK:-1}
extra "Debian packages: build, lintian, install under systemd" tests/systemd/package.sh "$top/build/normal"

echo
echo "$passed passed, $failed failed"
exit $status
