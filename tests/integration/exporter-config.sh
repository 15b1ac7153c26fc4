#!/bin/sh
# exporter-config.sh — the example Prometheus files of issue 17: promtool check config
# (conf/prometheus/netlab-fleet.yml, which loads the rules), promtool check rules, and
# promtool test rules (tests/data/prometheus/rules-test.yml: the loss alert fires above
# the configured rate's interval and not at it; the exporter-down alert fires after 2 m).
set -eu
: "${top_srcdir:?run through make check}"
command -v promtool >/dev/null || { echo "FAIL: promtool not installed (Debian package prometheus)"; exit 1; }
promtool check config "$top_srcdir/conf/prometheus/netlab-fleet.yml"
promtool check rules "$top_srcdir/conf/prometheus/netlab-rules.yml"
cd "$top_srcdir/tests/data/prometheus" && promtool test rules rules-test.yml
echo "ok: example config and rules check; alert rules unit-tested"
