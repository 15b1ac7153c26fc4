/* metrics.c — turns one MetricsSnapshot (counters, gauges, the Conf in effect) into the
 * /metrics (Prometheus text 0.0.4) and /api/status (JSON) bodies, and decides whether a
 * peer may read them. Pure: the daemon's HttpDynamicFunc gathers the numbers and the
 * clock readings, calls metrics_serve() and hands the body back to http_route.c. */
#include <arpa/inet.h>
#include <assert.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "echo.h"
#include "http_server.h"
#include "metrics.h"

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

/* ---- a growable output buffer ------------------------------------------------------------
 * Appends never fail individually: the first allocation failure latches -ENOMEM and every
 * later append is a no-op, so the renderers read top-down and check once at the end. */

typedef struct Buf {
        char *data;
        size_t len;
        size_t size;
        int error;
} Buf;

static void buf_done(Buf *b) {
        free(b->data);
}

static bool buf_reserve(Buf *b, size_t extra) {
        size_t want;
        char *p;

        if (b->error < 0)
                return false;
        if (b->len + extra + 1 <= b->size)
                return true;

        want = MAX(b->size * 2, b->len + extra + 1);
        want = MAX(want, (size_t) 4096);
        p = realloc(b->data, want);
        if (!p) {
                b->error = -ENOMEM;
                return false;
        }
        b->data = p;
        b->size = want;
        return true;
}

static void buf_put(Buf *b, const char *s, size_t n) {
        if (!buf_reserve(b, n))
                return;
        memcpy(b->data + b->len, s, n);
        b->len += n;
        b->data[b->len] = '\0';
}

static void buf_puts(Buf *b, const char *s) {
        buf_put(b, s, strlen(s));
}

static void buf_putc(Buf *b, char c) {
        buf_put(b, &c, 1);
}

/* Decimal without printf: a scrape formats a few hundred integers, and vsnprintf() was
 * most of the render time. */
static void buf_u64(Buf *b, uint64_t v) {
        char tmp[20], *p = tmp + sizeof(tmp);

        do {
                *--p = (char) ('0' + v % 10);
                v /= 10;
        } while (v > 0);
        buf_put(b, p, (size_t) (tmp + sizeof(tmp) - p));
}

_printf_(2, 3) static void buf_printf(Buf *b, const char *fmt, ...) {
        va_list ap;
        int n;

        if (b->error < 0)
                return;

        va_start(ap, fmt);
        n = vsnprintf(b->data ? b->data + b->len : NULL, b->data ? b->size - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
                b->error = -EINVAL;
                return;
        }
        if (b->data && (size_t) n < b->size - b->len) {
                b->len += (size_t) n;
                return;
        }

        if (!buf_reserve(b, (size_t) n))
                return;
        va_start(ap, fmt);
        (void) vsnprintf(b->data + b->len, b->size - b->len, fmt, ap);
        va_end(ap);
        b->len += (size_t) n;
}

/* Finite doubles: the shorter of %.15g and %.17g that reads back exactly, so 0.3 stays
 * "0.3" and a wall-clock time keeps its microseconds. Both Prometheus (Go ParseFloat) and
 * JSON accept this form ("1e+20" included). */
static void buf_double(Buf *b, double v) {
        char tmp[32];

        assert(isfinite(v));
        /* Integral values (counts, whole milliseconds) need no float formatting at all. */
        if (fabs(v) < 9007199254740992.0 && v == (double) (int64_t) v) {
                if (v < 0)
                        buf_putc(b, '-');
                buf_u64(b, (uint64_t) fabs(v));
                return;
        }
        (void) snprintf(tmp, sizeof(tmp), "%.15g", v);
        if (strtod(tmp, NULL) != v)
                (void) snprintf(tmp, sizeof(tmp), "%.17g", v);
        buf_puts(b, tmp);
}

