/* metrics.c — turns one MetricsSnapshot (counters, gauges, the Conf in effect) into the
 * /metrics (Prometheus text 0.0.4) and /api/status (JSON) bodies, and decides whether a
 * peer may read them. Pure: the daemon's HttpDynamicFunc gathers the numbers and the
 * clock readings, calls metrics_serve() and hands the body back to http_route.c. */
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "http_reason.h"
#include "impair.h"
#include "json.h"
#include "metrics.h"
#include "prom_text.h"
#include "sockaddr.h"
#include "strbuf.h"

static const usec_t duration_bounds_usec[] = { METRICS_DURATION_BUCKETS_USEC };
_Static_assert(ELEMENTSOF(duration_bounds_usec) + 1 == METRICS_N_DURATION_BUCKETS,
               "METRICS_N_DURATION_BUCKETS must be the number of bounds plus +Inf");

const char *metrics_method_to_string(size_t m) {
        if (m == METRICS_METHOD_OTHER)
                return "other";
        return m < _HTTP_METHOD_MAX ? http_method_to_string((HttpMethod) m) : NULL;
}

static size_t status_index(unsigned status) {
        if (status < METRICS_STATUS_MIN || status > METRICS_STATUS_MAX)
                return METRICS_N_STATUS - 1;
        return status - METRICS_STATUS_MIN;
}

void metrics_http_observe(MetricsHttp *m, HttpMethod method, unsigned status,
                          usec_t duration_usec, uint64_t bytes) {
        size_t lo = 0, hi = ELEMENTSOF(duration_bounds_usec);
        size_t meth = method >= 0 && method < _HTTP_METHOD_MAX ? (size_t) method : METRICS_METHOD_OTHER;
        size_t idx = status_index(status);

        assert(m);

        m->requests[meth][idx]++;
        m->seen[meth][idx / 64] |= UINT64_C(1) << (idx % 64);

        /* First bucket whose bound is >= the duration ("le" is inclusive); hi == number
         * of bounds selects the +Inf bucket. */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (duration_usec <= duration_bounds_usec[mid])
                        hi = mid;
                else
                        lo = mid + 1;
        }
        m->duration_buckets[lo]++;
        m->duration_count++;
        m->duration_sum_usec += duration_usec;
        m->bytes += bytes;
}

/* Runs the loop body for every bit @i set in the bitmap array @words, ascending (for
 * MetricsHttp.seen: every status index in use). */
#define FOREACH_SET_BIT(words, i)                                                       \
        for (size_t _w = 0; _w < ELEMENTSOF(words); _w++)                               \
                for (uint64_t _bits = (words)[_w]; _bits != 0; _bits &= _bits - 1)      \
                        for (size_t i = _w * 64 + (size_t) __builtin_ctzll(_bits), _once = 1; \
                             _once; _once = 0)

/* ---- Prometheus text exposition 0.0.4 ---------------------------------------------------- */

static double usec_to_sec(usec_t u) {
        return (double) u / (double) USEC_PER_SEC;
}

static void prom_u64(StrBuf *b, const char *name, const char *type, const char *help, uint64_t v) {
        prom_text_family(b, name, type, help);
        strbuf_puts(b, name);
        strbuf_putc(b, ' ');
        strbuf_u64(b, v);
        strbuf_putc(b, '\n');
}

static void prom_double(StrBuf *b, const char *name, const char *help, double v) {
        prom_text_family(b, name, "gauge", help);
        strbuf_puts(b, name);
        strbuf_putc(b, ' ');
        prom_text_value(b, v);
        strbuf_putc(b, '\n');
}

static void prom_histogram_le(StrBuf *b, usec_t bound) {
        /* The exact decimal of a whole number of µs, printed as the Go client library
         * prints its bounds (strconv 'g', shortest): trailing zeros and a bare '.' go,
         * so 100 µs is "0.0001" and 10 s is "10". Never "0.00025000000000000001". */
        char frac[7];
        usec_t f = bound % USEC_PER_SEC;
        int n = 6;

        for (int i = 5; i >= 0; i--, f /= 10)
                frac[i] = (char) ('0' + f % 10);
        while (n > 0 && frac[n - 1] == '0')
                n--;
        frac[n] = '\0';
        strbuf_u64(b, bound / USEC_PER_SEC);
        if (n > 0) {
                strbuf_putc(b, '.');
                strbuf_puts(b, frac);
        }
}

