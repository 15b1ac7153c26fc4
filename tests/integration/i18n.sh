#!/bin/sh
# i18n.sh — netlab-ping and netlabd -t in Simplified Chinese (issue 19), against the real
# netlabd on loopback: under LANG=zh_CN.UTF-8 the summary says 已发送/已接收/丢包率, a
# lost probe prints the translated timeout line, errors and usage are translated; under
# LC_ALL=C (whatever LANG and LANGUAGE say) the output is the English one byte for byte;
# --json and the JSON error document are the same in both apart from timestamps and
# measured times; a comma-decimal locale still prints '.'. The catalog is the build
# tree's po/zh_CN.gmo, uninstalled ($NETLAB_LOCALEDIR). Skips (77) only when the
# zh_CN.UTF-8 locale is missing and cannot be generated, or with --disable-nls.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init

PING=${NETLAB_PING:-$top_builddir/netlab-ping}

# ---- the locale and the catalog ------------------------------------------------------------
has_locale() {
        locale -a 2>/dev/null | grep -qix "$1"
}
# tests/check-all.sh generates the locales; as root, do it here too (idempotent).
gen_locale() {  # gen_locale zh_CN.UTF-8
        has_locale "$(echo "$1" | sed 's/UTF-8$/utf8/')" && return 0
        [ "$(id -u)" -eq 0 ] && command -v locale-gen >/dev/null && [ -f /etc/locale.gen ] || return 1
        grep -q "^$1 UTF-8" /etc/locale.gen || sed -i "s/^# *$1 UTF-8/$1 UTF-8/" /etc/locale.gen
        grep -q "^$1 UTF-8" /etc/locale.gen || echo "$1 UTF-8" >>/etc/locale.gen
        locale-gen >/dev/null 2>&1 || return 1
        has_locale "$(echo "$1" | sed 's/UTF-8$/utf8/')"
}
if ! gen_locale zh_CN.UTF-8; then
        echo "SKIP: the zh_CN.UTF-8 locale is not installed and cannot be generated here" \
             "(as root: apt-get install locales; enable zh_CN.UTF-8 in /etc/locale.gen; locale-gen)"
        exit 77
fi
mo=
for d in "$top_builddir/po" "$top_srcdir/po"; do
        [ -f "$d/zh_CN.gmo" ] && { mo=$d/zh_CN.gmo; break; }
done
if [ -z "$mo" ]; then
        grep -q '^#define ENABLE_NLS 1' "$top_builddir/config.h" || { echo "SKIP: built with --disable-nls"; exit 77; }
        nl_fail "no po/zh_CN.gmo in the build or source tree"
fi
mkdir -p "$NL_TMP/locale/zh_CN/LC_MESSAGES"
cp "$mo" "$NL_TMP/locale/zh_CN/LC_MESSAGES/netlab.mo"
NETLAB_LOCALEDIR=$NL_TMP/locale
export NETLAB_LOCALEDIR
unset LANGUAGE LC_ALL LC_MESSAGES LC_NUMERIC LANG || true

zh() {
        LANG=zh_CN.UTF-8 "$@"
}
c() {  # the C locale wins over LANG and LANGUAGE
        LC_ALL=C LANG=zh_CN.UTF-8 LANGUAGE=zh_CN "$@"
}

# ---- a server that loses about a third of the probes --------------------------------------
PORT=$(nl_free_port)
CONF="$NL_TMP/i18n.conf"
cat >"$CONF" <<CONF
log_level = "info";
echo = { listen = ["127.0.0.1:$PORT"]; loss = 0.3; seed = 19; rate_limit = 0.0; };
http = { enabled = false; };
CONF
nl_start "$CONF"

out="$NL_TMP/zh.txt"
st=0
zh "$PING" -c 30 -i 0.01 -W 0.2 "127.0.0.1:$PORT" >"$out" 2>&1 || st=$?
[ "$st" -eq 0 ] || nl_fail "zh_CN run: exit $st: $(cat "$out")"
grep -q '^已发送 30 个数据包，已接收 [0-9]* 个，丢包率 [0-9.]*%，用时 [0-9]* ms$' "$out" ||
        nl_fail "zh_CN summary: $(cat "$out")"