static int buf_finish(Buf *b, char **ret, size_t *ret_len) {
        if (!buf_reserve(b, 0))         /* also allocates for an empty body */
                return b->error;

        b->data[b->len] = '\0';
        *ret_len = b->len;
        *ret = TAKE_PTR(b->data);
        return 0;
}

/* ---- Prometheus text exposition 0.0.4 ---------------------------------------------------- */

static double usec_to_sec(usec_t u) {
        return (double) u / (double) USEC_PER_SEC;
}

/* Sample values: Go's ParseFloat syntax; non-finite values have fixed spellings. */
static void prom_value(Buf *b, double v) {
        if (isnan(v))
                buf_puts(b, "NaN");
        else if (isinf(v))
                buf_puts(b, v > 0 ? "+Inf" : "-Inf");
        else
                buf_double(b, v);
}

/* Label values: the exposition format escapes exactly backslash, double quote and
 * line feed. */
static void prom_label_value(Buf *b, const char *s) {
        for (; *s; s++)
                switch (*s) {
                case '\\':
                        buf_puts(b, "\\\\");
                        break;
                case '"':
                        buf_puts(b, "\\\"");
                        break;
                case '\n':
                        buf_puts(b, "\\n");
                        break;
                default:
                        buf_putc(b, *s);
                }
}

static void prom_family(Buf *b, const char *name, const char *type, const char *help) {
        buf_puts(b, "# HELP ");
        buf_puts(b, name);
        buf_putc(b, ' ');
        buf_puts(b, help);
        buf_puts(b, "\n# TYPE ");
        buf_puts(b, name);
        buf_putc(b, ' ');
        buf_puts(b, type);
        buf_putc(b, '\n');
}

static void prom_u64(Buf *b, const char *name, const char *type, const char *help, uint64_t v) {
        prom_family(b, name, type, help);
        buf_puts(b, name);
        buf_putc(b, ' ');
        buf_u64(b, v);
        buf_putc(b, '\n');
}

static void prom_double(Buf *b, const char *name, const char *help, double v) {
        prom_family(b, name, "gauge", help);
        buf_puts(b, name);
        buf_putc(b, ' ');
        prom_value(b, v);
        buf_putc(b, '\n');
}

static void prom_histogram_le(Buf *b, usec_t bound) {
        /* Exact decimal for every bound: avoids "0.00025000000000000001" in the label. */
        char frac[7];
        usec_t f = bound % USEC_PER_SEC;

        for (int i = 5; i >= 0; i--, f /= 10)
                frac[i] = (char) ('0' + f % 10);
        frac[6] = '\0';
        buf_u64(b, bound / USEC_PER_SEC);
        buf_putc(b, '.');
        buf_puts(b, frac);
}