/* One set of values for a table, and the label that tells it from the others ("" for
 * none). */
typedef struct PromSource {
        const char *label;              /* e.g. service="stamp" */
        const void *stats;
} PromSource;

/* The rows of @table meant for Prometheus: a HELP/TYPE header at the first row of each
 * family, then one sample per row and source, so a family's samples stay together. */
static void render_prom_table(StrBuf *b, const CounterDesc *table, const PromSource *src, size_t n_src) {
        const char *family = NULL;

        for (const CounterDesc *d = table; d->name; d++) {
                if (!(d->show & COUNTER_SHOW_PROMETHEUS))
                        continue;
                if (!family || !streq(family, d->name)) {
                        family = d->name;
                        prom_text_family(b, d->name, d->type == COUNTER_TYPE_GAUGE ? "gauge" : "counter",
                                         d->help);
                }
                for (size_t i = 0; i < n_src; i++) {
                        bool any = src[i].label[0] || d->label;

                        strbuf_puts(b, d->name);
                        if (any) {
                                strbuf_putc(b, '{');
                                strbuf_puts(b, src[i].label);
                                if (src[i].label[0] && d->label)
                                        strbuf_putc(b, ',');
                                strbuf_puts(b, d->label ?: "");
                                strbuf_putc(b, '}');
                        }
                        strbuf_putc(b, ' ');
                        strbuf_u64(b, counters_value(d, src[i].stats));
                        strbuf_putc(b, '\n');
                }
        }
}

static void render_prom_echo(StrBuf *b, const MetricsSnapshot *s) {
        static const EchoStats zero_echo = {};
        static const StampStats zero_stamp = {};
        const ConfEcho *c = &s->conf->echo;
        /* The STAMP reflector is an echo in another mode: the same families, told apart
         * by service. A service that is not running shows zeros. */
        const PromSource services[] = {
                { "service=\"echo\"", s->echo ?: &zero_echo },
                { "service=\"stamp\"", s->stamp_echo ?: &zero_echo },
        };
        const PromSource stamp = { "", s->stamp ?: &zero_stamp };

        render_prom_table(b, counters_echo, services, ELEMENTSOF(services));
        render_prom_table(b, counters_stamp, &stamp, 1);

        /* The configured impairment, so a dashboard can annotate the counters with it. */
        prom_text_family(b, "netlab_echo_loss_model_info", "gauge",
                         "Configured loss model (value is always 1).");
        strbuf_puts(b, "netlab_echo_loss_model_info{model=\"");
        prom_text_label_value(b, loss_model_to_string(c->loss_model) ?: "unknown");
        strbuf_puts(b, "\",distribution=\"");
        prom_text_label_value(b, delay_distribution_to_string(c->distribution) ?: "unknown");
        strbuf_puts(b, "\"} 1\n");
        prom_double(b, "netlab_echo_loss_ratio",
                    "Configured round-trip loss probability (random model).", c->loss);
        prom_double(b, "netlab_echo_delay_seconds", "Configured added delay.",
                    usec_to_sec(c->delay_usec));
        prom_double(b, "netlab_echo_jitter_seconds", "Configured delay jitter.",
                    usec_to_sec(c->jitter_usec));
        prom_double(b, "netlab_echo_duplicate_ratio", "Configured duplicate probability.",
                    c->duplicate);
        prom_double(b, "netlab_echo_reorder_ratio", "Configured reorder probability.",
                    c->reorder);
}

/* The per-profile counters, one series per profile: at most PROFILE_MAX + 1 label values
 * (the default included), all known from the configuration. */
