/* ping_output_json.c — the second file of the ping_output module (declared in
 * ping_output.h): the --json document and the --json-lines records (start, probe,
 * interim, summary) and the --json error document, in the layout netlab-ping(1)
 * documents, versioned by PING_JSON_FORMAT_VERSION. Called only by ping_output.c; calls
 * stats.h readers, ping_output.c's histogram rows and the shared json.c. No catalog. */

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "json.h"
#include "macro.h"
#include "ping_output.h"

static const char *const percentile_names[] = { "p50", "p90", "p99", "p99_9" };
static_assert(ELEMENTSOF(percentile_names) == ELEMENTSOF(ping_output_percentiles), "one name per percentile");

static double ms(double ns) {
        return ns / 1e6;
}

static const char *mode_name(PingMode m) {
        return m == PING_MODE_HTTP ? "http" : m == PING_MODE_STAMP ? "stamp" : "udp";
}

/* ---- JSON pieces ---------------------------------------------------------------------- */

/* Milliseconds with 6 decimals, or null when there is no value. */
static void put_ms(Json *j, const char *key, bool valid, double ns) {
        if (valid)
                json_fixed(j, key, ms(ns), 6);
        else
                json_null(j, key);
}

/* A wall-clock time as seconds with exactly 6 decimals. A double holds any microsecond
 * count below 2^53 within half a microsecond, so "%.6f" gives the digits back unchanged. */
static void put_wall(Json *j, const char *key, uint64_t wall_usec) {
        json_fixed(j, key, (double) wall_usec / 1e6, 6);
}

static void put_hist_percentiles(Json *j, const StatsHist *h) {
        for (size_t i = 0; i < ELEMENTSOF(ping_output_percentiles); i++)
                put_ms(j, percentile_names[i], h->n > 0,
                       (double) stats_hist_percentile(h, ping_output_percentiles[i]));
}

static void put_welford(Json *j, const StatsWelford *w) {
        put_ms(j, "min", w->n > 0, w->min);
        put_ms(j, "avg", w->n > 0, w->mean);
        put_ms(j, "max", w->n > 0, w->max);
        put_ms(j, "mdev", w->n > 0, stats_welford_stddev(w));
}

/* "tool", "version", "mode", "target", "options": the start record and the document. */
static void put_run(Json *j, const PingOutputConf *c) {
        json_i64(j, "format_version", PING_JSON_FORMAT_VERSION);
        json_string(j, "tool", "netlab-ping");
        json_string(j, "version", PACKAGE_VERSION);
        json_string(j, "mode", mode_name(c->mode));
        json_object_open(j, "target");
        json_string(j, "host", c->host);
        json_string(j, "address", c->address);
        json_u64(j, "port", c->port);
        json_string(j, "url", c->url);
        json_object_close(j);
        json_object_open(j, "options");
        json_u64(j, "count", c->count);
        json_fixed(j, "interval_s", (double) c->interval / 1e9, 6);
        json_fixed(j, "timeout_s", (double) c->timeout / 1e9, 6);
        json_fixed(j, "deadline_s", (double) c->deadline / 1e9, 6);
        json_u64(j, "size", c->size);
        json_bool(j, "flood", c->flood);
        json_object_close(j);
}

/* Ends the record or document in @j with a newline and writes it to @f. If building it ran
 * out of memory, nothing is written: half a record would not be JSON. */
static void put_line(FILE *f, Json *j) {
        _cleanup_free_ char *text = NULL;
        size_t len;

        json_append_raw(j, "\n");
        if (json_finish(j, &text, &len) < 0)
                return;
        (void) fwrite(text, 1, len, f);
}

/* ---- records and documents --------------------------------------------------------------- */

void ping_output_json_start(FILE *f, const PingOutputConf *c) {
        _cleanup_(json_done) Json j = {};

        json_object_open(&j, NULL);
        json_string(&j, "type", "start");
        put_run(&j, c);
        json_object_close(&j);
        put_line(f, &j);
}

static const char *const event_names[_PING_EVENT_MAX] = {
        [PING_EVENT_REPLY] = "reply",
        [PING_EVENT_DUP] = "duplicate",
        [PING_EVENT_LATE] = "late",
        [PING_EVENT_TIMEOUT] = "timeout",
        [PING_EVENT_UNREACHABLE] = "unreachable",
        [PING_EVENT_ERROR] = "error",
};