grep -q '^seq=[0-9]* 请求超时。$' "$out" || nl_fail "zh_CN timeout line: $(cat "$out")"
grep -q '^[0-9]* 字节，来自 127.0.0.1：seq=[0-9]* 时间=[0-9.]* ms$' "$out" || nl_fail "zh_CN reply line: $(cat "$out")"
grep -q '^往返时延 最小/平均/最大/平均偏差 = ' "$out" || nl_fail "zh_CN RTT line: $(cat "$out")"
grep -q '^丢失 [0-9]* 个：' "$out" || nl_fail "zh_CN loss split: $(cat "$out")"
grep -q '^--- 127.0.0.1 netlab-ping 统计信息 ---$' "$out" || nl_fail "zh_CN statistics heading: $(cat "$out")"
grep -Eq 'packets|received|timeout|bytes from' "$out" && nl_fail "English left in the zh_CN run: $(cat "$out")"
nl_pass "LANG=zh_CN.UTF-8: 已发送/已接收/丢包率, 请求超时, per-probe and RTT lines in Chinese"

# plurals come from the catalog (Chinese has one form)
c "$PING" -c 30 -i 0.01 -W 0.2 "127.0.0.1:$PORT" >"$NL_TMP/c.txt" 2>&1 || nl_fail "LC_ALL=C run: exit $?"
grep -q '^30 packets transmitted, [0-9]* received, [0-9.]*% packet loss, time [0-9]*ms$' "$NL_TMP/c.txt" ||
        nl_fail "LC_ALL=C summary: $(cat "$NL_TMP/c.txt")"
grep -q '^seq=[0-9]* timeout$' "$NL_TMP/c.txt" || nl_fail "LC_ALL=C timeout line: $(cat "$NL_TMP/c.txt")"
grep -q '[^ -~]' "$NL_TMP/c.txt" && nl_fail "LC_ALL=C output has non-ASCII bytes: $(cat "$NL_TMP/c.txt")"
nl_pass "LC_ALL=C (LANG=zh_CN.UTF-8 LANGUAGE=zh_CN): the iputils summary line and ASCII English"

# ---- errors and usage ----------------------------------------------------------------------
st=0
zh "$PING" -c abc 127.0.0.1 >"$out" 2>&1 || st=$?
[ "$st" -eq 2 ] || nl_fail "zh_CN bad -c: exit $st"
grep -q '^netlab-ping: 无效的次数“abc”$' "$out" || nl_fail "zh_CN usage error: $(cat "$out")"
grep -q '^详细信息请运行“netlab-ping --help”。$' "$out" || nl_fail "zh_CN usage hint: $(cat "$out")"
zh "$PING" -c 1 no-such-host.invalid >"$out" 2>&1 && nl_fail "unknown host: exit 0"
grep -q '^netlab-ping: 无法解析“no-such-host.invalid”：' "$out" || nl_fail "zh_CN resolve error: $(cat "$out")"
zh "$PING" -c 2 -i 0.01 127.0.0.1:9 >"$out" 2>&1 && nl_fail "unreachable: exit 0"
grep -q '^来自 127.0.0.1：seq=0 目标端口不可达$' "$out" || nl_fail "zh_CN unreachable line: $(cat "$out")"
zh "$PING" --help >"$out" 2>&1 || nl_fail "zh_CN --help: exit $?"
grep -q '^用法：netlab-ping \[选项\] 主机\[:端口\]$' "$out" || nl_fail "zh_CN --help: $(cat "$out")"
zh "$NETLABD" -t -c "$CONF" >"$out" 2>&1 || nl_fail "zh_CN netlabd -t: exit $?"
grep -q "^$CONF：配置正确\$" "$out" || nl_fail "zh_CN netlabd -t: $(cat "$out")"
grep -q '^回显：每个往返丢包率 30.00%（random），' "$out" || nl_fail "zh_CN netlabd -t echo line: $(cat "$out")"
st=0
zh "$NETLABD" --help >"$out" 2>&1 || st=$?
grep -q '^用法：.*netlabd \[选项\]$' "$out" || nl_fail "zh_CN netlabd --help: $(cat "$out")"
st=0
zh "$NETLABD" --bogus >"$out" 2>&1 || st=$?
[ "$st" -eq 64 ] || nl_fail "zh_CN netlabd --bogus: exit $st"
grep -q '^netlabd：未知选项“--bogus”$' "$out" || nl_fail "zh_CN netlabd usage error: $(cat "$out")"
grep -q '^详细信息请运行“netlabd --help”。$' "$out" || nl_fail "zh_CN netlabd usage hint: $(cat "$out")"
# -t's configuration errors: the range check (conf.c) and the unknown key (its hint).
printf 'echo = { loss = 7; lose = 0.1; };\n' >"$NL_TMP/bad.conf"
st=0
zh "$NETLABD" -t -c "$NL_TMP/bad.conf" >"$out" 2>&1 || st=$?
[ "$st" -eq 78 ] || nl_fail "zh_CN netlabd -t bad.conf: exit $st"
grep -q "^$NL_TMP/bad.conf:1: “echo.loss”为 7，允许范围为 0..1\$" "$out" ||
        nl_fail "zh_CN netlabd -t range error: $(cat "$out")"