static void render_prom_profiles(StrBuf *b, const MetricsSnapshot *s) {
        static const struct {
                const char *family, *type, *help, *reason;
                size_t offset;
        } rows[] = {
                { "netlab_echo_profile_received_total", "counter",
                  "Datagrams classified into a classroom profile.", NULL,
                  offsetof(MetricsEchoProfile, counters.received) },
                { "netlab_echo_profile_replied_total", "counter", "Datagrams of a profile the echo answered.",
                  NULL, offsetof(MetricsEchoProfile, counters.replied) },
                { "netlab_echo_profile_dropped_total", "counter", "Datagrams of a profile dropped, by reason.",
                  "loss", offsetof(MetricsEchoProfile, counters.dropped_loss) },
                { "netlab_echo_profile_dropped_total", NULL, NULL, "rate_limit",
                  offsetof(MetricsEchoProfile, counters.dropped_rate_limit) },
                { "netlab_echo_profile_dropped_total", NULL, NULL, "loop",
                  offsetof(MetricsEchoProfile, counters.dropped_loop) },
                { "netlab_echo_profile_dropped_total", NULL, NULL, "queue_full",
                  offsetof(MetricsEchoProfile, counters.dropped_queue_full) },
                { "netlab_echo_profile_flows", "gauge", "Live flows classified into a profile.", NULL,
                  offsetof(MetricsEchoProfile, flows) },
        };

        if (s->n_echo_profiles == 0)
                return;
        for (size_t r = 0; r < ELEMENTSOF(rows); r++) {
                if (rows[r].type)
                        prom_text_family(b, rows[r].family, rows[r].type, rows[r].help);
                for (size_t i = 0; i < s->n_echo_profiles; i++) {
                        const MetricsEchoProfile *p = &s->echo_profiles[i];

                        strbuf_printf(b, "%s{profile=\"", rows[r].family);
                        prom_text_label_value(b, p->name);
                        if (rows[r].reason)
                                strbuf_printf(b, "\",reason=\"%s", rows[r].reason);
                        strbuf_puts(b, "\"} ");
                        strbuf_u64(b, *(const uint64_t *) ((const uint8_t *) p + rows[r].offset));
                        strbuf_putc(b, '\n');
                }
        }
        prom_text_family(
                b, "netlab_echo_profile_mean_loss_ratio", "gauge",
                "Long-run loss probability of a profile's model (Gilbert-Elliott: its stationary mean).");
        for (size_t i = 0; i < s->n_echo_profiles; i++) {
                ImpairSummary sum;

                impair_describe(s->echo_profiles[i].ce, &sum);
                strbuf_puts(b, "netlab_echo_profile_mean_loss_ratio{profile=\"");
                prom_text_label_value(b, s->echo_profiles[i].name);
                strbuf_printf(b, "\"} %.17g\n", sum.mean_loss);
        }
}

