/* exporter_render.h — PURE: the Prometheus text (exposition format 0.0.4) the exporter
 * answers: the result of one or several probe runs (GET /probe, and the rolling windows
 * of --target in GET /metrics), and the prober's own process metrics. Input is plain
 * data (Stats snapshots, counters read by exporter.c); output goes into a StrBuf. No I/O,
 * no clock, no log; tests/test_exporter_render.c tables it and `promtool check metrics`
 * checks real answers (tests/integration/exporter.sh). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ping_output.h"
#include "stats.h"
#include "strbuf.h"

#define EXPORTER_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Fixed bucket layout of the RTT histogram (--rtt-histogram), upper bounds in seconds:
 * 1-2.5-5 steps from 100 us to 10 s, plus +Inf. Counts come from the HDR histogram of
 * stats.h, so a value is placed by its bucket's midpoint (within 1/2048 of its value). */
#define EXPORTER_RTT_BUCKETS_USEC                                                                       \
        100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, \
                5000000, 10000000

/* One probe run, as rendered. */
typedef struct ExporterReport {
        const char *labels;   /* e.g. `target="a",mode="udp"`, or NULL/"" (borrowed) */
        const char *failure;  /* NULL: ran; else the reason label value (borrowed):
                                         * "resolve", "socket", "no_reply", "shed", ... */
        const Stats *stats;   /* borrowed; NULL when the probe never ran */
        nsec_t duration;      /* first send (or request) to the result */
        uint64_t http_errors; /* HTTP mode: requests without a status */
        uint64_t http_non2xx;
} ExporterReport;

/* Whether @r counts as a success: it ran, and at least one probe was answered in time. */
bool exporter_render_success(const ExporterReport *r);

/* Appends the netlab_probe_* families for reports @r[0..n), each family once with one
 * sample per report (labels from ExporterReport.labels): success (with a "reason" label
 * when 0), duration, packets sent/received/lost/late/duplicate/failed, lost by cause
 * (upstream, emulated, downstream, unattributed; without a split all go to
 * unattributed), RTT min/avg/max/stddev, RTT as a summary (quantiles 0.5, 0.9, 0.99) or,
 * with @histogram, as a histogram with EXPORTER_RTT_BUCKETS_USEC, and jitter (mean |dRTT|
 * and RFC 3550). A report that did not run gets success, duration and zero packet counts
 * only. Latches -ENOMEM in @b like every StrBuf append. */
void exporter_render_probes(StrBuf *b, const ExporterReport *r, size_t n, bool histogram);

/* The prober's own state for GET /metrics, read by exporter.c. */
typedef struct ExporterProcess {
        const char *version;
        double start_time;  /* process_start_time_seconds (Unix time) */
        double cpu_seconds; /* user + system */
        uint64_t rss_bytes;
        uint64_t open_fds;
        uint64_t max_fds;
        uint64_t probes_success, probes_failure;
        uint64_t shed_concurrency; /* refused: --max-concurrent reached */
        uint64_t shed_overload;    /* refused or skipped: the loop lags (CPU saturated) */
        uint64_t in_flight;        /* probe runs now */
        uint64_t max_concurrent;
        double loop_lag_seconds;   /* worst timer lateness in the last period */
        uint64_t packets_sent;     /* over all runs, for rate() */
        uint64_t http_requests[5]; /* answers by class: 2xx, 3xx (unused), 4xx, 5xx, other */
        uint64_t targets;          /* --target entries */
} ExporterProcess;

/* Appends process_* (the names Prometheus client libraries use) and netlab_exporter_*
 * families for @p. */
void exporter_render_process(StrBuf *b, const ExporterProcess *p);

