#!/bin/bash
# tests/systemd/run.sh BUILDDIR — netlabd under a real systemd.
#
# Boots Debian's systemd as PID 1 in a systemd-nspawn container, installs the
# netlabd built in BUILDDIR there ('make install DESTDIR=', which includes the
# units and the default configuration), and drives it from the host with
# 'nsenter -t <container PID 1> -a systemctl ...'. Checks the four scenarios of
# issue 7: socket activation, reload (good and bad file), restart without
# losing datagrams, stop.
#
# Needs root (skips with a message otherwise) and systemd-container,
# debootstrap, zstd, python3. The container's root file system is made once
# with debootstrap and cached as a tarball under $NETLAB_SYSTEMD_CACHE
# (default /var/tmp/netlab-systemd-test): about a minute cold, then each run
# takes about 10 s. The Debian mirror is read from this host's apt sources
# (override with NETLAB_SYSTEMD_MIRROR).
#
# Environment: NETLAB_SYSTEMD_CACHE, NETLAB_SYSTEMD_MIRROR, NETLAB_SYSTEMD_KEEP=1
# (keep the container's files after the run, for a post-mortem).
set -euo pipefail

SUITE=bookworm
PACKAGES=systemd,systemd-sysv,dbus,procps,libconfig9
CACHE=${NETLAB_SYSTEMD_CACHE:-/var/tmp/netlab-systemd-test}
KEY=$(printf '%s %s 1' "$SUITE" "$PACKAGES" | sha256sum | cut -c1-8)
TARBALL=$CACHE/$SUITE-$KEY.tar.zst
PRISTINE=$CACHE/rootfs-$KEY
PORT=8080
CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T0=$(date +%s)

log() { printf '[systemd-test %3ss] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [ "$(id -u)" != 0 ]; then
        echo "SKIP: tests/systemd/run.sh needs root (systemd-nspawn, mounts, cgroups); not run"
        exit 0
fi

if [ "${1:-}" = --prepare ]; then      # only build the cached root file system
        PREPARE_ONLY=1
else
        PREPARE_ONLY=0
        BUILDDIR=$(cd "${1:?usage: tests/systemd/run.sh BUILDDIR | --prepare}" && pwd)
fi
if [ $PREPARE_ONLY = 0 ]; then
[ -x "$BUILDDIR/netlabd" ] || die "$BUILDDIR/netlabd not found: build first (make -C $BUILDDIR)"
if grep -q -- '-fsanitize' "$BUILDDIR/Makefile"; then
        die "$BUILDDIR is a sanitizer build; give the plain build directory (LeakSanitizer cannot run under the unit's sandbox)"
fi
fi

missing=()
for t in systemd-nspawn:systemd-container debootstrap:debootstrap zstd:zstd nsenter:util-linux \
         python3:python3 flock:util-linux; do
        command -v "${t%%:*}" >/dev/null || missing+=("${t#*:}")
done
[ ${#missing[@]} = 0 ] || die "missing tools; apt-get install ${missing[*]}"
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=$(command -v python3)

# ---- root file system: debootstrap once, cached as a tarball --------------------------------

mirror() {
        if [ -n "${NETLAB_SYSTEMD_MIRROR:-}" ]; then echo "$NETLAB_SYSTEMD_MIRROR"; return; fi
        local m
        # shellcheck disable=SC2016
        m=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' 2>/dev/null |
                awk -v s="$SUITE" '$2 == s { print $1; exit }')
        [ -n "$m" ] || m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
                awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }')
        [ -n "$m" ] || m=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
                awk '$2 !~ /security/ { print $2; exit }')
        [ -n "$m" ] || die "no Debian mirror in the apt sources; set NETLAB_SYSTEMD_MIRROR"
        echo "$m"
}

prepare_rootfs() {
        local d m
        if [ ! -s "$TARBALL" ]; then
                d=$(mktemp -d "$CACHE/debootstrap.XXXXXX")
                m=$(mirror)
                log "building the container root file system (once): debootstrap $SUITE from $m"
                if ! debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$d/root" "$m" \
                        >"$d.log" 2>&1; then
                        tail -20 "$d.log" >&2
                        rm -rf "$d"
                        die "debootstrap failed (log: $d.log)"
                fi
                # nspawn supplies the machine id; nobody logs in on the passive console.
                : >"$d/root/etc/machine-id"
                ln -sf /dev/null "$d/root/etc/systemd/system/console-getty.service"
                rm -f "$d/root/var/cache/apt/archives/"*.deb
                tar -C "$d/root" --numeric-owner -cf - . | zstd -q -T0 -o "$TARBALL.tmp"
                mv "$TARBALL.tmp" "$TARBALL"
                rm -rf "$PRISTINE"
                mv "$d/root" "$PRISTINE"
                rm -rf "$d" "$d.log"
                log "cached $TARBALL ($(du -h "$TARBALL" | cut -f1))"
        fi
        if [ ! -x "$PRISTINE/lib/systemd/systemd" ]; then
                rm -rf "$PRISTINE.tmp"
                mkdir -p "$PRISTINE.tmp"
                zstd -q -d -c "$TARBALL" | tar -C "$PRISTINE.tmp" --numeric-owner -xf -
                rm -rf "$PRISTINE"
                mv "$PRISTINE.tmp" "$PRISTINE"
        fi
}