static void render_prom_http(StrBuf *b, const MetricsSnapshot *s) {
        static const HttpStats zero_http = {};
        static const MetricsHttp zero_requests = {};
        const MetricsHttp *m = s->http_requests ?: &zero_requests;
        const HttpStats *h = s->http ?: &zero_http;
        uint64_t cumulative = 0;

        render_prom_table(b, counters_http, &(PromSource) { "", h }, 1);

        /* One sample per reason of the reason table (http_reason.c), zeros included, so
         * a rate() over a reason exists before its first occurrence. */
        prom_text_family(b, "netlab_http_bad_requests_total", "counter",
                         "HTTP requests answered 400, 413, 414, 431, 501 or 505 (malformed, over a limit or "
                         "not supported), after which the connection is closed, by reason.");
        for (HttpReason r = 0; r < _HTTP_REASON_MAX; r++) {
                if (!http_reason_is_bad_request(r))
                        continue;
                strbuf_puts(b, "netlab_http_bad_requests_total{reason=\"");
                strbuf_puts(b, http_reason_label(r));
                strbuf_puts(b, "\"} ");
                strbuf_u64(b, h->counters.bad_requests_by_reason[r]);
                strbuf_putc(b, '\n');
        }

        prom_text_family(b, "netlab_http_requests_total", "counter",
                         "HTTP responses sent, by status code and request method.");
        for (size_t meth = 0; meth < METRICS_N_METHODS; meth++)
                FOREACH_SET_BIT(m->seen[meth], i) {
                        strbuf_puts(b, "netlab_http_requests_total{code=\"");
                        if (i == METRICS_N_STATUS - 1)
                                strbuf_puts(b, "other");
                        else
                                strbuf_u64(b, i + METRICS_STATUS_MIN);
                        strbuf_puts(b, "\",method=\"");
                        strbuf_puts(b, metrics_method_to_string(meth));
                        strbuf_puts(b, "\"} ");
                        strbuf_u64(b, m->requests[meth][i]);
                        strbuf_putc(b, '\n');
                }

        prom_text_family(b, "netlab_http_request_duration_seconds", "histogram",
                         "Time from the first request byte to the last response byte.");
        for (size_t i = 0; i < METRICS_N_DURATION_BUCKETS; i++) {
                cumulative += m->duration_buckets[i];
                strbuf_puts(b, "netlab_http_request_duration_seconds_bucket{le=\"");
                if (i < ELEMENTSOF(duration_bounds_usec))
                        prom_histogram_le(b, duration_bounds_usec[i]);
                else
                        strbuf_puts(b, "+Inf");
                strbuf_puts(b, "\"} ");
                strbuf_u64(b, cumulative);
                strbuf_putc(b, '\n');
        }
        strbuf_puts(b, "netlab_http_request_duration_seconds_sum ");
        prom_text_value(b, usec_to_sec(m->duration_sum_usec));
        strbuf_puts(b, "\nnetlab_http_request_duration_seconds_count ");
        strbuf_u64(b, m->duration_count);
        strbuf_putc(b, '\n');
}

int metrics_render_prometheus(const MetricsSnapshot *s, char **ret, size_t *ret_len) {
        _cleanup_(strbuf_done) StrBuf b = {};

        assert(s);
        assert(s->conf);
        assert(s->version);
        assert(ret);
        assert(ret_len);

        prom_text_family(&b, "netlab_build_info", "gauge",
                         "Build information of the running netlabd (value is always 1).");
        strbuf_puts(&b, "netlab_build_info{version=\"");
        prom_text_label_value(&b, s->version);
        strbuf_puts(&b, "\"} 1\n");
        prom_double(&b, "process_start_time_seconds",
                    "Start time of the process since the Unix epoch in seconds.",
                    usec_to_sec(s->start_realtime_usec));
        prom_u64(&b, "netlab_config_reloads_total", "counter",
                 "Configuration reloads applied.", s->reloads);
        prom_u64(&b, "netlab_config_reload_failures_total", "counter",
                 "Configuration reloads rejected; the previous configuration stayed in effect.",
                 s->reload_failures);
        prom_u64(&b, "netlab_oom_total", "counter",
                 "Allocation failures survived (a request or datagram was refused).", s->oom);

        render_prom_echo(&b, s);
        render_prom_profiles(&b, s);
        render_prom_http(&b, s);

        return strbuf_finish(&b, ret, ret_len);
}

/* ---- JSON (RFC 8259) ---------------------------------------------------------------------- */

static void json_msec(Json *j, const char *key, usec_t u) {
        json_double(j, key, u == USEC_INFINITY ? INFINITY : (double) u / (double) USEC_PER_MSEC);
}

