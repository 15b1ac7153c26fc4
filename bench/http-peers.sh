#!/usr/bin/env bash
# http-peers.sh - benchmark peer static HTTP servers on loopback, so netlabd
# has numbers to beat. Adapted from the team's shared bench: adds the server
# "nginx_ofc" (nginx with open_file_cache). bench/http-bench.sh drives it.
#
# Servers run pinned to SERVER_CPU, the load generator (wrk / idle helper) to
# CLIENT_CPU. Every measurement phase holds an flock(2) on $BENCH_LOCK so that
# it never overlaps another benchmark on this machine.
#
#   ./http-peers.sh                       # full run (~3.5 min + waits for the lock)
#   QUICK=1 ./http-peers.sh               # smoke test, 3 s per scenario
#   CANDIDATE_NAME=netlabd SERVERS='nginx candidate' \
#       CANDIDATE_CMD='systemd-socket-activate -l 127.0.0.1:{PORT} ./netlabd -c my.conf --root {ROOT}' \
#       ./http-peers.sh
set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

QUICK=${QUICK:-0}
if [[ $QUICK == 1 ]]; then def_dur=3 def_warm=1; else def_dur=10 def_warm=2; fi
DUR=${DURATION:-$def_dur}               # seconds per wrk scenario
WARM=${WARMUP:-$def_warm}               # seconds of discarded warm-up
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
BASE_PORT=${BASE_PORT:-18080}
IDLE_CONNS=${IDLE_CONNS:-1000}
LOCK=${BENCH_LOCK:-/tmp/netlab-bench.lock}
SERVERS=${SERVERS:-nginx lighttpd mini_httpd python candidate}
CANDIDATE_NAME=${CANDIDATE_NAME:-candidate}
CANDIDATE_CMD=${CANDIDATE_CMD:-}
MID=${MID:-0}                           # 1: extra keep-alive scenario on mid.bin
REPEAT=${REPEAT:-1}                     # wrk runs per scenario; the median is kept
ROUNDS=${ROUNDS:-1}                     # the whole server list this many times, interleaved; medians
FOREIGN_MAX=${FOREIGN_MAX:-5}           # % of a core other processes may use during a run
NOISY_RETRIES=${NOISY_RETRIES:-2}       # redo a noisier run this many times at most
NGINX_EXTRA=${NGINX_EXTRA:-}            # extra nginx http{} directives, e.g. open_file_cache
KA_CURVE=${KA_CURVE:-}                  # e.g. "1000 10000": keep-alive at more connections (candidate only)
PY_PROTOCOL=${PY_PROTOCOL:-HTTP/1.1}    # http.server defaults to HTTP/1.0 (no keep-alive)
if [[ -z ${PYTHON:-} ]]; then
	if [[ -x /usr/bin/python3 ]]; then PYTHON=/usr/bin/python3; else PYTHON=$(command -v python3); fi
fi
TS=$(date +%Y%m%d-%H%M%S)
OUT=${OUT:-${TMPDIR:-/tmp}/netlab-bench/http-peers-$TS.tsv}
RAWLOG=${OUT%.tsv}.log

