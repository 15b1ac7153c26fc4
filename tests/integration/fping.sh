#!/bin/sh
# fping.sh — netlab-fping (issue 17) as SmokePing 2.7.3's stock FPing probe runs it:
# the exact -C lines on stderr ("HOST : 0.10 0.12 - 0.11"), the start-up call
# "-C 1 HOST 2>&1" matched with FPing.pm's own regex for the time unit, and, when Debian's
# smokeping is installed, Smokeping::probes::FPing itself loaded and run against the link
# (its argv, its parser). Hosts: a netlabd without loss, a port nobody listens on, a name
# that does not resolve. Every wait is bounded.
set -eu
. "$top_srcdir/tests/integration/lib.sh"
nl_init

PORT=$(nl_free_port)
DEAD=$(nl_free_port)
CONF="$NL_TMP/netlab.conf"
cat >"$CONF" <<CONF
log_level = "info";
echo = { listen = ["127.0.0.1:$PORT"]; loss = 0.0; rate_limit = 0.0; };
http = { enabled = false; };
CONF
nl_start "$CONF"
# the link 'make install' creates: argv[0] decides
ln -s "$top_builddir/netlab-ping" "$NL_TMP/netlab-fping"
FPING="$NL_TMP/netlab-fping"

# ---- SmokePing's probing command line ---------------------------------------------------------
st=0
timeout 20 "$FPING" -C 5 -q -B1 -r1 -4 -b56 -t500 -i10 -p20 "127.0.0.1:$PORT" "127.0.0.1:$DEAD" nosuch.invalid \
        >"$NL_TMP/out" 2>"$NL_TMP/err" || st=$?
[ "$st" = 2 ] || nl_fail "exit $st, want 2 (a name did not resolve): $(cat "$NL_TMP/err")"
[ ! -s "$NL_TMP/out" ] || nl_fail "-q wrote to stdout: $(cat "$NL_TMP/out")"
grep -Eq "^127\.0\.0\.1:$PORT : [0-9]+\.[0-9]+ [0-9]+\.[0-9]+ [0-9]+\.[0-9]+ [0-9]+\.[0-9]+ [0-9]+\.[0-9]+\$" "$NL_TMP/err" ||
        nl_fail "live host line: $(cat "$NL_TMP/err")"
grep -q "^127\.0\.0\.1:$DEAD : - - - - -\$" "$NL_TMP/err" || nl_fail "dead host line: $(cat "$NL_TMP/err")"
grep -q '^nosuch.invalid: ' "$NL_TMP/err" || nl_fail "no error line for the bad name"
# FPing.pm keeps only lines matching /^\S+\s+:\s+[-\d\.]/: exactly the two host lines
[ "$(grep -Ec '^[^[:space:]]+[[:space:]]+:[[:space:]]+[-0-9.]' "$NL_TMP/err")" = 2 ] || nl_fail "lines SmokePing would read"
nl_pass "-C 5 -q -B1 -r1 -4 -b56 -t500 -i10 -p20: fping's lines on stderr, '-' for lost, exit 2"

# ---- the start-up call and FPing.pm's time-unit regex -----------------------------------------
timeout 10 "$FPING" -C 1 "127.0.0.1:$PORT" >"$NL_TMP/start" 2>&1 || nl_fail "-C 1: exit $?"
perl -e 'local $/; my $r = <STDIN>;
         exit(($r =~ m/bytes, ([0-9.]+)\sms\s+.*\n.*\n.*:\s+([0-9.]+)/ and $1 > 0 and $1 == $2) ? 0 : 1)' \
        <"$NL_TMP/start" || nl_fail "FPing.pm's unit regex does not match: $(cat "$NL_TMP/start")"
nl_pass "-C 1 HOST 2>&1: FPing.pm's unit regex finds the same RTT twice (milliseconds)"

# ---- SmokePing's FPing probe module itself ------------------------------------------------------
# Smokeping.pm refuses to load with LC_ALL set (it resets LC_NUMERIC), and make check sets
# LC_ALL=C.UTF-8: the same locale through LANG instead.
smokeping_perl() { env -u LC_ALL LANG=C.UTF-8 perl "$@"; }
if smokeping_perl -MSmokeping::probes::FPing -e 1 2>/dev/null; then
        timeout 30 env -u LC_ALL LANG=C.UTF-8 perl - "$FPING" "127.0.0.1:$PORT" "127.0.0.1:$DEAD" >"$NL_TMP/pm" 2>&1 <<'PL' || nl_fail "FPing.pm: $(cat "$NL_TMP/pm")"
use strict; use warnings;
use Smokeping::probes::FPing;
my ($bin, $live, $dead) = @ARGV;
local $SIG{__WARN__} = sub { die "FPing.pm warned: @_" };
no warnings 'redefine';
*Smokeping::probes::FPing::testhost = sub { $live };     # instead of localhost:8080
my $p = Smokeping::probes::FPing->new({ binary => $bin, pings => 4, mininterval => 0.01, hostinterval => 0.02,
                                         timeout => 0.5, packetsize => 56, protocol => 4 }, {}, "FPing");
# 1000 * $2 / $1 with $1 == $2 (the regex matched): 1000 up to rounding; no "assuming" warning
die "pingfactor $p->{pingfactor}\n" unless abs($p->{pingfactor} - 1000) < 1e-6;
$p->{targets} = { live => $live, dead => $dead };
$p->ping;
my @l = @{$p->{rtts}{live} || []};
my @d = @{$p->{rtts}{dead} || []};
die "live: @l\n" unless @l == 4 && !grep { $_ <= 0 || $_ > 0.5 } @l;
die "dead: @d\n" unless @d == 0;
print "ok @l\n";
PL
        nl_pass "Smokeping::probes::FPing: pingfactor 1000, 4 RTTs in seconds for the live host, none for the dead one"
else
        nl_fail "Debian's smokeping is not installed (tests/check-all.sh installs it)"
fi