static void render_json_conf(Json *j, const Conf *conf, bool show_paths) {
        static char *const everyone[] = { NULL };
        const ConfEcho *e = &conf->echo;
        const ConfHttp *h = &conf->http;
        char seed[24];

        json_object_open(j, "config");
        if (show_paths)
                json_string(j, "path", conf->path);

        json_object_open(j, "echo");
        json_bool(j, "enabled", e->enabled);
        json_strv(j, "listen", e->listen);
        json_double(j, "loss", e->loss);
        json_string(j, "loss_model", loss_model_to_string(e->loss_model));
        json_object_open(j, "gilbert_elliott");
        json_double(j, "p", e->ge_p);
        json_double(j, "r", e->ge_r);
        json_double(j, "loss_good", e->ge_loss_good);
        json_double(j, "loss_bad", e->ge_loss_bad);
        json_object_close(j);
        json_msec(j, "delay_ms", e->delay_usec);
        json_msec(j, "jitter_ms", e->jitter_usec);
        json_string(j, "distribution", delay_distribution_to_string(e->distribution));
        json_double(j, "duplicate", e->duplicate);
        json_double(j, "reorder", e->reorder);
        json_u64(j, "reorder_gap", e->reorder_gap);
        json_u64(j, "max_queue", e->max_queue);
        json_double(j, "rate_limit", e->rate_limit);
        json_u64(j, "rate_burst", e->rate_burst);
        json_double(j, "rate_limit_plain", e->rate_limit_plain);
        json_double(j, "rate_limit_bytes", e->rate_limit_bytes);
        json_bool(j, "allow_low_ports", e->allow_low_ports);
        /* A string: JavaScript numbers hold integers exactly only up to 2^53. */
        (void) snprintf(seed, sizeof(seed), "%llu", (unsigned long long) e->seed);
        json_string(j, "seed", seed);
        json_u64(j, "max_payload", e->max_payload);
        json_string(j, "lab_compat", lab_compat_to_string(e->lab_compat));
        json_u64(j, "max_flows", e->max_flows);
        json_object_close(j);

        json_object_open(j, "stamp");
        json_bool(j, "enabled", conf->stamp.enabled);
        json_strv(j, "listen", conf->stamp.listen);
        json_string(j, "mode", stamp_mode_to_string(conf->stamp.mode));
        json_object_close(j);

        json_object_open(j, "http");
        json_bool(j, "enabled", h->enabled);
        json_strv(j, "listen", h->listen);
        if (show_paths)
                json_string(j, "root", h->root);
        json_string(j, "index", h->index);
        json_bool(j, "autoindex", h->autoindex);
        json_bool(j, "show_hidden", h->show_hidden);
        json_string(j, "server_header", h->server_header);
        json_bool(j, "access_log", h->access_log);
        json_u64(j, "max_request_line", h->max_request_line);
        json_u64(j, "max_header_size", h->max_header_size);
        json_u64(j, "max_headers", h->max_headers);
        json_u64(j, "max_body", h->max_body);
        json_msec(j, "header_timeout_ms", h->header_timeout_usec);
        json_msec(j, "keepalive_timeout_ms", h->keepalive_timeout_usec);
        json_msec(j, "send_timeout_ms", h->send_timeout_usec);
        json_u64(j, "max_connections", h->max_connections);
        json_string(j, "metrics_path", h->metrics_path);
        json_string(j, "status_path", h->status_path);
        /* NULL and [] both mean "everyone" (conf.c folds one into the other). */
        json_strv(j, "status_allow", h->status_allow ?: everyone);
        json_object_close(j);

        json_object_close(j);
}

/* The rows of @table meant for JSON, in order; a run of "group.key" members goes into
 * one object "group". */
static void render_json_table(Json *j, const CounterDesc *table, const void *stats) {
        const char *group = NULL;
        size_t group_len = 0;

        for (const CounterDesc *d = table; d->name; d++) {
                const char *dot, *key;

                if (!(d->show & COUNTER_SHOW_JSON))
                        continue;
                dot = strchr(d->json, '.');
                key = dot ? dot + 1 : d->json;
                if (group && (!dot || (size_t) (dot - d->json) != group_len ||
                              !strneq(d->json, group, group_len))) {
                        json_object_close(j);
                        group = NULL;
                }
                if (dot && !group) {
                        char name[64];

                        group = d->json;
                        group_len = (size_t) (dot - d->json);
                        assert(group_len < sizeof(name));
                        memcpy(name, group, group_len);
                        name[group_len] = '\0';
                        json_object_open(j, name);
                }
                json_u64(j, key, counters_value(d, stats));
        }
        if (group)
                json_object_close(j);
}