static void render_prom_echo(Buf *b, const MetricsSnapshot *s) {
        static const EchoCounters zero_echo = {};
        const EchoCounters *e = s->echo ?: &zero_echo;
        const ConfEcho *c = &s->conf->echo;
        const struct {
                const char *reason;
                uint64_t value;
        } drops[] = {
                { "loss",       e->dropped_loss },
                { "rate_limit", e->dropped_rate_limit },
                { "low_port",   e->dropped_low_port },
                { "self",       e->dropped_self },
                { "queue_full", e->dropped_queue_full },
                { "too_big",    e->dropped_too_big },
                { "truncated",  e->truncated },
                { "send_error", e->send_errors },
        };

        prom_u64(b, "netlab_echo_received_total", "counter",
                 "Datagrams received by the UDP echo service.", e->received);
        prom_u64(b, "netlab_echo_replied_total", "counter",
                 "Echo replies sent, duplicates included.", e->replied);

        prom_family(b, "netlab_echo_dropped_total", "counter",
                    "Datagrams not answered, by reason (loss = emulated loss on purpose).");
        for (size_t i = 0; i < ELEMENTSOF(drops); i++) {
                buf_puts(b, "netlab_echo_dropped_total{reason=\"");
                buf_puts(b, drops[i].reason);
                buf_puts(b, "\"} ");
                buf_u64(b, drops[i].value);
                buf_putc(b, '\n');
        }

        prom_u64(b, "netlab_echo_duplicated_total", "counter",
                 "Extra reply copies sent by the duplicate impairment.", e->duplicated);
        prom_u64(b, "netlab_echo_reordered_total", "counter",
                 "Replies held back behind later ones by the reorder impairment.", e->reordered);
        prom_u64(b, "netlab_echo_delayed_total", "counter",
                 "Replies that went through the delay queue.", e->delayed);
        prom_u64(b, "netlab_echo_probes_total", "counter",
                 "Received datagrams that were netlab probes (the rest is echoed verbatim).",
                 e->probes);
        prom_u64(b, "netlab_echo_received_bytes_total", "counter",
                 "Payload bytes received by the echo service.", e->bytes_in);
        prom_u64(b, "netlab_echo_sent_bytes_total", "counter",
                 "Payload bytes sent by the echo service.", e->bytes_out);
        prom_u64(b, "netlab_echo_queued_replies", "gauge",
                 "Delayed replies waiting in the delay queue.", s->echo_queue_length);
        prom_u64(b, "netlab_echo_flows", "gauge",
                 "Entries in the per-flow table.", s->echo_flows);

        /* The configured impairment, so a dashboard can annotate the counters with it. */
        prom_family(b, "netlab_echo_loss_model_info", "gauge",
                    "Configured loss model (value is always 1).");
        buf_puts(b, "netlab_echo_loss_model_info{model=\"");
        prom_label_value(b, loss_model_to_string(c->loss_model) ?: "unknown");
        buf_puts(b, "\",distribution=\"");
        prom_label_value(b, delay_distribution_to_string(c->distribution) ?: "unknown");
        buf_puts(b, "\"} 1\n");
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

static void render_prom_http(Buf *b, const MetricsSnapshot *s) {
        static const HttpCounters zero_http = {};
        static const MetricsHttp zero_requests = {};
        const HttpCounters *h = s->http ?: &zero_http;
        const MetricsHttp *m = s->http_requests ?: &zero_requests;
        uint64_t cumulative = 0;

        prom_u64(b, "netlab_http_connections_accepted_total", "counter",
                 "HTTP connections accepted.", h->connections_accepted);
        prom_u64(b, "netlab_http_connections_rejected_total", "counter",
                 "HTTP connections refused at max_connections or on EMFILE.",
                 h->connections_rejected);
        prom_u64(b, "netlab_http_open_connections", "gauge",
                 "HTTP connections open now.", s->http_connections);
        prom_u64(b, "netlab_http_timeouts_total", "counter",
                 "HTTP header, keep-alive and send timeouts.", h->timeouts);
        prom_u64(b, "netlab_http_bad_requests_total", "counter",
                 "HTTP requests rejected by the parser.", h->bad_requests);
        prom_u64(b, "netlab_http_response_bytes_total", "counter",
                 "HTTP response bytes written (head and body).", h->response_bytes);

        prom_family(b, "netlab_http_requests_total", "counter",
                    "HTTP responses sent, by status code and request method.");
        for (size_t meth = 0; meth < METRICS_N_METHODS; meth++)
                FOREACH_SET_BIT(m->seen[meth], i) {
                        buf_puts(b, "netlab_http_requests_total{code=\"");
                        if (i == METRICS_N_STATUS - 1)
                                buf_puts(b, "other");
                        else
                                buf_u64(b, i + METRICS_STATUS_MIN);
                        buf_puts(b, "\",method=\"");
                        buf_puts(b, metrics_method_to_string(meth));
                        buf_puts(b, "\"} ");
                        buf_u64(b, m->requests[meth][i]);
                        buf_putc(b, '\n');
                }

        prom_family(b, "netlab_http_request_duration_seconds", "histogram",
                    "Time from the first request byte to the last response byte.");
        for (size_t i = 0; i < METRICS_N_DURATION_BUCKETS; i++) {
                cumulative += m->duration_buckets[i];
                buf_puts(b, "netlab_http_request_duration_seconds_bucket{le=\"");
                if (i < ELEMENTSOF(duration_bounds_usec))
                        prom_histogram_le(b, duration_bounds_usec[i]);
                else
                        buf_puts(b, "+Inf");
                buf_puts(b, "\"} ");
                buf_u64(b, cumulative);
                buf_putc(b, '\n');
        }
        buf_puts(b, "netlab_http_request_duration_seconds_sum ");
        prom_value(b, usec_to_sec(m->duration_sum_usec));
        buf_puts(b, "\nnetlab_http_request_duration_seconds_count ");
        buf_u64(b, m->duration_count);
        buf_putc(b, '\n');
}

int metrics_render_prometheus(const MetricsSnapshot *s, char **ret, size_t *ret_len) {
        _cleanup_(buf_done) Buf b = {};

        assert(s);
        assert(s->conf);
        assert(s->version);
        assert(ret);
        assert(ret_len);

        prom_family(&b, "netlab_build_info", "gauge",
                    "Build information of the running netlabd (value is always 1).");
        buf_puts(&b, "netlab_build_info{version=\"");
        prom_label_value(&b, s->version);
        buf_puts(&b, "\"} 1\n");
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
        render_prom_http(&b, s);

        return buf_finish(&b, ret, ret_len);
}

/* ---- JSON (RFC 8259) ---------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..len), or 0 if it is not one (overlong forms,
 * surrogates and code points above U+10FFFF are invalid, RFC 3629 §4). */
static size_t utf8_valid_len(const unsigned char *s, size_t len) {
        size_t n;
        uint32_t cp;

        if (s[0] < 0x80)
                return 1;
        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2, cp = s[0] & 0x1f;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3, cp = s[0] & 0x0f;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4, cp = s[0] & 0x07;
        else
                return 0;
        if (len < n)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return n;
}

static bool json_plain(unsigned char c) {
        return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
}

static void json_escape_into(Buf *b, const char *str, size_t len) {
        const unsigned char *s = (const unsigned char *) str;

        for (size_t i = 0; i < len;) {
                size_t n = 0;

                /* Copy runs of printable ASCII that need no escape in one go. */
                while (i + n < len && json_plain(s[i + n]))
                        n++;
                if (n > 0) {
                        buf_put(b, str + i, n);
                        i += n;
                        continue;
                }

                switch (s[i]) {
                case '"':
                        buf_puts(b, "\\\"");
                        i++;
                        continue;
                case '\\':
                        buf_puts(b, "\\\\");
                        i++;
                        continue;
                case '\n':
                        buf_puts(b, "\\n");
                        i++;
                        continue;
                case '\r':
                        buf_puts(b, "\\r");
                        i++;
                        continue;
                case '\t':
                        buf_puts(b, "\\t");
                        i++;
                        continue;
                case '<':
                case '>':
                case '&':
                        /* Not required by RFC 8259, but keeps the document inert even if
                         * someone pastes it into HTML. */
                        buf_printf(b, "\\u%04x", s[i]);
                        i++;
                        continue;
                }
                if (s[i] < 0x20 || s[i] == 0x7f) {
                        buf_printf(b, "\\u%04x", s[i]);
                        i++;
                        continue;
                }
                n = utf8_valid_len(s + i, len - i);
                if (n == 0) {
                        buf_puts(b, "\\ufffd");         /* one replacement per bad byte */
                        i++;
                        continue;
                }
                buf_put(b, str + i, n);
                i += n;
        }
}

int metrics_json_escape(const char *s, size_t len, char **ret) {
        _cleanup_(buf_done) Buf b = {};
        size_t ignored;

        assert(s || len == 0);
        assert(ret);

        if (len > 0)
                json_escape_into(&b, s, len);
        return buf_finish(&b, ret, &ignored);
}

/* A tiny streaming writer: it remembers whether a comma is due, so callers just emit
 * keys and values in order. */
typedef struct Json {
        Buf buf;
        bool need_comma;
} Json;

static void json_done(Json *j) {
        buf_done(&j->buf);
}

static void json_sep(Json *j) {
        if (j->need_comma)
                buf_putc(&j->buf, ',');
        j->need_comma = false;
}

static void json_str_raw(Json *j, const char *s) {
        buf_putc(&j->buf, '"');
        json_escape_into(&j->buf, s, strlen(s));
        buf_putc(&j->buf, '"');
}

static void json_key(Json *j, const char *key) {
        json_sep(j);
        json_str_raw(j, key);
        buf_putc(&j->buf, ':');
}

static void json_open(Json *j, const char *key, char bracket) {
        if (key)
                json_key(j, key);
        else
                json_sep(j);
        buf_putc(&j->buf, bracket);
        j->need_comma = false;
}

static void json_close(Json *j, char bracket) {
        buf_putc(&j->buf, bracket);
        j->need_comma = true;
}

static void json_null(Json *j, const char *key) {
        json_key(j, key);
        buf_puts(&j->buf, "null");
        j->need_comma = true;
}

static void json_string(Json *j, const char *key, const char *value) {
        if (!value) {
                json_null(j, key);
                return;
        }
        json_key(j, key);
        json_str_raw(j, value);
        j->need_comma = true;
}

static void json_bool(Json *j, const char *key, bool value) {
        json_key(j, key);
        buf_puts(&j->buf, value ? "true" : "false");
        j->need_comma = true;
}

static void json_u64(Json *j, const char *key, uint64_t value) {
        json_key(j, key);
        buf_u64(&j->buf, value);
        j->need_comma = true;
}

static void json_double(Json *j, const char *key, double value) {
        if (!isfinite(value)) {
                json_null(j, key);
                return;
        }
        json_key(j, key);
        buf_double(&j->buf, value);
        j->need_comma = true;
}

static void json_msec(Json *j, const char *key, usec_t u) {
        json_double(j, key, u == USEC_INFINITY ? INFINITY : (double) u / (double) USEC_PER_MSEC);
}

static void json_strv(Json *j, const char *key, char *const *strv) {
        if (!strv) {
                json_null(j, key);
                return;
        }
        json_open(j, key, '[');
        for (; *strv; strv++) {
                json_sep(j);
                json_str_raw(j, *strv);
                j->need_comma = true;
        }
        json_close(j, ']');
}

static void render_json_conf(Json *j, const Conf *conf) {
        const ConfEcho *e = &conf->echo;
        const ConfHttp *h = &conf->http;
        char seed[24];

        json_open(j, "config", '{');
        json_string(j, "path", conf->path);

        json_open(j, "echo", '{');
        json_bool(j, "enabled", e->enabled);
        json_strv(j, "listen", e->listen);
        json_double(j, "loss", e->loss);
        json_string(j, "loss_model", loss_model_to_string(e->loss_model));
        json_open(j, "gilbert_elliott", '{');
        json_double(j, "p", e->ge_p);
        json_double(j, "r", e->ge_r);
        json_double(j, "loss_good", e->ge_loss_good);
        json_double(j, "loss_bad", e->ge_loss_bad);
        json_close(j, '}');
        json_msec(j, "delay_ms", e->delay_usec);
        json_msec(j, "jitter_ms", e->jitter_usec);
        json_string(j, "distribution", delay_distribution_to_string(e->distribution));
        json_double(j, "duplicate", e->duplicate);
        json_double(j, "reorder", e->reorder);
        json_u64(j, "reorder_gap", e->reorder_gap);
        json_u64(j, "max_queue", e->max_queue);
        json_double(j, "rate_limit", e->rate_limit);
        json_u64(j, "rate_burst", e->rate_burst);
        json_bool(j, "allow_low_ports", e->allow_low_ports);
        /* A string: JavaScript numbers hold integers exactly only up to 2^53. */
        (void) snprintf(seed, sizeof(seed), "%llu", (unsigned long long) e->seed);
        json_string(j, "seed", seed);
        json_u64(j, "max_payload", e->max_payload);
        json_bool(j, "lab_compat", e->lab_compat);
        json_u64(j, "max_flows", e->max_flows);
        json_close(j, '}');

        json_open(j, "http", '{');
        json_bool(j, "enabled", h->enabled);
        json_strv(j, "listen", h->listen);
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
        json_strv(j, "status_allow", h->status_allow);
        json_close(j, '}');

        json_close(j, '}');
}

static void render_json_echo(Json *j, const MetricsSnapshot *s) {
        const EchoCounters *e = s->echo;

        if (!e) {
                json_null(j, "echo");
                return;
        }

        json_open(j, "echo", '{');
        json_u64(j, "received", e->received);
        json_u64(j, "replied", e->replied);
        json_open(j, "dropped", '{');
        json_u64(j, "loss", e->dropped_loss);
        json_u64(j, "rate_limit", e->dropped_rate_limit);
        json_u64(j, "low_port", e->dropped_low_port);
        json_u64(j, "self", e->dropped_self);
        json_u64(j, "queue_full", e->dropped_queue_full);
        json_u64(j, "too_big", e->dropped_too_big);
        json_u64(j, "truncated", e->truncated);
        json_u64(j, "send_error", e->send_errors);
        json_close(j, '}');
        json_u64(j, "duplicated", e->duplicated);
        json_u64(j, "reordered", e->reordered);
        json_u64(j, "delayed", e->delayed);
        json_u64(j, "probes", e->probes);
        json_u64(j, "bytes_in", e->bytes_in);
        json_u64(j, "bytes_out", e->bytes_out);
        json_u64(j, "queued_replies", s->echo_queue_length);
        json_u64(j, "flows", s->echo_flows);
        json_close(j, '}');
}

static void render_json_http(Json *j, const MetricsSnapshot *s) {
        static const MetricsHttp zero_requests = {};
        const MetricsHttp *m = s->http_requests ?: &zero_requests;
        const HttpCounters *h = s->http;
        static const char *const classes[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };

        if (!h) {
                json_null(j, "http");
                return;
        }

        json_open(j, "http", '{');
        json_u64(j, "connections_accepted", h->connections_accepted);
        json_u64(j, "connections_rejected", h->connections_rejected);
        json_u64(j, "open_connections", s->http_connections);
        json_u64(j, "requests", h->requests);
        json_u64(j, "response_bytes", h->response_bytes);
        json_u64(j, "timeouts", h->timeouts);
        json_u64(j, "bad_requests", h->bad_requests);

        json_open(j, "responses_by_class", '{');
        for (size_t i = 0; i < ELEMENTSOF(classes); i++)
                json_u64(j, classes[i], h->responses_by_class[i + 1]);
        json_close(j, '}');

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

        json_open(j, "responses_by_code", '{');
        FOREACH_SET_BIT(any, i) {
                char code[8];

                if (i == METRICS_N_STATUS - 1)
                        json_u64(j, "other", by_code[i]);
                else {
                        (void) snprintf(code, sizeof(code), "%zu", i + METRICS_STATUS_MIN);
                        json_u64(j, code, by_code[i]);
                }
        }
        json_close(j, '}');

        json_open(j, "requests_by_method", '{');
        for (size_t meth = 0; meth < METRICS_N_METHODS; meth++)
                if (by_method[meth] > 0)
                        json_u64(j, metrics_method_to_string(meth), by_method[meth]);
        json_close(j, '}');

        json_open(j, "duration", '{');
        json_u64(j, "count", m->duration_count);
        json_double(j, "sum_seconds", usec_to_sec(m->duration_sum_usec));
        json_double(j, "mean_ms", m->duration_count > 0
                                 ? (double) m->duration_sum_usec / (double) m->duration_count / 1000.0
                                 : 0.0);
        json_close(j, '}');
        json_close(j, '}');
}

int metrics_render_json(const MetricsSnapshot *s, char **ret, size_t *ret_len) {
        _cleanup_(json_done) Json j = {};

        assert(s);
        assert(s->conf);
        assert(s->version);
        assert(ret);
        assert(ret_len);

        json_open(&j, NULL, '{');
        json_string(&j, "version", s->version);
        json_double(&j, "start_time", usec_to_sec(s->start_realtime_usec));
        json_double(&j, "now", usec_to_sec(s->now_realtime_usec));
        json_double(&j, "uptime_seconds", usec_to_sec(s->uptime_usec));
        json_open(&j, "daemon", '{');
        json_u64(&j, "reloads", s->reloads);
        json_u64(&j, "reload_failures", s->reload_failures);
        json_u64(&j, "oom", s->oom);
        json_close(&j, '}');
        render_json_conf(&j, s->conf);
        render_json_echo(&j, s);
        render_json_http(&j, s);
        json_close(&j, '}');
        buf_putc(&j.buf, '\n');

        return buf_finish(&j.buf, ret, ret_len);
}

/* ---- status_allow ------------------------------------------------------------------------- */

int metrics_cidr_parse(const char *s, MetricsCidr *ret) {
        char addr[INET6_ADDRSTRLEN + 1];
        const char *slash;
        MetricsCidr c = {};
        unsigned long len;
        size_t n;
        bool v4;

        assert(s);
        assert(ret);

        slash = strchr(s, '/');
        n = slash ? (size_t) (slash - s) : strlen(s);
        if (n == 0 || n >= sizeof(addr))
                return -EINVAL;
        memcpy(addr, s, n);
        addr[n] = '\0';

        if (inet_pton(AF_INET, addr, c.addr + 12) == 1) {
                v4 = true;
                c.addr[10] = c.addr[11] = 0xff;
        } else if (inet_pton(AF_INET6, addr, c.addr) == 1)
                v4 = false;
        else
                return -EINVAL;

        len = v4 ? 32 : 128;
        if (slash) {
                char *end;

                /* Digits only: strtoul() would accept "+8", " 8" and "-0". */
                if (slash[1] < '0' || slash[1] > '9')
                        return -EINVAL;
                errno = 0;
                len = strtoul(slash + 1, &end, 10);
                if (errno != 0 || *end != '\0' || len > (v4 ? 32u : 128u))
                        return -EINVAL;
        }
        c.prefixlen = (unsigned) len + (v4 ? 96 : 0);

        for (unsigned bit = c.prefixlen; bit < 128; bit++)
                c.addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));

        *ret = c;
        return 0;
}

static bool cidr_contains(const MetricsCidr *c, const uint8_t addr[static 16]) {
        unsigned full = c->prefixlen / 8, rest = c->prefixlen % 8;

        if (memcmp(c->addr, addr, full) != 0)
                return false;
        if (rest == 0)
                return true;
        return ((c->addr[full] ^ addr[full]) & (uint8_t) (0xff00u >> rest)) == 0;
}

int metrics_peer_allowed(char *const *cidrs, const struct sockaddr *peer) {
        uint8_t addr[16] = {};

        if (!cidrs)
                return 1;
        if (!peer)
                return 0;

        switch (peer->sa_family) {
        case AF_INET: {
                const struct sockaddr_in *in = (const struct sockaddr_in *) peer;

                addr[10] = addr[11] = 0xff;
                memcpy(addr + 12, &in->sin_addr, 4);
                break;
        }
        case AF_INET6:
                memcpy(addr, &((const struct sockaddr_in6 *) peer)->sin6_addr, 16);
                break;
        default:
                return 0;
        }

        for (; *cidrs; cidrs++) {
                MetricsCidr c;

                if (metrics_cidr_parse(*cidrs, &c) < 0)
                        continue;
                if (cidr_contains(&c, addr))
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
