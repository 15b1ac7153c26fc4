# tests/systemd/lib.sh — boot Debian's systemd as PID 1 in a systemd-nspawn container
# and drive it from the host. Sourced by run.sh (make install + the four scenarios of
# issue 7) and package.sh (the .debs). bash only; the caller sets 'set -euo pipefail'.
#
#   sd_setup TAG        check root and tools, build or reuse the cached root file system
#                       (root == 0 else prints SKIP and exits 0)
#   sd_create           fresh overlayfs root for one container: $ROOT (copy files in)
#   sd_boot             boot it; sets $LEADER (host PID of the container's systemd)
#   ct CMD...           run CMD inside the container (every namespace)
#   net CMD...          run a host program in the container's network namespace only
#   client ARGS...      tests/systemd/client.py in the container's network namespace
#   check WHAT CMD...   run CMD, log "ok"/"FAIL" with WHAT; failures set $fail=1
#
# The root file system comes from 'debootstrap --variant=minbase' (mirror read from this
# host's apt sources, or $NETLAB_SYSTEMD_MIRROR) and is cached as a zstd tarball plus its
# extracted tree under $NETLAB_SYSTEMD_CACHE (default /var/tmp/netlab-systemd-test):
# about a minute once, then a container boots in under a second. Each container is an
# overlayfs upper layer, removed at exit unless NETLAB_SYSTEMD_KEEP=1.
#
# What this machine taught us (see also ../shared/reference/systemd/README-systemd.md):
# machinectl and systemctl -M need machined and a host systemd: use nsenter. nspawn needs
# --register=no --keep-unit here, and SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1 with
# --system-call-filter=bpf for a pure cgroup v2 container (else "tainted: cgroupsv1").

SD_SUITE=bookworm
# libconfig9: netlabd's library; curl: debian/tests/smoke runs inside the container.
SD_PACKAGES=systemd,systemd-sysv,dbus,procps,libconfig9,curl
SD_CACHE=${NETLAB_SYSTEMD_CACHE:-/var/tmp/netlab-systemd-test}
SD_KEY=$(printf '%s %s 1' "$SD_SUITE" "$SD_PACKAGES" | sha256sum | cut -c1-8)
SD_TARBALL=$SD_CACHE/$SD_SUITE-$SD_KEY.tar.zst
SD_PRISTINE=$SD_CACHE/rootfs-$SD_KEY
CLEAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
SD_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SD_T0=$(date +%s)
SD_TAG=systemd-test
NAME=
RUN=
ROOT=
NSPAWN_PID=
LEADER=
fail=0

log() { printf '[%s %3ss] %s\n' "$SD_TAG" "$(($(date +%s) - SD_T0))" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

sd_mirror() {
        if [ -n "${NETLAB_SYSTEMD_MIRROR:-}" ]; then
                echo "$NETLAB_SYSTEMD_MIRROR"
                return
        fi
        local m
        # shellcheck disable=SC2016
        m=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' 'Created-By: Packages' 2>/dev/null |
                awk -v s="$SD_SUITE" '$2 == s { print $1; exit }')
        [ -n "$m" ] || m=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
                awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }')
        [ -n "$m" ] || m=$(grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
                awk '$2 !~ /security/ { print $2; exit }')
        [ -n "$m" ] || die "no Debian mirror in the apt sources; set NETLAB_SYSTEMD_MIRROR"
        echo "$m"
}