static void render_json_profiles(Json *j, const MetricsSnapshot *s);

static void render_json_echo(Json *j, const MetricsSnapshot *s) {
        if (!s->echo) {
                json_null(j, "echo");
                return;
        }

        json_object_open(j, "echo");
        render_json_table(j, counters_echo, s->echo);
        if (s->n_echo_profiles > 0)
                render_json_profiles(j, s);
        json_object_close(j);
}

/* The STAMP reflector: the echo's counters and its own, in one object. */
static void render_json_stamp(Json *j, const MetricsSnapshot *s) {
        if (!s->stamp_echo || !s->stamp) {
                json_null(j, "stamp");
                return;
        }

        json_object_open(j, "stamp");
        render_json_table(j, counters_echo, s->stamp_echo);
        render_json_table(j, counters_stamp, s->stamp);
        json_object_close(j);
}

/* echo.profiles: every profile (the default first) with its effective impairment, the
 * model's long-run figures and its counters. */
static void render_json_profiles(Json *j, const MetricsSnapshot *s) {
        json_array_open(j, "profiles");
        for (size_t i = 0; i < s->n_echo_profiles; i++) {
                const MetricsEchoProfile *p = &s->echo_profiles[i];
                const ConfEcho *c = p->ce;
                ImpairSummary sum;
                char line[512];

                impair_describe(c, &sum);
                json_object_open(j, NULL);
                json_string(j, "name", p->name);
                json_string(j, "match", p->match);
                json_object_open(j, "impairment");
                json_string(j, "summary", impair_format_summary(c, line, sizeof(line)));
                json_double(j, "loss", c->loss);
                json_string(j, "loss_model", loss_model_to_string(c->loss_model));
                json_double(j, "ge_p", c->ge_p);
                json_double(j, "ge_r", c->ge_r);
                json_double(j, "ge_loss_good", c->ge_loss_good);
                json_double(j, "ge_loss_bad", c->ge_loss_bad);
                json_msec(j, "delay_ms", c->delay_usec);
                json_msec(j, "jitter_ms", c->jitter_usec);
                json_string(j, "distribution", delay_distribution_to_string(c->distribution));
                json_double(j, "duplicate", c->duplicate);
                json_double(j, "reorder", c->reorder);
                json_u64(j, "reorder_gap", c->reorder_gap);
                json_double(j, "rate_limit", c->rate_limit);
                json_u64(j, "rate_burst", c->rate_burst);
                json_double(j, "rate_limit_plain", c->rate_limit_plain);
                json_double(j, "rate_limit_bytes", c->rate_limit_bytes);
                json_string(j, "lab_compat", lab_compat_to_string(c->lab_compat));
                json_object_close(j);
                json_double(j, "mean_loss", sum.mean_loss);
                json_double(j, "mean_burst", sum.mean_burst);
                json_u64(j, "flows", p->flows);
                json_u64(j, "received", p->counters.received);
                json_u64(j, "replied", p->counters.replied);
                json_object_open(j, "dropped");
                json_u64(j, "loss", p->counters.dropped_loss);
                json_u64(j, "rate_limit", p->counters.dropped_rate_limit);
                json_u64(j, "loop", p->counters.dropped_loop);
                json_u64(j, "queue_full", p->counters.dropped_queue_full);
                json_object_close(j);
                json_object_close(j);
        }
        json_array_close(j);
}

