/* exporter_render.c — PURE: Prometheus text for the exporter. exporter.c gathers Stats
 * snapshots and process counters and hands them here; each metric family is written once,
 * with one sample per report, so a scrape of many --target windows stays valid text
 * (one HELP/TYPE per family, samples of a family together). */
#include <assert.h>
#include <math.h>

#include "exporter_render.h"
#include "prom_text.h"

static const uint64_t rtt_bounds_usec[] = { EXPORTER_RTT_BUCKETS_USEC };

/* name{labels,extra} value: either label part may be empty. */
static void sample(StrBuf *b, const char *name, const char *labels, const char *extra, double v) {
        bool l = labels && *labels, e = extra && *extra;

        strbuf_puts(b, name);
        if (l || e) {
                strbuf_putc(b, '{');
                if (l)
                        strbuf_puts(b, labels);
                if (l && e)
                        strbuf_putc(b, ',');
                if (e)
                        strbuf_puts(b, extra);
                strbuf_putc(b, '}');
        }
        strbuf_putc(b, ' ');
        prom_text_value(b, v);
        strbuf_putc(b, '\n');
}

bool exporter_render_success(const ExporterReport *r) {
        assert(r);
        return !r->failure && r->stats && r->stats->received > 0;
}

static double sec(double ns) {
        return ns / (double) NSEC_PER_SEC;
}

typedef double (*Getter)(const ExporterReport *r);

static double get_sent(const ExporterReport *r) {
        return (double) r->stats->sent;
}
static double get_received(const ExporterReport *r) {
        return (double) r->stats->received;
}
static double get_lost(const ExporterReport *r) {
        return (double) stats_lost(r->stats);
}
static double get_late(const ExporterReport *r) {
        return (double) r->stats->late;
}
static double get_dup(const ExporterReport *r) {
        return (double) r->stats->duplicates;
}
static double get_failed(const ExporterReport *r) {
        return (double) r->stats->failed;
}
static double get_rtt_min(const ExporterReport *r) {
        return r->stats->rtt.n ? sec(r->stats->rtt.min) : NAN;
}
static double get_rtt_avg(const ExporterReport *r) {
        return r->stats->rtt.n ? sec(r->stats->rtt.mean) : NAN;
}
static double get_rtt_max(const ExporterReport *r) {
        return r->stats->rtt.n ? sec(r->stats->rtt.max) : NAN;
}
static double get_rtt_stddev(const ExporterReport *r) {
        return r->stats->rtt.n ? sec(stats_welford_stddev(&r->stats->rtt)) : NAN;
}
static double get_jitter(const ExporterReport *r) {
        return r->stats->drtt_n ? sec(stats_jitter_mean_abs(r->stats)) : NAN;
}
static double get_jitter_rfc3550(const ExporterReport *r) {
        return r->stats->drtt_n ? sec(r->stats->jitter_rfc3550) : NAN;
}

/* One gauge family over every report that ran (@all: over every report, 0 if it did not). */
static void gauge(StrBuf *b, const ExporterReport *r, size_t n, const char *name, const char *help,
                  Getter get, bool all) {
        prom_text_family(b, name, "gauge", help);
        for (size_t i = 0; i < n; i++)
                if (r[i].stats)
                        sample(b, name, r[i].labels, NULL, get(&r[i]));
                else if (all)
                        sample(b, name, r[i].labels, NULL, 0);
}

static void lost_by_cause(StrBuf *b, const ExporterReport *r, size_t n) {
        static const char *const causes[] = { "upstream", "emulated", "downstream", "unattributed" };
        const char *name = "netlab_probe_packets_lost_by_cause";

        prom_text_family(b, name, "gauge",
                         "Probes lost in this run, by where: before the server (upstream), dropped by netlabd on "
                         "purpose (emulated), on the way back (downstream), or not known (unattributed; late replies "
                         "are not included)");
        for (size_t i = 0; i < n; i++) {
                StatsLossSplit ls = {};
                uint64_t v[4] = {};

                if (r[i].stats) {
                        stats_loss_split(r[i].stats, &ls);
                        if (ls.has_split) {
                                v[0] = ls.upstream;
                                v[1] = ls.emulated;
                                v[2] = ls.downstream;
                                v[3] = ls.unknown;
                        } else
                                v[3] = ls.lost - MIN(ls.late, ls.lost);
                }
                for (size_t k = 0; k < ELEMENTSOF(causes); k++) {
                        char extra[32];

                        snprintf(extra, sizeof(extra), "cause=\"%s\"", causes[k]);
                        sample(b, name, r[i].labels, extra, (double) v[k]);
                }
        }
}