void ping_output_json_event(FILE *f, const PingOutputConf *c, const PingEvent *e) {
        _cleanup_(json_done) Json j = {};

        json_object_open(&j, NULL);
        json_string(&j, "type", "probe");
        json_string(&j, "result", event_names[e->kind]);
        json_u64(&j, "seq", e->seq);
        put_wall(&j, "time", e->wall_usec);
        if (e->kind == PING_EVENT_REPLY || e->kind == PING_EVENT_DUP || e->kind == PING_EVENT_LATE ||
            (c->mode == PING_MODE_HTTP && e->kind == PING_EVENT_ERROR)) {
                json_u64(&j, "bytes", e->bytes);
                put_ms(&j, "rtt_ms", true, (double) e->rtt);
        }
        if (e->kind == PING_EVENT_REPLY || e->kind == PING_EVENT_LATE)
                json_bool(&j, "reordered", e->reordered);
        if (e->has_server)
                put_ms(&j, "server_hold_ms", true, (double) e->server_hold);
        if (e->ttl > 0)
                json_i64(&j, "ttl", e->ttl);
        if (c->mode == PING_MODE_HTTP && e->kind != PING_EVENT_TIMEOUT) {
                json_i64(&j, "status", e->http_status);
                put_ms(&j, "connect_ms", e->http_connect > 0, (double) e->http_connect);
                put_ms(&j, "pretransfer_ms", e->http_pretransfer > 0, (double) e->http_pretransfer);
                put_ms(&j, "ttfb_ms", e->http_ttfb > 0, (double) e->http_ttfb);
        }
        if (e->error)
                json_string(&j, "error", e->error);
        json_object_close(&j);
        put_line(f, &j);
}

void ping_output_json_interim(FILE *f, const PingOutputConf *c, const PingSummary *s) {
        const Stats *st = s->stats;
        uint64_t settled = st->sent - stats_in_flight(st);
        uint64_t lost = stats_lost(st);
        _cleanup_(json_done) Json j = {};

        json_object_open(&j, NULL);
        json_string(&j, "type", "interim");
        json_u64(&j, "sent", st->sent);
        json_u64(&j, "received", st->received);
        json_u64(&j, "lost", lost);
        json_u64(&j, "failed", st->failed);
        json_u64(&j, "in_flight", stats_in_flight(st));
        json_fixed(&j, "loss_percent", ping_output_percent(lost + st->failed, settled), 4);
        json_object_open(&j, "rtt_ms");
        put_welford(&j, &st->rtt);
        put_ms(&j, "p50", st->rtt.n > 0, (double) stats_hist_percentile(&st->rtt_hist, 50));
        json_object_close(&j);
        json_object_close(&j);
        put_line(f, &j);
}

static void put_histogram(Json *j, const char *key, const StatsHist *h, unsigned bins) {
        json_array_open(j, key);
        if (h->n > 0) {
                unsigned n = ping_output_hist_bins(h, bins);

                for (unsigned i = 0; i < n; i++) {
                        PingOutputHistRow r = ping_output_hist_row(h, n, i);

                        json_object_open(j, NULL);
                        put_ms(j, "ge_ms", true, (double) r.lo);
                        put_ms(j, i + 1 == n ? "le_ms" : "lt_ms", true, (double) r.hi);
                        json_u64(j, "count", r.count);
                        json_object_close(j);
                }
        }
        json_array_close(j);
}