static void render_json_http(Json *j, const MetricsSnapshot *s) {
        static const MetricsHttp zero_requests = {};
        const MetricsHttp *m = s->http_requests ?: &zero_requests;

        if (!s->http) {
                json_null(j, "http");
                return;
        }

        json_object_open(j, "http");
        render_json_table(j, counters_http, s->http);

        /* Summed over methods: the page shows codes; Prometheus has the full matrix. */
        uint64_t by_code[METRICS_N_STATUS] = {}, by_method[METRICS_N_METHODS] = {};
        uint64_t any[ELEMENTSOF(m->seen[0])] = {};     /* codes in use by any method */
        for (size_t meth = 0; meth < METRICS_N_METHODS; meth++) {
                FOREACH_SET_BIT(m->seen[meth], i) {
                        by_code[i] += m->requests[meth][i];
                        by_method[meth] += m->requests[meth][i];
                }
                for (size_t w = 0; w < ELEMENTSOF(any); w++)
                        any[w] |= m->seen[meth][w];
        }

        json_object_open(j, "responses_by_code");
        FOREACH_SET_BIT(any, i) {
                char code[8];

                if (i == METRICS_N_STATUS - 1)
                        json_u64(j, "other", by_code[i]);
                else {
                        (void) snprintf(code, sizeof(code), "%zu", i + METRICS_STATUS_MIN);
                        json_u64(j, code, by_code[i]);
                }
        }
        json_object_close(j);

        json_object_open(j, "requests_by_method");
        for (size_t meth = 0; meth < METRICS_N_METHODS; meth++)
                if (by_method[meth] > 0)
                        json_u64(j, metrics_method_to_string(meth), by_method[meth]);
        json_object_close(j);

        json_object_open(j, "duration");
        json_u64(j, "count", m->duration_count);
        json_double(j, "sum_seconds", usec_to_sec(m->duration_sum_usec));
        json_double(j, "mean_ms", m->duration_count > 0
                                 ? (double) m->duration_sum_usec / (double) m->duration_count / 1000.0
                                 : 0.0);
        json_object_close(j);
        json_object_close(j);
}

int metrics_render_json(const MetricsSnapshot *s, char **ret, size_t *ret_len) {
        _cleanup_(json_done) Json j = {};

        assert(s);
        assert(s->conf);
        assert(s->version);
        assert(ret);
        assert(ret_len);

        json_object_open(&j, NULL);
        json_string(&j, "version", s->version);
        json_double(&j, "start_time", usec_to_sec(s->start_realtime_usec));
        json_double(&j, "now", usec_to_sec(s->now_realtime_usec));
        json_double(&j, "uptime_seconds", usec_to_sec(s->uptime_usec));
        json_object_open(&j, "daemon");
        json_u64(&j, "reloads", s->reloads);
        json_u64(&j, "reload_failures", s->reload_failures);
        json_u64(&j, "oom", s->oom);
        json_object_close(&j);
        render_json_conf(&j, s->conf, s->show_paths);
        render_json_echo(&j, s);
        render_json_stamp(&j, s);
        render_json_http(&j, s);
        if (s->history)
                history_render_json(s->history, &j, "history");
        json_object_close(&j);
        json_append_raw(&j, "\n");

        return json_finish(&j, ret, ret_len);
}

/* ---- status_allow ------------------------------------------------------------------------- */

int metrics_peer_allowed(char *const *cidrs, const struct sockaddr *peer) {
        if (!cidrs)
                return 1;
        if (!peer)
                return 0;

        for (; *cidrs; cidrs++) {
                SockAddrCidr c;

                if (sockaddr_cidr_parse(*cidrs, &c) < 0)
                        continue;
                if (sockaddr_cidr_contains(&c, (const SockAddr *) peer))
                        return 1;
        }
        return 0;
}

int metrics_serve(const MetricsSnapshot *s, MetricsFormat format, char **ret_body, size_t *ret_len,
                  const char **ret_content_type) {
        int r;

        assert(s);
        assert(s->conf);
        assert(ret_body);
        assert(ret_len);
        assert(ret_content_type);

        switch (format) {
        case METRICS_FORMAT_PROMETHEUS:
                r = metrics_render_prometheus(s, ret_body, ret_len);
                if (r < 0)
                        return r;
                *ret_content_type = METRICS_PROMETHEUS_CONTENT_TYPE;
                return 0;
        case METRICS_FORMAT_JSON:
                r = metrics_render_json(s, ret_body, ret_len);
                if (r < 0)
                        return r;
                *ret_content_type = METRICS_JSON_CONTENT_TYPE;
                return 0;
        default:
                return -EINVAL;
        }
}