static void rtt_distribution(StrBuf *b, const ExporterReport *r, size_t n, bool histogram) {
        const char *name = "netlab_probe_rtt_seconds";
        char metric[64], extra[48];

        prom_text_family(
                b, name, histogram ? "histogram" : "summary",
                histogram ? "Round-trip times of the on-time replies of this run (buckets: netlab-ping(1))" :
                            "Round-trip times of the on-time replies of this run");
        for (size_t i = 0; i < n; i++) {
                const Stats *st = r[i].stats;

                if (!st)
                        continue;
                if (histogram) {
                        snprintf(metric, sizeof(metric), "%s_bucket", name);
                        for (size_t k = 0; k < ELEMENTSOF(rtt_bounds_usec); k++) {
                                uint64_t bound = rtt_bounds_usec[k] * NSEC_PER_USEC;
                                /* count_below(v) counts midpoints < v; "le" is inclusive */
                                uint64_t c = bound >= st->rtt_hist.max ?
                                                     st->rtt_hist.n :
                                                     stats_hist_count_below(&st->rtt_hist, bound + 1);

                                snprintf(extra, sizeof(extra), "le=\"%g\"", (double) rtt_bounds_usec[k] / 1e6);
                                sample(b, metric, r[i].labels, extra, (double) c);
                        }
                        sample(b, metric, r[i].labels, "le=\"+Inf\"", (double) st->rtt_hist.n);
                } else {
                        static const double q[] = { 0.5, 0.9, 0.99 };

                        for (size_t k = 0; k < ELEMENTSOF(q); k++) {
                                snprintf(extra, sizeof(extra), "quantile=\"%g\"", q[k]);
                                sample(b, name, r[i].labels, extra,
                                       st->rtt_hist.n ?
                                               sec((double) stats_hist_percentile(&st->rtt_hist, q[k] * 100)) :
                                               NAN);
                        }
                }
                snprintf(metric, sizeof(metric), "%s_sum", name);
                sample(b, metric, r[i].labels, NULL, st->rtt.n ? sec(st->rtt.mean * (double) st->rtt.n) : 0);
                snprintf(metric, sizeof(metric), "%s_count", name);
                sample(b, metric, r[i].labels, NULL, (double) st->rtt.n);
        }
}

void exporter_render_probes(StrBuf *b, const ExporterReport *r, size_t n, bool histogram) {
        const char *name;

        assert(b);
        assert(r || n == 0);

        name = "netlab_probe_success";
        prom_text_family(
                b, name, "gauge",
                "1 if at least one probe of this run was answered in time; 0 with a reason label otherwise");
        for (size_t i = 0; i < n; i++) {
                bool ok = exporter_render_success(&r[i]);
                StrBuf reason = {};

                if (!ok) {
                        strbuf_puts(&reason, "reason=\"");
                        prom_text_label_value(&reason, r[i].failure ?: "no_reply");
                        strbuf_putc(&reason, '"');
                }
                sample(b, name, r[i].labels, ok ? NULL : strbuf_str(&reason), ok ? 1 : 0);
                strbuf_done(&reason);
        }

        name = "netlab_probe_duration_seconds";
        prom_text_family(b, name, "gauge", "How long the run took, from the request to the result");
        for (size_t i = 0; i < n; i++)
                sample(b, name, r[i].labels, NULL, sec((double) r[i].duration));

        gauge(b, r, n, "netlab_probe_packets_sent", "Probes sent in this run", get_sent, true);
        gauge(b, r, n, "netlab_probe_packets_received", "Probes answered within the timeout", get_received,
              true);
        gauge(b, r, n, "netlab_probe_packets_lost",
              "Probes without an on-time reply (late ones included, errors not)", get_lost, true);
        lost_by_cause(b, r, n);
        gauge(b, r, n, "netlab_probe_packets_late", "Probes answered after the timeout (counted as lost)",
              get_late, true);
        gauge(b, r, n, "netlab_probe_packets_duplicate", "Extra copies of replies", get_dup, true);
        gauge(b, r, n, "netlab_probe_packets_failed",
              "Probes ended by an error (ICMP unreachable; HTTP: no status or not 2xx)", get_failed, true);
        gauge(b, r, n, "netlab_probe_rtt_min_seconds", "Smallest round-trip time of the run", get_rtt_min,
              false);
        gauge(b, r, n, "netlab_probe_rtt_avg_seconds", "Mean round-trip time of the run", get_rtt_avg, false);
        gauge(b, r, n, "netlab_probe_rtt_max_seconds", "Largest round-trip time of the run", get_rtt_max, false);
        gauge(b, r, n, "netlab_probe_rtt_stddev_seconds",
              "Population standard deviation of the round-trip times (ping's mdev)", get_rtt_stddev, false);
        rtt_distribution(b, r, n, histogram);
        gauge(b, r, n, "netlab_probe_jitter_seconds",
              "Mean absolute difference of consecutive round-trip times", get_jitter, false);
        gauge(b, r, n, "netlab_probe_jitter_rfc3550_seconds",
              "RFC 3550 smoothed jitter over consecutive round-trip times", get_jitter_rfc3550, false);
}