void ping_output_json_summary(FILE *f, const PingOutputConf *c, const PingSummary *s, bool record) {
        _cleanup_(json_done) Json j = {};
        const Stats *st = s->stats;
        StatsLossSplit ls;
        StatsBursts bu;

        stats_loss_split(st, &ls);
        stats_bursts(st, &bu);
        uint64_t in_flight = stats_in_flight(st);
        uint64_t settled = st->sent - in_flight;

        json_object_open(&j, NULL);
        if (record)
                json_string(&j, "type", "summary");
        put_run(&j, c);
        json_null(&j, "error");
        put_wall(&j, "start_time", s->start_wall_usec);
        json_fixed(&j, "duration_s", (double) s->elapsed / 1e9, 6);
        json_bool(&j, "interrupted", s->interrupted);

        json_object_open(&j, "probes");
        json_u64(&j, "sent", st->sent);
        json_u64(&j, "received", st->received);
        json_u64(&j, "lost", ls.lost);
        json_fixed(&j, "loss_percent", ping_output_percent(ls.lost + st->failed, settled), 4);
        json_u64(&j, "in_flight", in_flight);
        json_u64(&j, "late", st->late);
        json_u64(&j, "duplicates", st->duplicates);
        json_u64(&j, "reordered", st->reordered);
        json_u64(&j, "failed", st->failed);
        json_u64(&j, "unknown", st->unknown);
        json_u64(&j, "stale", st->stale);
        json_object_close(&j);

        json_object_open(&j, "loss_split");
        json_bool(&j, "available", ls.has_split);
        json_bool(&j, "counters_restarted", st->flow_reset);
        json_bool(&j, "final_counters", st->final_counters);
        if (ls.has_split) {
                json_u64(&j, "upstream", ls.upstream);
                json_u64(&j, "emulated", ls.emulated);
                json_u64(&j, "downstream", ls.downstream);
                json_u64(&j, "late", ls.late);
                json_u64(&j, "unknown", ls.unknown);
                json_u64(&j, "network", stats_loss_network(&ls));
                json_fixed(&j, "emulated_percent", ping_output_percent(ls.emulated, settled), 4);
                json_fixed(&j, "network_percent", ping_output_percent(stats_loss_network(&ls), settled), 4);
                json_fixed(&j, "late_percent", ping_output_percent(ls.late, settled), 4);
                json_fixed(&j, "unknown_percent", ping_output_percent(ls.unknown, settled), 4);
        } else {
                /* clang-format off */
                static const char *const keys[] = {
                        "upstream", "emulated", "downstream", "late", "unknown", "network",
                        "emulated_percent", "network_percent", "late_percent", "unknown_percent",
                };
                /* clang-format on */

                for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                        json_null(&j, keys[i]);
        }
        json_object_close(&j);

        json_object_open(&j, "bursts");
        json_u64(&j, "count", bu.count);
        json_u64(&j, "lost", bu.lost);
        if (bu.count > 0)
                json_fixed(&j, "mean", (double) bu.lost / (double) bu.count, 4);
        else
                json_null(&j, "mean");
        json_u64(&j, "max", bu.max);
        if (st->server_burst_mean_milli > 0)
                json_fixed(&j, "server_model_mean", (double) st->server_burst_mean_milli / 1000.0, 3);
        else
                json_null(&j, "server_model_mean");
        json_object_close(&j);

        json_object_open(&j, "rtt_ms");
        put_welford(&j, &st->rtt);
        put_hist_percentiles(&j, &st->rtt_hist);
        json_object_close(&j);

        json_object_open(&j, "jitter_ms");
        put_ms(&j, "mean_abs_delta", st->drtt_n > 0, stats_jitter_mean_abs(st));
        put_ms(&j, "rfc3550", st->drtt_n > 0, st->jitter_rfc3550);
        put_ms(&j, "ipdv_mean", st->ipdv.n > 0, st->ipdv.mean);
        json_object_open(&j, "ipdv_abs");
        json_u64(&j, "n", st->ipdv_hist.n);
        put_hist_percentiles(&j, &st->ipdv_hist);
        json_object_close(&j);
        json_object_close(&j);

        json_object_open(&j, "server");
        json_bool(&j, "stamps", st->server_stamps);
        json_u64(&j, "unstamped_replies", st->unstamped);
        json_object_open(&j, "hold_ms");
        put_welford(&j, &st->server_hold);
        json_object_close(&j);
        put_ms(&j, "span_ms", st->server_stamps,
               (double) (st->server_last_tx_usec - st->server_first_rx_usec) * 1000.0);
        if (st->server_profile > 0)
                json_u64(&j, "profile_index", st->server_profile - 1u);
        else
                json_null(&j, "profile_index");
        json_bool(&j, "profile_changed", st->server_profile_changed);
        json_object_close(&j);

        json_object_open(&j, "client");
        json_u64(&j, "replies_without_kernel_stamp", st->no_kernel_stamp);
        json_object_open(&j, "rx_delay_ms");
        put_welford(&j, &st->rx_delay);
        json_object_close(&j);
        json_object_close(&j);

        if (c->mode == PING_MODE_HTTP) {
                /* clang-format off */
                static const char *const keys[_PING_HTTP_PHASE_MAX] = {
                        "connect_ms", "pretransfer_ms", "ttfb_ms", "total_ms",
                };
                /* clang-format on */

                json_object_open(&j, "http");
                json_u64(&j, "requests", st->sent);
                json_u64(&j, "successful", st->received);
                json_u64(&j, "non_2xx", s->http_non2xx);
                json_u64(&j, "connection_errors", s->http_errors);
                json_object_open(&j, "status");
                for (int code = 0; code < PING_HTTP_STATUS_MAX; code++)
                        if (s->http_status[code] > 0) {
                                char key[16];

                                (void) snprintf(key, sizeof(key), "%d", code);
                                json_u64(&j, key, s->http_status[code]);
                        }
                json_object_close(&j);
                json_u64(&j, "connections", s->http_connections);
                json_u64(&j, "body_bytes", s->http_body_bytes);
                json_string(&j, "phases_from", "start");
                for (size_t i = 0; i < _PING_HTTP_PHASE_MAX; i++) {
                        static const PingHttpPhaseStats empty = {};
                        const PingHttpPhaseStats *ph = s->http_phases ? &s->http_phases[i] : &empty;

                        json_object_open(&j, keys[i]);
                        put_welford(&j, &ph->w);
                        put_ms(&j, "p50", ph->h.n > 0, (double) stats_hist_percentile(&ph->h, 50));
                        json_object_close(&j);
                }
                json_object_close(&j);
        } else
                json_null(&j, "http");

        if (c->histogram_bins > 0)
                put_histogram(&j, "histogram", &st->rtt_hist, c->histogram_bins);
        else
                json_null(&j, "histogram");
        json_object_close(&j);
        put_line(f, &j);
}

void ping_output_json_error(FILE *f, const char *message, int exit_status) {
        _cleanup_(json_done) Json j = {};

        assert(f);

        json_object_open(&j, NULL);
        json_i64(&j, "format_version", PING_JSON_FORMAT_VERSION);
        json_string(&j, "tool", "netlab-ping");
        json_string(&j, "version", PACKAGE_VERSION);
        json_object_open(&j, "error");
        json_string(&j, "message", message);
        json_i64(&j, "exit_status", exit_status);
        json_object_close(&j);
        json_object_close(&j);
        put_line(f, &j);
}