mkdir -p "$CACHE"
(
        flock 9         # two runs at once must not both debootstrap
        prepare_rootfs
) 9>"$CACHE/.lock"
[ $PREPARE_ONLY = 0 ] || exit 0

# ---- one container per run: overlayfs over the cached tree ----------------------------------

NAME=netlabd-test-$$
RUN=$CACHE/run/$NAME
ROOT=$RUN/root
NSPAWN_PID=
LEADER=

cg_dirs() {
        local h
        if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
                echo "/sys/fs/cgroup/$NAME"
                return
        fi
        for h in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd; do
                case "$(stat -fc %T "$h" 2>/dev/null)" in cgroup2fs | cgroupfs) echo "$h/$NAME" ;; esac
        done
}

cleanup() {
        local rc=$? i d
        if [ -n "$NSPAWN_PID" ] && kill -0 "$NSPAWN_PID" 2>/dev/null; then
                if [ $rc != 0 ] && [ -n "$LEADER" ]; then
                        log "journal of the container (last 60 lines):"
                        nsenter -t "$LEADER" -a env -i PATH=$CLEAN_PATH journalctl --no-pager -n 60 >&2 || true
                fi
                [ -n "$LEADER" ] && nsenter -t "$LEADER" -a env -i PATH=$CLEAN_PATH \
                        systemctl poweroff --no-block >/dev/null 2>&1
                for i in $(seq 1 100); do kill -0 "$NSPAWN_PID" 2>/dev/null || break; sleep 0.1; done
                kill -0 "$NSPAWN_PID" 2>/dev/null && kill -KILL "$NSPAWN_PID" 2>/dev/null
                wait "$NSPAWN_PID" 2>/dev/null || true
        fi
        rmdir "/run/systemd/nspawn/propagate/$NAME" 2>/dev/null || true
        for d in $(cg_dirs); do
                [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
        done
        if [ "${NETLAB_SYSTEMD_KEEP:-0}" != 1 ]; then
                mountpoint -q "$ROOT" && umount "$ROOT"
                rm -rf "$RUN"
        else
                log "kept $RUN"
        fi
        [ $rc = 0 ] || log "FAILED (exit $rc)"
        exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

rm -rf "$RUN"
mkdir -p "$ROOT" "$RUN/upper" "$RUN/work"
mount -t overlay "$NAME" -o "lowerdir=$PRISTINE,upperdir=$RUN/upper,workdir=$RUN/work" "$ROOT"
echo "$NAME" | cut -c1-60 >"$ROOT/etc/hostname"

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

# ---- boot ------------------------------------------------------------------------------------

(
        for d in $(cg_dirs); do
                { mkdir -p "$d" && echo "$BASHPID" >"$d/cgroup.procs"; } 2>/dev/null ||
                        log "note: cannot use cgroup $d"
        done
        export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
        exec setsid systemd-nspawn -D "$ROOT" -M "$NAME" --boot --register=no --keep-unit \
                --console=passive --private-network --system-call-filter=bpf \
                </dev/null >"$RUN/console.log" 2>&1
) &
NSPAWN_PID=$!

for i in $(seq 1 300); do
        LEADER=$(pgrep -P "$NSPAWN_PID" -x systemd | head -1 || true)
        [ -n "$LEADER" ] && break
        kill -0 "$NSPAWN_PID" 2>/dev/null || { cat "$RUN/console.log" >&2; die "systemd-nspawn exited"; }
        sleep 0.1
done
[ -n "$LEADER" ] || die "no systemd in the container after 30 s"

ct() { nsenter -t "$LEADER" -a env -i PATH=$CLEAN_PATH SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"; }
net() { nsenter -t "$LEADER" -n "$@"; }
client() { net timeout 30 "$PYTHON" "$HERE/client.py" "$@" || echo "ERROR: client.py $* failed"; }
prop() { ct systemctl show -P "$1" "${2:-netlabd.service}"; }

state=
for i in $(seq 1 300); do       # the bus socket appears a moment after PID 1 starts
        state=$(timeout 30 nsenter -t "$LEADER" -a env -i PATH=$CLEAN_PATH \
                systemctl is-system-running --wait 2>/dev/null || true)
        case "$state" in running | degraded) break ;; esac
        sleep 0.1
done
case "$state" in
running | degraded) log "container booted ($state)" ;;
*) cat "$RUN/console.log" >&2; die "container did not boot (state '$state')" ;;
esac

fail=0
check() {      # check DESCRIPTION COMMAND...
        local what=$1
        shift
        if "$@"; then
                log "ok   $what"
        else
                log "FAIL $what"
                fail=1
        fi
}

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

if [ $fail != 0 ]; then
        log "journal of netlabd.service:"
        printf '%s\n' "$journal" | tail -40 >&2
        exit 1
fi
log "all scenarios passed in $(($(date +%s) - T0)) s"