static void one(StrBuf *b, const char *name, const char *type, const char *help, double v) {
        prom_text_family(b, name, type, help);
        sample(b, name, NULL, NULL, v);
}

void exporter_render_process(StrBuf *b, const ExporterProcess *p) {
        static const char *const classes[] = { "2xx", "3xx", "4xx", "5xx", "other" };
        char extra[64];

        assert(b);
        assert(p);

        prom_text_family(b, "netlab_exporter_build_info", "gauge", "Always 1; the version is a label");
        StrBuf v = {};
        strbuf_puts(&v, "version=\"");
        prom_text_label_value(&v, p->version);
        strbuf_putc(&v, '"');
        sample(b, "netlab_exporter_build_info", NULL, strbuf_str(&v), 1);
        strbuf_done(&v);

        one(b, "process_start_time_seconds", "gauge",
            "Start time of the process since the Unix epoch in seconds", p->start_time);
        one(b, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds",
            p->cpu_seconds);
        one(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes", (double) p->rss_bytes);
        one(b, "process_open_fds", "gauge", "Number of open file descriptors", (double) p->open_fds);
        one(b, "process_max_fds", "gauge", "Maximum number of open file descriptors", (double) p->max_fds);

        prom_text_family(b, "netlab_exporter_probes_total", "counter", "Probe runs finished, by result");
        sample(b, "netlab_exporter_probes_total", NULL, "result=\"success\"", (double) p->probes_success);
        sample(b, "netlab_exporter_probes_total", NULL, "result=\"failure\"", (double) p->probes_failure);
        prom_text_family(b, "netlab_exporter_probes_shed_total", "counter",
                         "Probe runs refused or skipped because the exporter is at capacity: --max-concurrent reached "
                         "(concurrency) or its event loop lagging (overload)");
        sample(b, "netlab_exporter_probes_shed_total", NULL, "reason=\"concurrency\"",
               (double) p->shed_concurrency);
        sample(b, "netlab_exporter_probes_shed_total", NULL, "reason=\"overload\"", (double) p->shed_overload);
        one(b, "netlab_exporter_probes_in_flight", "gauge", "Probe runs in progress", (double) p->in_flight);
        one(b, "netlab_exporter_probes_concurrent_max", "gauge", "The --max-concurrent limit",
            (double) p->max_concurrent);
        one(b, "netlab_exporter_loop_lag_seconds", "gauge",
            "Worst lateness of the exporter's 100 ms tick over the last second: above --max-lag new runs are shed",
            p->loop_lag_seconds);
        one(b, "netlab_exporter_packets_sent_total", "counter", "Probes sent by all runs",
            (double) p->packets_sent);
        one(b, "netlab_exporter_targets", "gauge", "Targets probed continuously (--target)",
            (double) p->targets);
        prom_text_family(b, "netlab_exporter_http_requests_total", "counter",
                         "HTTP requests answered, by status class");
        for (size_t i = 0; i < ELEMENTSOF(classes); i++) {
                snprintf(extra, sizeof(extra), "code=\"%s\"", classes[i]);
                sample(b, "netlab_exporter_http_requests_total", NULL, extra, (double) p->http_requests[i]);
        }
}
