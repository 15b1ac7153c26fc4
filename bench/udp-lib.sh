# udp-lib.sh — what the echo benchmarks share (sourced by udp-bench.sh and echo-ab.sh):
# set-up (bench_init), the bench lock, starting and stopping one pinned server, its CPU
# ticks, netlabd's own received counter, and the closed-loop client pinned to the other
# CPU. The caller sets HERE (bench/), CC, HOST, SERVER_CPU, CLIENT_CPU, LOCK, DUR, WARM,
# MSG, then calls bench_init.

# bench_init: checks the tools, makes the temp dir $WORK (removed at exit, with the
# server stopped), sets CLK_TCK and builds udp-flood.c into $FLOOD.
bench_init() {
        local t
        for t in "$CC" taskset flock setsid ss python3 awk; do
                command -v "$t" >/dev/null || die "missing $t"
        done
        CLK_TCK=$(getconf CLK_TCK)
        WORK=$(mktemp -d -t "netlab-${BENCH_NAME:-bench}.XXXXXX") || die "mktemp failed"
        SRV_PID=
        LOCKFD=
        trap bench_cleanup EXIT
        trap 'exit 130' INT TERM
        FLOOD=$WORK/udp-flood
        $CC -O2 -Wall -o "$FLOOD" "$HERE/udp-flood.c" || die "cannot build udp-flood.c"
}

bench_cleanup() {
        stop_server
        [[ -n $LOCKFD ]] && exec {LOCKFD}>&-
        rm -rf "$WORK"
}

say() { printf '[%s] %s\n' "${BENCH_NAME:-bench}" "$*" >&2; }
die() { say "error: $*"; exit 1; }

lock_on() {
        exec {LOCKFD}>>"$LOCK" || die "cannot open $LOCK"
        flock -n "$LOCKFD" || { say "waiting for $LOCK"; flock "$LOCKFD"; }
}
lock_off() {
        [[ -n $LOCKFD ]] || return 0
        flock -u "$LOCKFD"
        exec {LOCKFD}>&-
        LOCKFD=
}

free_port() {
        python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# netlabd_conf FILE PORT ECHO-KEYS: an echo-only netlabd on $HOST:PORT, unlimited rate
netlabd_conf() {
        cat >"$1" <<CONF
log_level = "info";
echo = { listen = ["$HOST:$2"]; rate_limit = 0.0; seed = 1; $3 };
http = { enabled = false; };
CONF
}

# start_cmd NAME COMMAND: runs COMMAND pinned to $SERVER_CPU in its own session, waits
# until $PORT is bound; sets SRV_PID
start_cmd() {
        local name=$1 cmd=$2 i
        setsid taskset -c "$SERVER_CPU" bash -c "exec $cmd" >"$WORK/server.log" 2>&1 </dev/null &
        SRV_PID=$!
        for ((i = 0; i < 100; i++)); do
                kill -0 "$SRV_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; die "$name exited at start"; }
                [[ -n $(ss -Hlun "sport = :$PORT" 2>/dev/null) ]] && { sleep 0.2; return 0; }
                sleep 0.1
        done
        die "$name did not bind UDP port $PORT"
}

stop_server() {
        local i
        [[ -n $SRV_PID ]] || return 0
        kill -TERM -- "-$SRV_PID" 2>/dev/null
        for ((i = 0; i < 30; i++)); do
                kill -0 "$SRV_PID" 2>/dev/null || break
                sleep 0.1
        done
        kill -KILL -- "-$SRV_PID" 2>/dev/null
        wait "$SRV_PID" 2>/dev/null
        SRV_PID=
}

ticks() { awk '{ print $14 + $15 }' "/proc/$SRV_PID/stat"; }
kv() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }
client() { taskset -c "$CLIENT_CPU" "$@"; }

# netlabd's own count of datagrams received (SIGUSR1 logs the counters)
nl_received() {
        local n i
        n=$(grep -c 'Echo counters' "$WORK/server.log")
        kill -USR1 "$SRV_PID"
        for ((i = 0; i < 50; i++)); do
                (($(grep -c 'Echo counters' "$WORK/server.log") > n)) && break
                sleep 0.02
        done
        grep 'Echo counters' "$WORK/server.log" | tail -n 1 | sed -n 's/.*received \([0-9]*\).*/\1/p'
}

# flood_once NETLABD? ARGS: one measured run of udp-flood under the lock against $PORT.
# Prints the flood's key=value line plus "per=CPU-us" (server CPU time per datagram:
# netlabd's own received counter when NETLABD? is 1, the client's reply count otherwise).
flood_once() {
        local own=$1 line t0 t1 c0 c1 fp
        shift
        lock_on
        client "$FLOOD" -t "$DUR" -W "$WARM" -s "$MSG" "$@" "$HOST" "$PORT" >"$WORK/flood.out" 2>&1 &
        fp=$!
        sleep "$WARM"
        [[ $own == 1 ]] && c0=$(nl_received)
        t0=$(ticks)
        sleep "$DUR"
        t1=$(ticks)
        [[ $own == 1 ]] && c1=$(nl_received)
        wait "$fp"
        lock_off
        line=$(cat "$WORK/flood.out")
        [[ $line == window=* ]] || { say "flood: $line"; return 1; }
        if [[ $own == 1 ]]; then
                per=$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v n=$((c1 - c0)) 'BEGIN { printf "%.3f", n ? d / hz * 1e6 / n : 0 }')
        else
                per=$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v rt="$(kv "$line" rate)" -v s="$DUR" \
                        'BEGIN { printf "%.3f", rt ? d / hz * 1e6 / (rt * s) : 0 }')
        fi
        cpu=$(awk -v d=$((t1 - t0)) -v hz="$CLK_TCK" -v s="$DUR" 'BEGIN { printf "%.1f", 100 * d / hz / s }')
        echo "$line per=$per cpu=$cpu"
}