grep -q "^$NL_TMP/bad.conf:1: 未知的键“echo.lose”，您是否想写“loss”？\$" "$out" ||
        nl_fail "zh_CN netlabd -t unknown key: $(cat "$out")"
nl_pass "zh_CN: usage, resolve and unreachable errors, --help, netlabd usage errors, -t (and its configuration errors) and --help translated"

# ---- LC_ALL=C is today's English, byte for byte ----------------------------------------------
# The English is the msgid itself, so C (however LANG and LANGUAGE are set) and an
# environment without any locale variable must print the same bytes.
for args in "--help" "-c abc 127.0.0.1" "-c 1 -x 127.0.0.1" "--json -c abc 127.0.0.1" \
            "-c 2 -i 0.01 127.0.0.1:9" "-q -c 2 -i 0.01 127.0.0.1:9"; do
        # shellcheck disable=SC2086
        c "$PING" $args >"$NL_TMP/a.txt" 2>&1 || true
        # shellcheck disable=SC2086
        env -u LANG -u LANGUAGE -u LC_ALL "$PING" $args >"$NL_TMP/b.txt" 2>&1 || true
        sed -i 's/time [0-9]*ms/time Nms/' "$NL_TMP/a.txt" "$NL_TMP/b.txt"
        cmp -s "$NL_TMP/a.txt" "$NL_TMP/b.txt" ||
                nl_fail "LC_ALL=C differs from no locale for '$args': $(diff "$NL_TMP/a.txt" "$NL_TMP/b.txt")"
done
c "$NETLABD" -t -c "$CONF" >"$NL_TMP/a.txt" 2>&1
env -u LANG -u LANGUAGE -u LC_ALL "$NETLABD" -t -c "$CONF" >"$NL_TMP/b.txt" 2>&1
cmp -s "$NL_TMP/a.txt" "$NL_TMP/b.txt" || nl_fail "netlabd -t: LC_ALL=C differs from no locale"
grep -q "^$CONF: configuration ok\$" "$NL_TMP/a.txt" || nl_fail "netlabd -t under C: $(cat "$NL_TMP/a.txt")"
c "$NETLABD" -t -c "$NL_TMP/bad.conf" >"$NL_TMP/a.txt" 2>&1 || true
env -u LANG -u LANGUAGE -u LC_ALL "$NETLABD" -t -c "$NL_TMP/bad.conf" >"$NL_TMP/b.txt" 2>&1 || true
cmp -s "$NL_TMP/a.txt" "$NL_TMP/b.txt" || nl_fail "netlabd -t bad.conf: LC_ALL=C differs from no locale"
grep -q "'echo.loss' is 7, allowed range is 0..1" "$NL_TMP/a.txt" || nl_fail "netlabd -t bad.conf under C: $(cat "$NL_TMP/a.txt")"
nl_pass "LC_ALL=C: --help, usage errors, unreachable runs and netlabd -t byte-identical to English"