sd_prepare_rootfs() {
        local d m
        if [ ! -s "$SD_TARBALL" ]; then
                d=$(mktemp -d "$SD_CACHE/debootstrap.XXXXXX")
                m=$(sd_mirror)
                log "building the container root file system (once, ~1 min): debootstrap $SD_SUITE from $m"
                if ! debootstrap --variant=minbase --include="$SD_PACKAGES" "$SD_SUITE" "$d/root" "$m" \
                        >"$d.log" 2>&1; then
                        tail -20 "$d.log" >&2
                        rm -rf "$d"
                        die "debootstrap failed (log: $d.log)"
                fi
                # nspawn supplies the machine id; nobody logs in on the passive console.
                : >"$d/root/etc/machine-id"
                ln -sf /dev/null "$d/root/etc/systemd/system/console-getty.service"
                rm -f "$d/root/var/cache/apt/archives/"*.deb
                tar -C "$d/root" --numeric-owner -cf - . | zstd -q -T0 -o "$SD_TARBALL.tmp"
                mv "$SD_TARBALL.tmp" "$SD_TARBALL"
                rm -rf "$SD_PRISTINE"
                mv "$d/root" "$SD_PRISTINE"
                rm -rf "$d" "$d.log"
                log "cached $SD_TARBALL ($(du -h "$SD_TARBALL" | cut -f1))"
        fi
        if [ ! -x "$SD_PRISTINE/lib/systemd/systemd" ]; then
                rm -rf "$SD_PRISTINE.tmp"
                mkdir -p "$SD_PRISTINE.tmp"
                zstd -q -d -c "$SD_TARBALL" | tar -C "$SD_PRISTINE.tmp" --numeric-owner -xf -
                rm -rf "$SD_PRISTINE"
                mv "$SD_PRISTINE.tmp" "$SD_PRISTINE"
        fi
}

sd_setup() {    # sd_setup TAG
        local t missing=()

        SD_TAG=$1
        if [ "$(id -u)" != 0 ]; then
                echo "SKIP: $SD_TAG needs root (systemd-nspawn, overlay mounts, cgroups); not run"
                exit 0
        fi
        for t in systemd-nspawn:systemd-container debootstrap:debootstrap zstd:zstd \
                 nsenter:util-linux flock:util-linux python3:python3; do
                command -v "${t%%:*}" >/dev/null || missing+=("${t#*:}")
        done
        [ ${#missing[@]} = 0 ] || die "missing tools; apt-get install ${missing[*]}"
        PYTHON=/usr/bin/python3
        [ -x "$PYTHON" ] || PYTHON=$(command -v python3)

        mkdir -p "$SD_CACHE"
        (
                flock 9         # two runs at once must not both debootstrap
                sd_prepare_rootfs
        ) 9>"$SD_CACHE/.lock"
}

sd_cg_dirs() {  # one cgroup per container: with --keep-unit nspawn would use its caller's
        local h
        if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
                echo "/sys/fs/cgroup/$NAME"
                return
        fi
        for h in /sys/fs/cgroup/unified /sys/fs/cgroup/systemd; do
                case "$(stat -fc %T "$h" 2>/dev/null)" in cgroup2fs | cgroupfs) echo "$h/$NAME" ;; esac
        done
}

sd_cleanup() {
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
        if [ -n "$NAME" ]; then
                rmdir "/run/systemd/nspawn/propagate/$NAME" 2>/dev/null || true
                for d in $(sd_cg_dirs); do
                        [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
                done
        fi
        if [ -n "$RUN" ]; then
                if [ "${NETLAB_SYSTEMD_KEEP:-0}" != 1 ]; then
                        mountpoint -q "$ROOT" && umount "$ROOT"
                        rm -rf "$RUN"
                else
                        log "kept $RUN"
                fi
        fi
        [ $rc = 0 ] || log "FAILED (exit $rc)"
        exit $rc
}

sd_create() {
        NAME=netlab-$SD_TAG-$$
        RUN=$SD_CACHE/run/$NAME
        ROOT=$RUN/root
        trap sd_cleanup EXIT
        trap 'exit 130' INT TERM
        rm -rf "$RUN"
        mkdir -p "$ROOT" "$RUN/upper" "$RUN/work"
        mount -t overlay "$NAME" -o "lowerdir=$SD_PRISTINE,upperdir=$RUN/upper,workdir=$RUN/work" "$ROOT"
        echo "$NAME" | cut -c1-60 >"$ROOT/etc/hostname"
}

sd_boot() {
        local i d state=

        (
                for d in $(sd_cg_dirs); do
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
}

ct() { nsenter -t "$LEADER" -a env -i PATH=$CLEAN_PATH SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"; }
net() { nsenter -t "$LEADER" -n "$@"; }
client() {
        net timeout 30 "$PYTHON" "$SD_HERE/client.py" "$@" || echo "ERROR: client.py $* failed"
}
prop() { ct systemctl show -P "$1" "${2:-netlabd.service}"; }

check() {       # check WHAT COMMAND...
        local what=$1
        shift
        if "$@"; then
                log "ok   $what"
        else
                log "FAIL $what"
                fail=1
        fi
}