say() { printf '[http-peers] %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

for tool in wrk taskset flock curl "$PYTHON"; do
	command -v "$tool" >/dev/null 2>&1 ||
		die "missing $tool (apt-get install wrk util-linux curl python3)"
done
ncpu=$(nproc)
((SERVER_CPU < ncpu && CLIENT_CPU < ncpu)) ||
	die "need CPUs $SERVER_CPU and $CLIENT_CPU, have $ncpu"
CLK_TCK=$(getconf CLK_TCK)

WORK=$(mktemp -d -t netlab-http.XXXXXX) || die "mktemp failed"
chmod 755 "$WORK"                        # nginx/mini_httpd workers run as nobody
ROOT=$WORK/root
HELPER=$WORK/nlb.py
SRV_PID=
PORT=
LOCKFD=

cleanup() {
	stop_server
	[[ -n $LOCKFD ]] && exec {LOCKFD}>&-
	if [[ ${KEEP_WORK:-0} == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$(dirname "$OUT")" || die "cannot create $(dirname "$OUT")"
printf 'server\tscenario\tmetric\tvalue\n' >"$OUT"
: >"$RAWLOG"
emit() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$OUT"; }

# ---------------------------------------------------------------- helpers ---
cat >"$HELPER" <<'PYEOF'
"""nlb.py: /proc sampling, idle-connection holder, wrk parsing, table."""
import os, socket, sys, time, selectors


def children_map():
    kids = {}
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                s = f.read()
        except OSError:
            continue
        fields = s[s.rfind(')') + 2:].split()
        kids.setdefault(int(fields[1]), []).append(int(d))
    return kids


def tree(root):
    """root and all its descendants (processes, not threads)."""
    if not os.path.exists('/proc/%d' % root):
        return []
    kids, out, stack = children_map(), [], [root]
    while stack:
        p = stack.pop()
        if p not in out:
            out.append(p)
            stack.extend(kids.get(p, []))
    return out


def mem(root):
    m = dict(rss=0, pss=0, procs=0, threads=0)
    socks = set()
    for p in tree(root):
        try:
            with open('/proc/%d/status' % p) as f:
                for line in f:
                    if line.startswith('VmRSS:'):
                        m['rss'] += int(line.split()[1])
                    elif line.startswith('Threads:'):
                        m['threads'] += int(line.split()[1])
            with open('/proc/%d/smaps_rollup' % p) as f:
                for line in f:
                    if line.startswith('Pss:'):
                        m['pss'] += int(line.split()[1])
            for fd in os.listdir('/proc/%d/fd' % p):
                try:
                    link = os.readlink('/proc/%d/fd/%s' % (p, fd))
                except OSError:
                    continue
                if link.startswith('socket:'):
                    socks.add(link)
            m['procs'] += 1
        except OSError:
            pass
    m['sockets'] = len(socks)
    return m


def cpu_ticks(root):
    """utime+stime of the tree, plus cutime+cstime (reaped children)."""
    t = 0
    for p in tree(root):
        try:
            with open('/proc/%d/stat' % p) as f:
                s = f.read()
        except OSError:
            continue
        f = s[s.rfind(')') + 2:].split()
        t += int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])
    return t


def core(c):
    """(busy, total, steal) ticks of one CPU; busy includes irq, softirq, steal."""
    with open('/proc/stat') as f:
        for line in f:
            if line.startswith('cpu%d ' % c):
                v = [int(x) for x in line.split()[1:9]]
                return sum(v) - v[3] - v[4], sum(v), v[7]
    return 0, 0, 0


def ksoftirqd_ticks():
    t = 0
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % d) as f:
                s = f.read()
        except OSError:
            continue
        if '(ksoftirqd/' in s:
            f = s[s.rfind(')') + 2:].split()
            t += int(f[11]) + int(f[12])
    return t


def cmd_snap(root, scpu, ccpu):
    """srv_ticks S_busy S_total C_busy C_total time both_busy ksoftirqd both_steal"""
    sb, st, ss = core(int(scpu))
    cb, ct, cs = core(int(ccpu))
    print(cpu_ticks(int(root)), sb, st, cb, ct, '%.6f' % time.time(),
          sb + cb, ksoftirqd_ticks(), ss + cs)


def foreign(snap0, snap1, wrk_ticks, clk):
    """% of one core used on the two bench CPUs by anything but server, wrk
    and ksoftirqd (other benchmarks, builds, hypervisor steal)."""
    a, b = [float(x) for x in snap0.split()], [float(x) for x in snap1.split()]
    wall = b[5] - a[5]
    other = (b[6] - a[6]) - (b[0] - a[0]) - float(wrk_ticks) - (b[7] - a[7])
    return max(0.0, 100 * other / float(clk) / wall), 100 * (b[8] - a[8]) / float(clk) / wall


def cmd_foreign(snap0, snap1, wrk_ticks, clk):
    print('%.1f' % foreign(snap0, snap1, wrk_ticks, clk)[0])


def cmd_tree(root):
    print(' '.join(str(p) for p in tree(int(root))))


def response_done(buf):
    """True when buf holds one complete response with Content-Length."""
    end = buf.find(b'\r\n\r\n')
    if end < 0:
        return False
    for line in bytes(buf[:end]).split(b'\r\n')[1:]:
        k, _, v = line.partition(b':')
        if k.strip().lower() == b'content-length':
            return len(buf) - end - 4 >= int(v)
    return False


def cmd_idle(port, root, n, settle, path):
    port, root, n, settle = int(port), int(root), int(n), float(settle)
    out = {}

    def record(tag, m):
        for k in ('rss', 'pss'):
            out['%s_%s_kib' % (k, tag)] = m[k]
        out['procs_' + tag] = m['procs']
        out['threads_' + tag] = m['threads']
        out['srv_sockets_' + tag] = m['sockets']

    record('idle', mem(root))
    socks, fails = [], 0
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(5)
        try:
            s.connect(('127.0.0.1', port))
            socks.append(s)
        except OSError:
            fails += 1
            s.close()
    out['conns_ok'], out['connect_fail'] = len(socks), fails
    time.sleep(settle)
    record('conn', mem(root))        # connected, no request sent yet

    req = ('GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: nlb-idle\r\n'
           'Accept: */*\r\n\r\n' % path).encode()
    sel, bufs, ok = selectors.DefaultSelector(), {}, 0
    for s in socks:
        s.setblocking(False)
        try:
            s.send(req)
            bufs[s] = bytearray()
            sel.register(s, selectors.EVENT_READ)
        except OSError:
            pass
    deadline = time.time() + 30
    while bufs and time.time() < deadline:
        for key, _ in sel.select(timeout=1):
            s = key.fileobj
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b''
            if data:
                bufs[s] += data
            if not data or response_done(bufs[s]):
                if response_done(bufs[s]) or (not data and bufs[s].startswith(b'HTTP/')):
                    ok += 1
                sel.unregister(s)
                del bufs[s]
    out['responses_ok'] = ok
    time.sleep(settle)
    record('ka', mem(root))          # every connection served once, now idle
    still_open = 0
    for s in socks:
        r, _, _ = select_one(s)
        if not r:
            still_open += 1
            continue
        try:
            if s.recv(1, socket.MSG_PEEK):
                still_open += 1      # unexpected bytes, but still open
        except OSError:
            pass
    out['open_after'] = still_open
    for s in socks:
        s.close()
    time.sleep(settle)
    m = mem(root)
    out['rss_closed_kib'] = m['rss']
    out['rss_conn_delta_kib'] = out['rss_conn_kib'] - out['rss_idle_kib']
    out['rss_ka_delta_kib'] = out['rss_ka_kib'] - out['rss_idle_kib']
    out['pss_ka_delta_kib'] = out['pss_ka_kib'] - out['pss_idle_kib']
    if still_open:
        out['rss_ka_bytes_per_conn'] = round(out['rss_ka_delta_kib'] * 1024 / still_open)
    for k, v in out.items():
        print('%s\t%s' % (k, v))


def select_one(s):
    import select
    return select.select([s], [], [], 0)


def wrk_one(raw, snap0, snap1, wrk_ticks, clk):
    line = None
    with open(raw, errors='replace') as f:
        for l in f:
            if l.startswith('NLB '):
                line = l
    if line is None:
        return None
    d = {k: float(v) for k, v in (kv.split('=') for kv in line.split()[1:])}
    a, b = [float(x) for x in snap0.split()], [float(x) for x in snap1.split()]
    dur = d['duration_us'] / 1e6
    req = d['requests']
    wall = b[5] - a[5]
    srv = (b[0] - a[0]) / float(clk)
    fgn, steal = foreign(snap0, snap1, wrk_ticks, clk)
    return [
        ('requests', '%d' % req),
        ('rps', '%.1f' % (req / dur)),
        ('mib_s', '%.1f' % (d['bytes'] / dur / 2**20)),
        ('p50_ms', '%.3f' % (d['p50_us'] / 1e3)),
        ('p90_ms', '%.3f' % (d['p90_us'] / 1e3)),
        ('p99_ms', '%.3f' % (d['p99_us'] / 1e3)),
        ('max_ms', '%.3f' % (d['max_us'] / 1e3)),
        ('err_connect', '%d' % d['err_connect']),
        ('err_read', '%d' % d['err_read']),
        ('err_write', '%d' % d['err_write']),
        ('err_timeout', '%d' % d['err_timeout']),
        ('non2xx', '%d' % d['err_status']),
        ('srv_cpu_pct', '%.1f' % (100 * srv / wall)),
        ('srv_cpu_us_per_req', '%.2f' % (srv * 1e6 / req) if req else 'nan'),
        ('srv_cpu_ms_per_gib', '%.1f' % (srv * 1e3 / (d['bytes'] / 2**30)) if d['bytes'] else 'nan'),
        ('wrk_cpu_pct', '%.1f' % (100 * float(wrk_ticks) / float(clk) / wall)),
        ('foreign_cpu_pct', '%.1f' % fgn),
        ('steal_pct', '%.1f' % steal),
        ('srv_core_busy_pct', '%.1f' % (100 * (b[1] - a[1]) / max(1, b[2] - a[2]))),
        ('cli_core_busy_pct', '%.1f' % (100 * (b[3] - a[3]) / max(1, b[4] - a[4]))),
    ]


def cmd_wrkmetrics(clk, key, *triples):  # triples: raw snap0 snap1 wrk_ticks
    """metrics of the median run (by key) of REPEAT wrk runs."""
    runs = [wrk_one(*triples[i:i + 4], clk) for i in range(0, len(triples), 4)]
    failed = runs.count(None)
    runs = [dict(r) for r in runs if r]
    if not runs:
        print('wrk_failed\t%d' % failed)
        return
    runs.sort(key=lambda r: float(r[key]))
    for k, v in runs[len(runs) // 2].items():
        print('%s\t%s' % (k, v))
    if len(runs) + failed > 1:
        print('runs\t%d' % len(runs))
        print('%s_min\t%s' % (key, runs[0][key]))
        print('%s_max\t%s' % (key, runs[-1][key]))
    if failed:
        print('wrk_failed\t%d' % failed)


def cmd_table(tsv):
    """With ROUNDS > 1 a figure appears once per round: numbers are the median of the
    rounds, anything else the last value."""
    vals, order = {}, []
    with open(tsv) as f:
        next(f)
        for line in f:
            srv, scen, met, val = line.rstrip('\n').split('\t', 3)
            vals.setdefault((srv, scen, met), []).append(val)
            if not srv.startswith('_') and srv not in order:
                order.append(srv)
    rows = {}
    for k, v in vals.items():
        try:
            nums = sorted(float(x) for x in v)
        except ValueError:
            rows[k] = v[-1]
            continue
        med = nums[(len(nums) - 1) // 2] if len(nums) % 2 else (nums[len(nums) // 2 - 1] + nums[len(nums) // 2]) / 2
        rows[k] = v[0] if len(v) == 1 else ('%d' % med if all(x.lstrip('-').isdigit() for x in v) else '%.6g' % med)

    def g(s, sc, m):
        return rows.get((s, sc, m), '-')

    def num(s, sc, m):
        try:
            return float(rows[(s, sc, m)])
        except (KeyError, ValueError):
            return None

    def errs(s, sc):
        if (s, sc, 'requests') not in rows:
            return '-'
        e = sum(int(rows.get((s, sc, k), 0)) for k in
                ('err_connect', 'err_read', 'err_write', 'err_timeout'))
        return '%d/%s' % (e, rows.get((s, sc, 'non2xx'), '0'))

    def table(head, body):
        w = [max(len(str(r[i])) for r in [head] + body) for i in range(len(head))]
        fmt = lambda r: '  '.join(str(c).rjust(w[i]) if i else str(c).ljust(w[i])
                                 for i, c in enumerate(r))
        print(fmt(head))
        print('  '.join('-' * x for x in w))
        for r in body:
            print(fmt(r))
        print()

    served = [s for s in order if (s, 'meta', 'skipped') not in rows]
    print('Throughput / latency (wrk -t1; KA = keep-alive -c64, CLOSE = '
          'Connection: close -c64, BIG = 64 MiB file -c4)')
    table(['server', 'KA req/s', 'p50 ms', 'p99 ms', 'CLOSE req/s', 'p50 ms',
           'p99 ms', 'BIG MiB/s', 'errs KA/CL/BIG (sock/non2xx)'],
          [[s, g(s, 'ka_small', 'rps'), g(s, 'ka_small', 'p50_ms'),
            g(s, 'ka_small', 'p99_ms'), g(s, 'close_small', 'rps'),
            g(s, 'close_small', 'p50_ms'), g(s, 'close_small', 'p99_ms'),
            g(s, 'big_file', 'mib_s'),
            ' '.join(errs(s, sc) for sc in ('ka_small', 'close_small', 'big_file'))]
           for s in served])
    if any((s, 'mid_file', 'rps') in rows for s in served):
        table(['server', 'MID req/s', 'MiB/s', 'p99 ms'],
              [[s, g(s, 'mid_file', 'rps'), g(s, 'mid_file', 'mib_s'),
                g(s, 'mid_file', 'p99_ms')] for s in served])
    print('Memory with %s idle keep-alive connections (sum over all server '
          'processes: VmRSS; PSS splits shared pages) and CPU'
          % rows.get(('_env', 'meta', 'idle_conns'), '1000'))
    table(['server', 'idle RSS', 'RSS@1k', '+RSS', 'idle PSS', 'PSS@1k', '+PSS',
           'B/conn', 'open', 'procs', '+RSS no-req'],
          [[s, g(s, 'idle_1k', 'rss_idle_kib'), g(s, 'idle_1k', 'rss_ka_kib'),
            g(s, 'idle_1k', 'rss_ka_delta_kib'), g(s, 'idle_1k', 'pss_idle_kib'),
            g(s, 'idle_1k', 'pss_ka_kib'), g(s, 'idle_1k', 'pss_ka_delta_kib'),
            g(s, 'idle_1k', 'rss_ka_bytes_per_conn'), g(s, 'idle_1k', 'open_after'),
            g(s, 'idle_1k', 'procs_ka'), g(s, 'idle_1k', 'rss_conn_delta_kib')]
           for s in served])
    print('(KiB; B/conn = +RSS / connections still open; "no-req" = connected, '
          'nothing sent yet)')
    print()
    sc3 = ('ka_small', 'close_small', 'big_file')
    print('CPU (srv = server processes, wrk core = client CPU busy incl. softirq; '
          'noise = other processes on the two CPUs, % of a core)')
    table(['server', 'srv CPU% KA/CL/BIG', 'wrk core% KA/CL/BIG',
           'srv us/req KA/CL', 'srv ms/GiB BIG', 'noise% KA/CL/BIG'],
          [[s, '/'.join(g(s, sc, 'srv_cpu_pct') for sc in sc3),
            '/'.join(g(s, sc, 'cli_core_busy_pct') for sc in sc3),
            '/'.join(g(s, sc, 'srv_cpu_us_per_req') for sc in sc3[:2]),
            g(s, 'big_file', 'srv_cpu_ms_per_gib'),
            '/'.join(g(s, sc, 'foreign_cpu_pct') for sc in sc3)]
           for s in served])
    curve = sorted({int(sc[4:]) for (s, sc, m) in rows if sc.startswith('ka_c') and sc[4:].isdigit()})
    if curve:
        print('Keep-alive cost curve (same page; server CPU-us per request, peak RSS KiB)')
        for s in served:
            pts = [(64, num(s, 'ka_small', 'srv_cpu_us_per_req'), g(s, 'ka_small', 'rss_hwm_kib'))] + \
                  [(c, num(s, 'ka_c%d' % c, 'srv_cpu_us_per_req'), g(s, 'ka_c%d' % c, 'rss_hwm_kib')) for c in curve]
            pts = [p for p in pts if p[1] is not None]
            if len(pts) < 2:
                continue
            lo = min(p[1] for p in pts)
            table(['server', 'connections', 'us/req', 'x smallest', 'peak RSS'],
                  [[s, c, '%.2f' % v, '%.2f' % (v / lo), r] for c, v, r in pts])
    ref = 'nginx' if 'nginx' in served else None
    if ref:
        def ratio(s, sc, m):
            a, b = num(s, sc, m), num(ref, sc, m)
            return '%.2f' % (a / b) if a is not None and b else '-'
        print('Ratios vs nginx (>1 = more than nginx)')
        table(['server', 'KA req/s', 'CLOSE req/s', 'BIG MiB/s', 'KA p99',
               'RSS@1k', '+RSS@1k', 'PSS@1k'],
              [[s, ratio(s, 'ka_small', 'rps'), ratio(s, 'close_small', 'rps'),
                ratio(s, 'big_file', 'mib_s'), ratio(s, 'ka_small', 'p99_ms'),
                ratio(s, 'idle_1k', 'rss_ka_kib'), ratio(s, 'idle_1k', 'rss_ka_delta_kib'),
                ratio(s, 'idle_1k', 'pss_ka_kib')]
               for s in served])
    skipped = [(s, rows[(s, 'meta', 'skipped')]) for s in order
               if (s, 'meta', 'skipped') in rows]
    for s, why in skipped:
        print('skipped %s: %s' % (s, why))


if __name__ == '__main__':
    cmd, args = sys.argv[1], sys.argv[2:]
    {'snap': cmd_snap, 'tree': cmd_tree, 'idle': cmd_idle,
     'wrkmetrics': cmd_wrkmetrics, 'foreign': cmd_foreign,
     'table': cmd_table}[cmd](*args)
PYEOF

cat >"$WORK/report.lua" <<'LUAEOF'
-- prints one machine-readable summary line after the human-readable report
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "NLB requests=%.0f bytes=%.0f duration_us=%.0f p50_us=%.1f p90_us=%.1f " ..
    "p99_us=%.1f max_us=%.1f err_connect=%d err_read=%d err_write=%d " ..
    "err_status=%d err_timeout=%d\n",
    summary.requests, summary.bytes, summary.duration,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
LUAEOF

py() { taskset -c "$CLIENT_CPU" "$PYTHON" "$HELPER" "$@"; }

# ---------------------------------------------------------------- docroot ---
make_docroot() {
	mkdir -p "$ROOT" && chmod 755 "$ROOT"
	"$PYTHON" - "$ROOT/index.html" <<'PYEOF'
import sys
head = ('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<title>netlab bench page</title>\n<style>body{font-family:sans-serif;'
        'max-width:40em;margin:2em auto;color:#222}h1{color:#036}</style>\n'
        '</head>\n<body>\n<h1>Hello, World</h1>\n')
tail = '</body>\n</html>\n'
para = ('<p>This page is the small-file payload of the netlab HTTP benchmark. '
        'It is about 1.2 KB, like a typical lab helloWorld.html.</p>\n')
body = head
while len(body) + len(para) + len(tail) <= 1200:
    body += para
body += '<!--' + 'x' * (1200 - len(body) - len(tail) - 8) + '-->\n' + tail
assert len(body) == 1200, len(body)
open(sys.argv[1], 'w').write(body)
PYEOF
	head -c 67108864 /dev/urandom >"$ROOT/big.bin"
	head -c 102400 /dev/urandom >"$ROOT/mid.bin"
	chmod 644 "$ROOT"/*
}

# ---------------------------------------------------------------- servers ---
port_busy() {
	if command -v ss >/dev/null 2>&1; then
		[[ -n $(ss -Htln "sport = :$1" 2>/dev/null) ]]
	else
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
	fi
}
NEXT_PORT=$BASE_PORT
pick_port() {
	while port_busy "$NEXT_PORT"; do
		say "port $NEXT_PORT busy, trying $((NEXT_PORT + 1))"
		NEXT_PORT=$((NEXT_PORT + 1))
	done
	PORT=$NEXT_PORT
	NEXT_PORT=$((NEXT_PORT + 1))
}

# launch NAME CMD...: start CMD pinned to SERVER_CPU in its own session.
launch() {
	local name=$1
	shift
	mkdir -p "$WORK/$name"
	setsid taskset -c "$SERVER_CPU" "$@" \
		>"$WORK/$name/stdout.log" 2>"$WORK/$name/stderr.log" </dev/null &
	SRV_PID=$!
}

start_nginx() {
	command -v nginx >/dev/null || { SKIP_WHY="nginx not installed"; return 1; }
	local d=$WORK/nginx
	mkdir -p "$d/tmp" "$d/logs"
	cat >"$d/nginx.conf" <<EOF
# generated by http-peers.sh
worker_processes 1;
pid $d/nginx.pid;
error_log stderr warn;
worker_rlimit_nofile 8192;
events { worker_connections 2048; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    server_tokens off;
    $NGINX_EXTRA
    types { text/html html; application/octet-stream bin; }
    default_type application/octet-stream;
    client_body_temp_path $d/tmp/body;
    proxy_temp_path $d/tmp/proxy;
    fastcgi_temp_path $d/tmp/fastcgi;
    uwsgi_temp_path $d/tmp/uwsgi;
    scgi_temp_path $d/tmp/scgi;
    server {
        listen 127.0.0.1:$PORT;
        root $ROOT;
        index index.html;
    }
}
EOF
	launch nginx nginx -p "$d" -c "$d/nginx.conf" -e stderr -g 'daemon off;'
}

# nginx tuned the way the issue asks for: open_file_cache on (no open/fstat/close
# per request).
start_nginx_ofc() {
	NGINX_EXTRA="open_file_cache max=1000 inactive=60s; open_file_cache_valid 60s; $NGINX_EXTRA" start_nginx
}

start_lighttpd() {
	command -v lighttpd >/dev/null || { SKIP_WHY="lighttpd not installed"; return 1; }
	local d=$WORK/lighttpd
	mkdir -p "$d"
	cat >"$d/lighttpd.conf" <<EOF
# generated by http-peers.sh: static files only, no access log
server.modules = ()
server.document-root = "$ROOT"
server.bind = "127.0.0.1"
server.port = $PORT
server.errorlog = "$d/error.log"
server.max-fds = 8192
server.max-connections = 4096
server.max-keep-alive-requests = 65535
server.max-keep-alive-idle = 300
server.max-read-idle = 300
server.tag = "lighttpd"
index-file.names = ( "index.html" )
mimetype.assign = ( ".html" => "text/html", ".bin" => "application/octet-stream" )
EOF
	lighttpd -tt -f "$d/lighttpd.conf" >"$d/check.log" 2>&1 ||
		{ SKIP_WHY="config rejected: $(head -c 200 "$d/check.log")"; return 1; }
	launch lighttpd lighttpd -D -f "$d/lighttpd.conf"
}

start_mini_httpd() {
	command -v mini_httpd >/dev/null || { SKIP_WHY="mini_httpd not installed"; return 1; }
	# -D: stay in foreground; it drops to user nobody when started as root.
	launch mini_httpd mini_httpd -D -h 127.0.0.1 -p "$PORT" -d "$ROOT" \
		-l /dev/null -i "$WORK/mini_httpd.pid"
}

start_python() {
	launch python "$PYTHON" -m http.server "$PORT" -b 127.0.0.1 -d "$ROOT" \
		-p "$PY_PROTOCOL"
}

start_candidate() {
	[[ -n $CANDIDATE_CMD ]] || { SKIP_WHY="CANDIDATE_CMD unset"; return 1; }
	local cmd=${CANDIDATE_CMD//\{PORT\}/$PORT}
	cmd=${cmd//\{ROOT\}/$ROOT}
	emit "$CANDIDATE_NAME" meta cmd "$cmd"
	launch "$CANDIDATE_NAME" bash -c "exec $cmd"
}

version_of() {
	case $1 in
	nginx | nginx_ofc) nginx -v 2>&1 | sed 's/^nginx version: //' ;;
	lighttpd) lighttpd -v 2>&1 | head -1 | cut -d' ' -f1 ;;
	mini_httpd) mini_httpd -V 2>&1 | head -1 ;;
	python) echo "$("$PYTHON" --version 2>&1) http.server $PY_PROTOCOL" ;;
	*) echo "?" ;;
	esac
}

wait_ready() {
	local i code
	for ((i = 0; i < 100; i++)); do
		kill -0 "$SRV_PID" 2>/dev/null || return 1
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 \
			"http://127.0.0.1:$PORT/index.html")
		[[ $code == 200 ]] && return 0
		sleep 0.1
	done
	return 1
}

stop_server() {
	[[ -n $SRV_PID ]] || return 0
	local pids pgid i
	pids=$(py tree "$SRV_PID" 2>/dev/null)
	pgid=$(ps -o pgid= -p "$SRV_PID" 2>/dev/null | tr -d ' ')
	kill -TERM "$SRV_PID" 2>/dev/null
	# setsid made the server a group leader; signal the group (forked children)
	[[ $pgid == "$SRV_PID" ]] && kill -TERM -- "-$SRV_PID" 2>/dev/null
	for ((i = 0; i < 50; i++)); do
		local alive=0 p
		for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
		((alive)) || break
		sleep 0.1
	done
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	wait "$SRV_PID" 2>/dev/null
	SRV_PID=
}

# --------------------------------------------------------------- measuring ---
lock_on() {
	exec {LOCKFD}>>"$LOCK"
	if ! flock -n "$LOCKFD"; then
		say "waiting for $LOCK (another benchmark is measuring)"
		flock "$LOCKFD"
	fi
}
lock_off() {
	flock -u "$LOCKFD"
	exec {LOCKFD}>&-
	LOCKFD=
}

# CPU ticks of this shell's reaped children (wrk runs as one).
child_ticks() {
	local st f
	read -r st <"/proc/$$/stat"
	f=(${st##*) })
	echo $((f[13] + f[14]))
}

# run_wrk SERVER SCENARIO KEY CONNS PATH [wrk args...]; caller holds the lock.
# Runs wrk REPEAT times and keeps the run with the median KEY (rps or mib_s).
# A run during which other processes used more than FOREIGN_MAX % of a core on
# the two bench CPUs is redone (NOISY_RETRIES times at most; least noisy kept).
run_wrk() {
	local srv=$1 scen=$2 key=$3 conns=$4 path=$5
	shift 5
	local url="http://127.0.0.1:$PORT$path" raw s0 s1 c0 c1 m v r try f runs=()
	local best best_f
	for ((r = 1; r <= REPEAT; r++)); do
		best=() best_f=
		for ((try = 0; try <= NOISY_RETRIES; try++)); do
			raw="$WORK/wrk-$srv-$scen-$r-$try.txt"
			s0=$(py snap "$SRV_PID" "$SERVER_CPU" "$CLIENT_CPU")
			c0=$(child_ticks)
			taskset -c "$CLIENT_CPU" wrk -t1 -c"$conns" -d"${DUR}s" --latency \
				-s "$WORK/report.lua" "$@" "$url" >"$raw" 2>&1
			c1=$(child_ticks)
			s1=$(py snap "$SRV_PID" "$SERVER_CPU" "$CLIENT_CPU")
			f=$(py foreign "$s0" "$s1" "$((c1 - c0))" "$CLK_TCK")
			{
				echo "### $srv $scen run $r try $try (foreign CPU $f%): wrk -t1 -c$conns -d${DUR}s --latency $* $url"
				cat "$raw"
			} >>"$RAWLOG"
			say "  $scen run $r/$REPEAT: $(grep -E '^(Requests/sec|Transfer/sec)' "$raw" | tr -s ' ' | tr '\n' ' ')foreign CPU $f%"
			if [[ -z $best_f ]] || awk -v a="$f" -v b="$best_f" 'BEGIN { exit !(a < b) }'; then
				best=("$raw" "$s0" "$s1" "$((c1 - c0))") best_f=$f
			fi
			awk -v a="$f" -v b="$FOREIGN_MAX" 'BEGIN { exit !(a <= b) }' && break
			((try < NOISY_RETRIES)) && say "  noisy (other processes used $f% > $FOREIGN_MAX% of a core), redoing"
		done
		emit "$srv" "$scen" "noisy_redo_r$r" "$((try > NOISY_RETRIES ? NOISY_RETRIES : try))"
		runs+=("${best[@]}")
	done
	while IFS=$'\t' read -r m v; do
		emit "$srv" "$scen" "$m" "$v"
	done < <(py wrkmetrics "$CLK_TCK" "$key" "${runs[@]}")
}

bench_server() {
	local srv=$1 label=$1 m v
	[[ $srv == candidate ]] && label=$CANDIDATE_NAME
	SKIP_WHY="failed to start"
	pick_port
	say "== $label on 127.0.0.1:$PORT"
	if ! "start_$srv"; then
		say "skip $label: $SKIP_WHY"
		emit "$label" meta skipped "$SKIP_WHY"
		return
	fi
	if ! wait_ready; then
		local why="not ready on port $PORT: $(tail -c 300 "$WORK/$label/stderr.log" 2>/dev/null | tr '\n\t' '  ')"
		say "skip $label: $why"
		emit "$label" meta skipped "$why"
		stop_server
		return
	fi
	emit "$label" meta port "$PORT"
	emit "$label" meta version "$(version_of "$srv")"
	emit "$label" meta comm "$(cat "/proc/$SRV_PID/comm" 2>/dev/null)"

	# sanity: sizes, status, keep-alive reuse
	local f want got ka
	for f in index.html:1200 mid.bin:102400 big.bin:67108864; do
		want=${f#*:}
		got=$(curl -s -o /dev/null -w '%{http_code}:%{size_download}' \
			"http://127.0.0.1:$PORT/${f%%:*}")
		[[ $got == "200:$want" ]] || say "  WARN ${f%%:*}: got $got, want 200:$want"
		emit "$label" meta "check_${f%%:*}" "$got"
	done
	ka=$(curl -s -o /dev/null -o /dev/null -w '%{num_connects}\n' \
		"http://127.0.0.1:$PORT/index.html" "http://127.0.0.1:$PORT/index.html" | tail -1)
	emit "$label" meta keepalive_reuse "$([[ $ka == 0 ]] && echo yes || echo no)"

	# (4) idle keep-alive connections, first, on the freshly started server
	lock_on
	while IFS=$'\t' read -r m v; do
		emit "$label" idle_1k "$m" "$v"
	done < <(py idle "$PORT" "$SRV_PID" "$IDLE_CONNS" 1 /index.html)
	lock_off
	say "  idle_1k: $(grep -P "^\Q$label\E\tidle_1k\t(rss_idle_kib|rss_ka_kib|open_after)\t" "$OUT" | cut -f3,4 | tr '\t\n' '= ')"

	# (1) keep-alive small page, after a discarded warm-up
	lock_on
	taskset -c "$CLIENT_CPU" wrk -t1 -c64 -d"${WARM}s" \
		"http://127.0.0.1:$PORT/index.html" >/dev/null 2>&1
	run_wrk "$label" ka_small rps 64 /index.html
	emit "$label" ka_small rss_hwm_kib "$(awk '/VmHWM/ { print $2 }' "/proc/$SRV_PID/status")"
	lock_off
	# (1b) the cost curve: the same page at more concurrent connections (the peers'
	# stock configs cap connections lower, and no peer publishes this curve)
	local nc
	for nc in $KA_CURVE; do
		[[ $srv == candidate ]] || break
		lock_on
		ulimit -n $((nc + 1024)) 2>/dev/null || true
		run_wrk "$label" "ka_c$nc" rps "$nc" /index.html
		emit "$label" "ka_c$nc" rss_hwm_kib "$(awk '/VmHWM/ { print $2 }' "/proc/$SRV_PID/status")"
		lock_off
	done
	# (2) Connection: close small page
	lock_on
	run_wrk "$label" close_small rps 64 /index.html -H 'Connection: close'
	lock_off
	# (3) big file throughput
	lock_on
	run_wrk "$label" big_file mib_s 4 /big.bin
	lock_off
	if [[ $MID == 1 ]]; then
		lock_on
		run_wrk "$label" mid_file rps 64 /mid.bin
		lock_off
	fi
	if ! kill -0 "$SRV_PID" 2>/dev/null; then
		say "  WARN $label died during the run"
		emit "$label" meta died_during_run yes
	fi
	{
		echo "### $label stderr (tail)"
		tail -n 20 "$WORK/$label/stderr.log" 2>/dev/null
	} >>"$RAWLOG"
	stop_server
}

# -------------------------------------------------------------------- main ---
say "docroot in $WORK; results -> $OUT"
make_docroot
emit _env meta date "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
emit _env meta kernel "$(uname -r)"
emit _env meta cpus "$ncpu x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
emit _env meta wrk "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
emit _env meta idle_conns "$IDLE_CONNS"
emit _env meta pinning "server cpu $SERVER_CPU, client cpu $CLIENT_CPU"
emit _env meta durations "${DUR}s per scenario x $REPEAT (median kept), ${WARM}s warm-up, $ROUNDS interleaved round(s) (medians), QUICK=$QUICK"
emit _env meta loadavg_start "$(cut -d' ' -f1-3 /proc/loadavg)"
for ((round = 1; round <= ROUNDS; round++)); do
	((ROUNDS > 1)) && say "round $round/$ROUNDS"
	for s in $SERVERS; do
		case $s in
		nginx | nginx_ofc | lighttpd | mini_httpd | python | candidate) bench_server "$s" ;;
		*) say "unknown server '$s' in SERVERS, ignored" ;;
		esac
	done
done
emit _env meta loadavg_end "$(cut -d' ' -f1-3 /proc/loadavg)"

echo
"$PYTHON" "$HELPER" table "$OUT"
echo "TSV: $OUT"
echo "raw wrk output: $RAWLOG"