# ---- machine-read output does not change with the locale -----------------------------------
zh "$PING" --json -c abc 127.0.0.1 >"$NL_TMP/a.json" 2>/dev/null || true
c "$PING" --json -c abc 127.0.0.1 >"$NL_TMP/b.json" 2>/dev/null || true
cmp -s "$NL_TMP/a.json" "$NL_TMP/b.json" || nl_fail "JSON usage error differs: $(cat "$NL_TMP/a.json" "$NL_TMP/b.json")"
zh "$PING" --json -c 1 no-such-host.invalid >"$NL_TMP/a.json" 2>/dev/null || true
grep -q '"message":"Failed to resolve' "$NL_TMP/a.json" || nl_fail "zh_CN JSON resolve error: $(cat "$NL_TMP/a.json")"

# A lossless second server, so both runs see the same counts.
PORT2=$(nl_free_port)
cat >"$NL_TMP/clean.conf" <<CONF
log_level = "info";
echo = { listen = ["127.0.0.1:$PORT2"]; loss = 0.0; seed = 1; rate_limit = 0.0; };
http = { enabled = false; };
CONF
nl_start "$NL_TMP/clean.conf"
for mode in --json --json-lines; do
        zh "$PING" $mode -c 5 -i 0.01 "127.0.0.1:$PORT2" >"$NL_TMP/a.json" 2>&1 || nl_fail "zh_CN $mode: exit $?"
        c "$PING" $mode -c 5 -i 0.01 "127.0.0.1:$PORT2" >"$NL_TMP/b.json" 2>&1 || nl_fail "C $mode: exit $?"
        zh "$PING" $mode -c 3 -i 0.01 127.0.0.1:9 >"$NL_TMP/c.json" 2>&1 || true
        c "$PING" $mode -c 3 -i 0.01 127.0.0.1:9 >"$NL_TMP/d.json" 2>&1 || true
        python3 - "$NL_TMP/a.json" "$NL_TMP/b.json" "$NL_TMP/c.json" "$NL_TMP/d.json" <<'PY' || nl_fail "$mode differs between zh_CN and C"
import json, sys

# Timestamps and measured times (floats) vary from run to run; every key, count,
# string and flag must be the same, and no text may be translated.
def norm(v):
    if isinstance(v, dict):
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if isinstance(v, float):
        return "float"
    return v

def load(path):
    text = open(path, encoding="utf-8").read()
    if any(ord(ch) > 127 for ch in text):
        sys.exit(f"{path}: non-ASCII in JSON: {text}")
    docs = [json.loads(line) for line in text.splitlines() if line.strip()]
    for d in docs:
        for k in ("time", "start_time"):
            d.pop(k, None)
    return norm(docs)

a, b, c, d = (load(p) for p in sys.argv[1:])
if a != b:
    sys.exit(f"lossless run:\n{a}\n{b}")
if c != d:
    sys.exit(f"unreachable run:\n{c}\n{d}")
PY
done
nl_pass "--json and --json-lines: same keys, counts and strings under zh_CN and C (English errors)"

# ---- one decimal point -----------------------------------------------------------------------
if gen_locale de_DE.UTF-8; then
        LC_ALL=de_DE.UTF-8 "$PING" -c 3 -i 0.01 "127.0.0.1:$PORT2" >"$out" 2>&1 || nl_fail "de_DE: exit $?"
        grep -q '^64 bytes from 127.0.0.1: seq=0 time=[0-9]*\.[0-9]* ms$' "$out" || nl_fail "de_DE decimal point: $(cat "$out")"
        grep -q '[0-9],[0-9]' "$out" && nl_fail "de_DE printed a decimal comma: $(cat "$out")"
        nl_pass "LC_ALL=de_DE.UTF-8: numbers keep the '.' decimal point"
else
        echo "note: de_DE.UTF-8 cannot be generated here; decimal-point check not run"
fi
exit 0
