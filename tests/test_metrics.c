/* test_metrics.c — table tests for the pure metrics module: request accounting and the
 * histogram, JSON string escaping, the Prometheus and JSON renderers (checked line by
 * line and by a strict JSON validator below), CIDR parsing and the status_allow check,
 * and metrics_serve()'s dispatch. */
#include <arpa/inet.h>
#include <check.h>
#include <math.h>
#include <netinet/in.h>
#include <regex.h>
#include <string.h>

#include "echo.h"
#include "http_server.h"
#include "metrics.h"
#include "tests.h"

/* ---- a strict RFC 8259 validator (enough to prove the renderer's output parses) -------- */

typedef struct JsonCursor {
        const char *p;
        const char *end;
        unsigned depth;
} JsonCursor;

static bool jv_value(JsonCursor *c);

static void jv_ws(JsonCursor *c) {
        while (c->p < c->end && strchr(" \t\r\n", *c->p) && *c->p)
                c->p++;
}

static bool jv_lit(JsonCursor *c, const char *lit) {
        size_t n = strlen(lit);

        if ((size_t) (c->end - c->p) < n || memcmp(c->p, lit, n) != 0)
                return false;
        c->p += n;
        return true;
}

static bool jv_string(JsonCursor *c) {
        if (c->p >= c->end || *c->p != '"')
                return false;
        c->p++;
        while (c->p < c->end) {
                unsigned char ch = (unsigned char) *c->p;

                if (ch == '"') {
                        c->p++;
                        return true;
                }
                if (ch < 0x20)
                        return false;                   /* raw control character */
                if (ch == '\\') {
                        c->p++;
                        if (c->p >= c->end)
                                return false;
                        if (*c->p == 'u') {
                                for (int i = 1; i <= 4; i++)
                                        if (c->p + i >= c->end || !strchr("0123456789abcdefABCDEF", c->p[i]) || !c->p[i])
                                                return false;
                                c->p += 5;
                        } else if (strchr("\"\\/bfnrt", *c->p) && *c->p)
                                c->p++;
                        else
                                return false;
                        continue;
                }
                if (ch >= 0x80) {
                        /* The renderer promises valid UTF-8: check the lead byte shape. */
                        size_t n = ch >= 0xf0 ? 4 : ch >= 0xe0 ? 3 : ch >= 0xc2 ? 2 : 0;

                        if (n == 0 || c->p + n > c->end)
                                return false;
                        for (size_t i = 1; i < n; i++)
                                if (((unsigned char) c->p[i] & 0xc0) != 0x80)
                                        return false;
                        c->p += n;
                        continue;
                }
                c->p++;
        }
        return false;
}

static bool jv_number(JsonCursor *c) {
        const char *start = c->p;

        if (c->p < c->end && *c->p == '-')
                c->p++;
        if (c->p >= c->end)
                return false;
        if (*c->p == '0')
                c->p++;
        else if (*c->p >= '1' && *c->p <= '9')
                while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
                        c->p++;
        else
                return false;
        if (c->p < c->end && *c->p == '.') {
                c->p++;
                if (c->p >= c->end || *c->p < '0' || *c->p > '9')
                        return false;
                while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
                        c->p++;
        }
        if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
                c->p++;
                if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
                        c->p++;
                if (c->p >= c->end || *c->p < '0' || *c->p > '9')
                        return false;
                while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
                        c->p++;
        }
        return c->p > start;
}

static bool jv_container(JsonCursor *c, char close, bool object) {
        c->p++;
        jv_ws(c);
        if (c->p < c->end && *c->p == close) {
                c->p++;
                return true;
        }
        for (;;) {
                jv_ws(c);
                if (object) {
                        if (!jv_string(c))
                                return false;
                        jv_ws(c);
                        if (c->p >= c->end || *c->p != ':')
                                return false;
                        c->p++;
                }
                if (!jv_value(c))
                        return false;
                jv_ws(c);
                if (c->p >= c->end)
                        return false;
                if (*c->p == close) {
                        c->p++;
                        return true;
                }
                if (*c->p != ',')
                        return false;
                c->p++;
        }
}

static bool jv_value(JsonCursor *c) {
        bool ok;

        jv_ws(c);
        if (c->p >= c->end || ++c->depth > 64)
                return false;
        switch (*c->p) {
        case '{':
                ok = jv_container(c, '}', true);
                break;
        case '[':
                ok = jv_container(c, ']', false);
                break;
        case '"':
                ok = jv_string(c);
                break;
        case 't':
                ok = jv_lit(c, "true");
                break;
        case 'f':
                ok = jv_lit(c, "false");
                break;
        case 'n':
                ok = jv_lit(c, "null");
                break;
        default:
                ok = jv_number(c);
        }
        c->depth--;
        return ok;
}

static bool json_valid(const char *s, size_t len) {
        JsonCursor c = { .p = s, .end = s + len };

        if (!jv_value(&c))
                return false;
        jv_ws(&c);
        return c.p == c.end;
}

START_TEST(test_json_validator_self_check) {
        static const struct {
                const char *doc;
                bool valid;
        } cases[] = {
                { "{}", true },
                { "{\"a\":[1,2.5,-0.1e+3,true,false,null,\"x\\u00e9\"]}", true },
                { "{\"a\":1,}", false },
                { "{\"a\":NaN}", false },
                { "{\"a\":inf}", false },
                { "[\"\x01\"]", false },
                { "[\"\\x\"]", false },
                { "[01]", false },
                { "[1.]", false },
                { "{} x", false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                ck_assert_msg(json_valid(cases[i].doc, strlen(cases[i].doc)) == cases[i].valid,
                              "case %zu: %s", i, cases[i].doc);
}
END_TEST

/* ---- methods and request accounting ------------------------------------------------------ */

static const struct {
        const char *token;
        MetricsMethod expect;
} method_cases[] = {
        { "GET",     METRICS_METHOD_GET },
        { "HEAD",    METRICS_METHOD_HEAD },
        { "OPTIONS", METRICS_METHOD_OPTIONS },
        { "POST",    METRICS_METHOD_POST },
        { "TRACE",   METRICS_METHOD_TRACE },
        { "get",     METRICS_METHOD_OTHER },    /* RFC 9110 §9.1: case-sensitive */
        { "other",   METRICS_METHOD_OTHER },
        { "GETX",    METRICS_METHOD_OTHER },
        { "",        METRICS_METHOD_OTHER },
        { NULL,      METRICS_METHOD_OTHER },
};

START_TEST(test_method_table) {
        ck_assert_int_eq(metrics_method_from_string(method_cases[_i].token), method_cases[_i].expect);
}
END_TEST

START_TEST(test_method_to_string) {
        ck_assert_str_eq(metrics_method_to_string(METRICS_METHOD_GET), "GET");
        ck_assert_str_eq(metrics_method_to_string(METRICS_METHOD_OTHER), "other");
        ck_assert_ptr_null(metrics_method_to_string(_METRICS_METHOD_MAX));
        ck_assert_ptr_null(metrics_method_to_string(_METRICS_METHOD_INVALID));
}
END_TEST

static const struct {
        usec_t duration_usec;
        size_t bucket;                  /* index into duration_buckets */
} bucket_cases[] = {
        { 0,        0 },
        { 100,      0 },                /* "le" is inclusive */
        { 101,      1 },
        { 250,      1 },
        { 999,      3 },
        { 1000,     3 },
        { 1001,     4 },
        { 10000000, 15 },
        { 10000001, 16 },               /* +Inf */
        { UINT64_MAX / 2, 16 },
};

START_TEST(test_observe_bucket_table) {
        MetricsHttp m = {};

        metrics_http_observe(&m, "GET", 200, bucket_cases[_i].duration_usec, 10);
        for (size_t b = 0; b < METRICS_N_DURATION_BUCKETS; b++)
                ck_assert_uint_eq(m.duration_buckets[b], b == bucket_cases[_i].bucket ? 1 : 0);
        ck_assert_uint_eq(m.duration_count, 1);
        ck_assert_uint_eq(m.duration_sum_usec, bucket_cases[_i].duration_usec);
        ck_assert_uint_eq(m.bytes, 10);
}
END_TEST

START_TEST(test_observe_status_and_method) {
        MetricsHttp m = {};

        metrics_http_observe(&m, "GET", 200, 5, 100);
        metrics_http_observe(&m, "GET", 200, 5, 100);
        metrics_http_observe(&m, "HEAD", 304, 5, 50);
        metrics_http_observe(&m, NULL, 400, 5, 0);
        metrics_http_observe(&m, "BREW", 501, 5, 0);
        metrics_http_observe(&m, "GET", 99, 5, 0);      /* out of range: "other" */
        metrics_http_observe(&m, "GET", 600, 5, 0);
        metrics_http_observe(&m, "TRACE", 599, 5, 0);   /* last real index, last bitmap word */
        metrics_http_observe(&m, "TRACE", 163, 5, 0);   /* index 63/64: word boundary */
        metrics_http_observe(&m, "TRACE", 164, 5, 0);

        ck_assert_uint_eq(m.requests[METRICS_METHOD_GET][200 - METRICS_STATUS_MIN], 2);
        ck_assert_uint_eq(m.requests[METRICS_METHOD_HEAD][304 - METRICS_STATUS_MIN], 1);
        ck_assert_uint_eq(m.requests[METRICS_METHOD_OTHER][400 - METRICS_STATUS_MIN], 1);
        ck_assert_uint_eq(m.requests[METRICS_METHOD_OTHER][501 - METRICS_STATUS_MIN], 1);
        ck_assert_uint_eq(m.requests[METRICS_METHOD_GET][METRICS_N_STATUS - 1], 2);
        ck_assert_uint_eq(m.requests[METRICS_METHOD_GET][599 - METRICS_STATUS_MIN], 0);
        ck_assert_uint_eq(m.duration_count, 10);
        ck_assert_uint_eq(m.bytes, 250);

        /* The renderers walk only the seen bitmap: it must mirror the non-zero cells. */
        for (MetricsMethod meth = 0; meth < _METRICS_METHOD_MAX; meth++)
                for (size_t i = 0; i < METRICS_N_STATUS; i++)
                        ck_assert_int_eq(!!(m.seen[meth][i / 64] & (UINT64_C(1) << (i % 64))),
                                         m.requests[meth][i] > 0);
}
END_TEST

/* ---- JSON escaping ------------------------------------------------------------------------ */

static const struct {
        const char *in;
        size_t len;                     /* 0: strlen(in) */
        const char *out;
} escape_cases[] = {
        { "plain", 0, "plain" },
        { "", 0, "" },
        { "a\"b", 0, "a\\\"b" },
        { "back\\slash", 0, "back\\\\slash" },
        { "nl\ncr\rtab\t", 0, "nl\\ncr\\rtab\\t" },
        { "\x01\x1f\x7f", 0, "\\u0001\\u001f\\u007f" },
        { "</script><b>&", 0, "\\u003c/script\\u003e\\u003cb\\u003e\\u0026" },
        { "nul\0byte", 8, "nul\\u0000byte" },
        { "caf\xc3\xa9", 0, "caf\xc3\xa9" },                       /* é kept as UTF-8 */
        { "\xe2\x82\xac \xf0\x9f\x98\x80", 0, "\xe2\x82\xac \xf0\x9f\x98\x80" },   /* € 😀 */
        { "\xff", 0, "\\ufffd" },
        { "\xc0\xaf", 0, "\\ufffd\\ufffd" },                       /* overlong '/' */
        { "\xed\xa0\x80", 0, "\\ufffd\\ufffd\\ufffd" },            /* UTF-16 surrogate */
        { "\xe2\x82", 0, "\\ufffd\\ufffd" },                       /* truncated */
        { "\xf4\x90\x80\x80", 0, "\\ufffd\\ufffd\\ufffd\\ufffd" }, /* above U+10FFFF */
        { "\xe0\x80\x80", 0, "\\ufffd\\ufffd\\ufffd" },            /* overlong 3-byte */
        { "ok\xc3", 0, "ok\\ufffd" },
};

START_TEST(test_json_escape_table) {
        _cleanup_free_ char *out = NULL;
        const char *in = escape_cases[_i].in;
        size_t len = escape_cases[_i].len ?: strlen(in);
        _cleanup_free_ char *doc = NULL;

        ck_assert_int_eq(metrics_json_escape(in, len, &out), 0);
        ck_assert_str_eq(out, escape_cases[_i].out);

        ck_assert_int_ge(asprintf(&doc, "[\"%s\"]", out), 0);
        ck_assert_msg(json_valid(doc, strlen(doc)), "not valid JSON: %s", doc);
}
END_TEST

/* ---- CIDRs and status_allow --------------------------------------------------------------- */

static const struct {
        const char *cidr;
        int expect;
        unsigned prefixlen;
} cidr_cases[] = {
        { "127.0.0.0/8",        0, 104 },
        { "127.0.0.1",          0, 128 },
        { "127.0.0.1/8",        0, 104 },       /* host bits ignored */
        { "0.0.0.0/0",          0, 96 },
        { "10.1.2.3/32",        0, 128 },
        { "::1",                0, 128 },
        { "::/0",               0, 0 },
        { "fe80::/10",          0, 10 },
        { "2001:db8::/129",     -EINVAL, 0 },
        { "10.0.0.0/33",        -EINVAL, 0 },
        { "10.0.0.0/",          -EINVAL, 0 },
        { "10.0.0.0/+8",        -EINVAL, 0 },
        { "10.0.0.0/ 8",        -EINVAL, 0 },
        { "10.0.0.0/8x",        -EINVAL, 0 },
        { "10.0.0.0/-1",        -EINVAL, 0 },
        { "10.0.0/8",           -EINVAL, 0 },
        { "/8",                 -EINVAL, 0 },
        { "",                   -EINVAL, 0 },
        { "localhost",          -EINVAL, 0 },
        { "10.0.0.0/99999999999999999999", -EINVAL, 0 },
        { "1111:2222:3333:4444:5555:6666:7777:8888:9999/64", -EINVAL, 0 },
};

START_TEST(test_cidr_parse_table) {
        MetricsCidr c = { .prefixlen = 999 };

        ck_assert_int_eq(metrics_cidr_parse(cidr_cases[_i].cidr, &c), cidr_cases[_i].expect);
        if (cidr_cases[_i].expect == 0)
                ck_assert_uint_eq(c.prefixlen, cidr_cases[_i].prefixlen);
        else
                ck_assert_uint_eq(c.prefixlen, 999);    /* untouched on failure */
}
END_TEST

static struct sockaddr_storage make_peer(const char *addr) {
        struct sockaddr_storage ss = {};
        struct sockaddr_in *in = (struct sockaddr_in *) &ss;
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;

        if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
                in->sin_family = AF_INET;
                in->sin_port = htons(40000);
        } else {
                ck_assert_int_eq(inet_pton(AF_INET6, addr, &in6->sin6_addr), 1);
                in6->sin6_family = AF_INET6;
                in6->sin6_port = htons(40000);
        }
        return ss;
}

static char *loopback_only[] = { (char *) "127.0.0.0/8", (char *) "::1", NULL };
static char *lan[] = { (char *) "bogus", (char *) "192.168.1.0/24", (char *) "fd00::/8", NULL };
static char *v4_all[] = { (char *) "0.0.0.0/0", NULL };
static char *mapped_entry[] = { (char *) "::ffff:10.0.0.0/104", NULL };
static char *odd_prefix[] = { (char *) "10.64.0.0/10", NULL };
static char *empty[] = { NULL };

static const struct {
        char **allow;
        const char *peer;
        int expect;
} allow_cases[] = {
        { NULL,          "203.0.113.9",       1 },      /* default: everybody */
        { NULL,          "2001:db8::1",       1 },
        { empty,         "127.0.0.1",         0 },
        { loopback_only, "127.0.0.1",         1 },
        { loopback_only, "127.255.0.9",       1 },
        { loopback_only, "128.0.0.1",         0 },
        { loopback_only, "::1",               1 },
        { loopback_only, "::2",               0 },
        { loopback_only, "::ffff:127.0.0.1",  1 },      /* v4-mapped peer on a v6 socket */
        { loopback_only, "::ffff:10.0.0.1",   0 },
        { loopback_only, "::127.0.0.1",       0 },      /* v4-compatible is not mapped */
        { lan,           "192.168.1.77",      1 },      /* unparsable entry skipped */
        { lan,           "192.168.2.77",      0 },
        { lan,           "fd12:3456::1",      1 },
        { lan,           "fe80::1",           0 },
        { v4_all,        "8.8.8.8",           1 },
        { v4_all,        "::ffff:8.8.8.8",    1 },
        { v4_all,        "2001:db8::1",       0 },
        { mapped_entry,  "10.9.8.7",          1 },      /* v6-spelled entry, AF_INET peer */
        { mapped_entry,  "11.0.0.1",          0 },
        { odd_prefix,    "10.127.255.255",    1 },
        { odd_prefix,    "10.128.0.0",        0 },
        { odd_prefix,    "10.63.255.255",     0 },
};

START_TEST(test_peer_allowed_table) {
        struct sockaddr_storage ss = make_peer(allow_cases[_i].peer);

        ck_assert_int_eq(metrics_peer_allowed(allow_cases[_i].allow, (struct sockaddr *) &ss),
                         allow_cases[_i].expect);
}
END_TEST

START_TEST(test_peer_allowed_other_family) {
        struct sockaddr sa = { .sa_family = AF_UNIX };

        ck_assert_int_eq(metrics_peer_allowed(loopback_only, &sa), 0);
        ck_assert_int_eq(metrics_peer_allowed(NULL, &sa), 1);
        ck_assert_int_eq(metrics_peer_allowed(loopback_only, NULL), 0);
}
END_TEST

/* ---- renderers ---------------------------------------------------------------------------- */

static char *echo_listen[] = { (char *) "127.0.0.1:8080", (char *) "[::1]:8080", NULL };
static char *http_listen[] = { (char *) "0.0.0.0:8080", NULL };

static Conf test_conf(void) {
        return (Conf) {
                .n_ref = 1,
                .path = (char *) "/etc/netlab.conf",
                .echo = {
                        .enabled = true,
                        .listen = echo_listen,
                        .loss = 0.3,
                        .loss_model = LOSS_MODEL_RANDOM,
                        .delay_usec = 10 * USEC_PER_MSEC,
                        .jitter_usec = 2500,
                        .distribution = DELAY_DIST_NORMAL,
                        .max_queue = 1024,
                        .seed = UINT64_MAX,
                        .max_payload = 65507,
                },
                .http = {
                        .enabled = true,
                        .listen = http_listen,
                        .root = (char *) "/usr/share/netlab/www",
                        .index = (char *) "index.html",
                        .server_header = (char *) "netlab",
                        .header_timeout_usec = 10 * USEC_PER_SEC,
                        .max_connections = 1000,
                        .metrics_path = (char *) "/metrics",
                        .status_path = (char *) "/api/status",
                },
        };
}

static EchoCounters test_echo = {
        .received = 1000, .replied = 690, .dropped_loss = 300, .dropped_rate_limit = 7,
        .dropped_low_port = 3, .duplicated = 2, .probes = 900, .bytes_in = 64000, .bytes_out = 44160,
};
static HttpCounters test_http = {
        .connections_accepted = 12, .requests = 40, .responses_by_class = { 0, 0, 30, 2, 8, 0 },
        .response_bytes = 123456, .bad_requests = 1,
};

static MetricsSnapshot test_snapshot(const Conf *c, MetricsHttp *m) {
        metrics_http_observe(m, "GET", 200, 150, 1000);
        metrics_http_observe(m, "GET", 200, 90, 1000);
        metrics_http_observe(m, "GET", 404, 20000, 300);
        metrics_http_observe(m, NULL, 400, 20000000, 100);
        return (MetricsSnapshot) {
                .conf = c,
                .version = "0.1.0",
                .echo = &test_echo,
                .http = &test_http,
                .http_requests = m,
                .echo_queue_length = 5,
                .echo_flows = 3,
                .http_connections = 2,
                .start_realtime_usec = 1764000000 * USEC_PER_SEC + 250000,
                .now_realtime_usec = 1764000100 * USEC_PER_SEC,
                .uptime_usec = 99750000,
                .reloads = 1,
        };
}

static bool has_line(const char *body, const char *line) {
        size_t n = strlen(line);

        for (const char *p = body; (p = strstr(p, line)); p++)
                if ((p == body || p[-1] == '\n') && p[n] == '\n')
                        return true;
        return false;
}

static const char *const prom_lines[] = {
        "# TYPE netlab_build_info gauge",
        "netlab_build_info{version=\"0.1.0\"} 1",
        "process_start_time_seconds 1764000000.25",
        "netlab_echo_received_total 1000",
        "netlab_echo_replied_total 690",
        "netlab_echo_dropped_total{reason=\"loss\"} 300",
        "netlab_echo_dropped_total{reason=\"rate_limit\"} 7",
        "netlab_echo_dropped_total{reason=\"low_port\"} 3",
        "netlab_echo_dropped_total{reason=\"send_error\"} 0",
        "netlab_echo_duplicated_total 2",
        "netlab_echo_queued_replies 5",
        "netlab_echo_flows 3",
        "netlab_echo_loss_ratio 0.3",
        "netlab_echo_delay_seconds 0.01",
        "netlab_echo_jitter_seconds 0.0025",
        "netlab_echo_loss_model_info{model=\"random\",distribution=\"normal\"} 1",
        "# TYPE netlab_http_requests_total counter",
        "netlab_http_requests_total{code=\"200\",method=\"GET\"} 2",
        "netlab_http_requests_total{code=\"404\",method=\"GET\"} 1",
        "netlab_http_requests_total{code=\"400\",method=\"other\"} 1",
        "netlab_http_response_bytes_total 123456",
        "netlab_http_open_connections 2",
        "# TYPE netlab_http_request_duration_seconds histogram",
        "netlab_http_request_duration_seconds_bucket{le=\"0.000100\"} 1",
        "netlab_http_request_duration_seconds_bucket{le=\"0.000250\"} 2",
        "netlab_http_request_duration_seconds_bucket{le=\"0.025000\"} 3",
        "netlab_http_request_duration_seconds_bucket{le=\"10.000000\"} 3",
        "netlab_http_request_duration_seconds_bucket{le=\"+Inf\"} 4",
        "netlab_http_request_duration_seconds_count 4",
        "netlab_http_request_duration_seconds_sum 20.02024",
        "netlab_config_reloads_total 1",
};

START_TEST(test_prometheus_lines) {
        Conf c = test_conf();
        MetricsHttp m = {};
        MetricsSnapshot s = test_snapshot(&c, &m);
        _cleanup_free_ char *body = NULL;
        size_t len;

        ck_assert_int_eq(metrics_render_prometheus(&s, &body, &len), 0);
        ck_assert_uint_eq(len, strlen(body));
        ck_assert_msg(has_line(body, prom_lines[_i]), "missing line '%s' in:\n%s", prom_lines[_i], body);
}
END_TEST

/* Every line is a comment (HELP/TYPE) or a sample in the 0.0.4 grammar; every sample's
 * family was announced by a TYPE line before it; each family appears once. */
START_TEST(test_prometheus_grammar) {
        Conf c = test_conf();
        MetricsHttp m = {};
        MetricsSnapshot s = test_snapshot(&c, &m);
        _cleanup_free_ char *body = NULL;
        char type_seen[64][80] = {};
        size_t n_types = 0, len;
        regex_t help, type, sample;
        char *save = NULL;

        /* Empty value and metrics (m = {}) must render too. */
        ck_assert_int_eq(metrics_render_prometheus(&s, &body, &len), 0);
        ck_assert(len > 0 && body[len - 1] == '\n');

        ck_assert_int_eq(regcomp(&help, "^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* [^\n]+$", REG_EXTENDED | REG_NOSUB), 0);
        ck_assert_int_eq(regcomp(&type, "^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram)$", REG_EXTENDED), 0);
        ck_assert_int_eq(regcomp(&sample,
                                 "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\.)*\""
                                 "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|\\\\.)*\")*\\})? "
                                 "(-?[0-9]+(\\.[0-9]+)?(e[-+][0-9]+)?|NaN|\\+Inf|-Inf)$",
                                 REG_EXTENDED), 0);

        for (char *line = strtok_r(body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                regmatch_t mt[2];

                if (regexec(&help, line, 0, NULL, 0) == 0)
                        continue;
                if (regexec(&type, line, 2, mt, 0) == 0) {
                        ck_assert_uint_lt(n_types, ELEMENTSOF(type_seen));
                        snprintf(type_seen[n_types], sizeof(type_seen[0]), "%.*s",
                                 (int) (mt[1].rm_eo - mt[1].rm_so), line + mt[1].rm_so);
                        for (size_t i = 0; i < n_types; i++)
                                ck_assert_str_ne(type_seen[i], type_seen[n_types]);
                        n_types++;
                        continue;
                }
                ck_assert_msg(regexec(&sample, line, 2, mt, 0) == 0, "bad line '%s'", line);
                ck_assert_msg(n_types > 0, "sample before any TYPE: '%s'", line);
                ck_assert_msg(strncmp(line, type_seen[n_types - 1], strlen(type_seen[n_types - 1])) == 0,
                              "sample '%s' outside its family '%s'", line, type_seen[n_types - 1]);
        }
        ck_assert_uint_ge(n_types, 30);

        regfree(&help);
        regfree(&type);
        regfree(&sample);
}
END_TEST

START_TEST(test_prometheus_no_services) {
        Conf c = test_conf();
        MetricsSnapshot s = { .conf = &c, .version = "weird \"ver\"\\\nsion" };
        _cleanup_free_ char *body = NULL;
        size_t len;

        ck_assert_int_eq(metrics_render_prometheus(&s, &body, &len), 0);
        ck_assert(has_line(body, "netlab_build_info{version=\"weird \\\"ver\\\"\\\\\\nsion\"} 1"));
        ck_assert(has_line(body, "netlab_echo_received_total 0"));
        ck_assert(has_line(body, "netlab_http_request_duration_seconds_bucket{le=\"+Inf\"} 0"));
        ck_assert(!strstr(body, "netlab_http_requests_total{"));
}
END_TEST

START_TEST(test_prometheus_nonfinite) {
        Conf c = test_conf();
        MetricsSnapshot s = { .conf = &c, .version = "1" };
        _cleanup_free_ char *body = NULL;
        size_t len;

        c.echo.loss = NAN;
        c.echo.duplicate = INFINITY;
        ck_assert_int_eq(metrics_render_prometheus(&s, &body, &len), 0);
        ck_assert(has_line(body, "netlab_echo_loss_ratio NaN"));
        ck_assert(has_line(body, "netlab_echo_duplicate_ratio +Inf"));
}
END_TEST

START_TEST(test_json_full) {
        Conf c = test_conf();
        MetricsHttp m = {};
        MetricsSnapshot s = test_snapshot(&c, &m);
        _cleanup_free_ char *body = NULL;
        size_t len;

        ck_assert_int_eq(metrics_render_json(&s, &body, &len), 0);
        ck_assert_uint_eq(len, strlen(body));
        ck_assert_msg(json_valid(body, len), "invalid JSON:\n%s", body);

        ck_assert(strstr(body, "\"version\":\"0.1.0\""));
        ck_assert(strstr(body, "\"uptime_seconds\":99.75"));
        ck_assert(strstr(body, "\"start_time\":1764000000.25"));
        ck_assert(strstr(body, "\"loss\":0.3,"));
        ck_assert(strstr(body, "\"loss_model\":\"random\""));
        ck_assert(strstr(body, "\"delay_ms\":10,"));
        ck_assert(strstr(body, "\"jitter_ms\":2.5,"));
        ck_assert(strstr(body, "\"seed\":\"18446744073709551615\""));
        ck_assert(strstr(body, "\"listen\":[\"127.0.0.1:8080\",\"[::1]:8080\"]"));
        ck_assert(strstr(body, "\"status_allow\":null"));
        ck_assert(strstr(body, "\"received\":1000,"));
        ck_assert(strstr(body, "\"dropped\":{\"loss\":300,\"rate_limit\":7,\"low_port\":3,"));
        ck_assert(strstr(body, "\"queued_replies\":5,"));
        ck_assert(strstr(body, "\"responses_by_class\":{\"1xx\":0,\"2xx\":30,\"3xx\":2,\"4xx\":8,\"5xx\":0}"));
        ck_assert(strstr(body, "\"responses_by_code\":{\"200\":2,\"400\":1,\"404\":1}"));
        ck_assert(strstr(body, "\"requests_by_method\":{\"GET\":3,\"other\":1}"));
        ck_assert(strstr(body, "\"open_connections\":2,"));
}
END_TEST

/* Hostile configuration strings and values that JSON cannot express must still give a
 * valid document, and nothing in it may look like markup. */
START_TEST(test_json_hostile) {
        static char *allow[] = { (char *) "127.0.0.0/8", (char *) "\"},{\"x\":1", NULL };
        Conf c = test_conf();
        MetricsSnapshot s = { .conf = &c, .version = "v\x01\xff" };
        _cleanup_free_ char *body = NULL;
        size_t len;

        c.path = NULL;
        c.http.root = (char *) "/srv/</script><script>alert(1)</script>\n\"\\";
        c.http.index = (char *) "\xc3\x28idx";
        c.http.server_header = (char *) "";
        c.http.status_allow = allow;
        c.echo.loss = NAN;
        c.echo.reorder = -INFINITY;
        c.echo.delay_usec = USEC_INFINITY;
        c.echo.listen = NULL;

        ck_assert_int_eq(metrics_render_json(&s, &body, &len), 0);
        ck_assert_msg(json_valid(body, len), "invalid JSON:\n%s", body);
        ck_assert(!strchr(body, '<'));
        ck_assert(!strchr(body, '>'));
        ck_assert(strstr(body, "\"path\":null"));
        ck_assert(strstr(body, "\"loss\":null"));
        ck_assert(strstr(body, "\"reorder\":null"));
        ck_assert(strstr(body, "\"delay_ms\":null"));
        ck_assert(strstr(body, "\"version\":\"v\\u0001\\ufffd\""));
        ck_assert(strstr(body, "\"echo\":null"));
        ck_assert(strstr(body, "\"http\":null"));
        ck_assert(strstr(body, "\"status_allow\":[\"127.0.0.0/8\",\"\\\"},{\\\"x\\\":1\"]"));
}
END_TEST

/* ---- metrics_serve ------------------------------------------------------------------------ */

static char *serve_allow[] = { (char *) "127.0.0.1", NULL };

static const struct {
        const char *metrics_path;
        const char *status_path;
        char **allow;
        const char *path;
        const char *peer;
        int expect;
        const char *content_type;
} serve_cases[] = {
        { "/metrics", "/api/status", NULL,        "/metrics",    "10.0.0.1",  0,       METRICS_PROMETHEUS_CONTENT_TYPE },
        { "/metrics", "/api/status", NULL,        "/api/status", "10.0.0.1",  0,       METRICS_JSON_CONTENT_TYPE },
        { "/metrics", "/api/status", NULL,        "/metrics/",   "10.0.0.1",  -ENOENT, NULL },
        { "/metrics", "/api/status", NULL,        "/",           "10.0.0.1",  -ENOENT, NULL },
        { "",         "/api/status", NULL,        "",            "10.0.0.1",  -ENOENT, NULL },   /* disabled */
        { "",         "",            NULL,        "/metrics",    "10.0.0.1",  -ENOENT, NULL },
        { NULL,       NULL,          NULL,        "/metrics",    "10.0.0.1",  -ENOENT, NULL },
        { "/m",       "/s",          serve_allow, "/m",          "127.0.0.1", 0,       METRICS_PROMETHEUS_CONTENT_TYPE },
        { "/m",       "/s",          serve_allow, "/s",          "10.0.0.1",  -EACCES, NULL },
        { "/m",       "/s",          serve_allow, "/m",          "::1",       -EACCES, NULL },
        { "/m",       "/s",          serve_allow, "/other",      "10.0.0.1",  -ENOENT, NULL },   /* 404, not 403 */
};

START_TEST(test_serve_table) {
        Conf c = test_conf();
        MetricsHttp m = {};
        MetricsSnapshot s = test_snapshot(&c, &m);
        struct sockaddr_storage peer = make_peer(serve_cases[_i].peer);
        _cleanup_free_ char *body = NULL;
        const char *ct = NULL;
        size_t len = 0;

        c.http.metrics_path = (char *) serve_cases[_i].metrics_path;
        c.http.status_path = (char *) serve_cases[_i].status_path;
        c.http.status_allow = serve_cases[_i].allow;

        ck_assert_int_eq(metrics_serve(&s, serve_cases[_i].path, (struct sockaddr *) &peer, &body, &len, &ct),
                         serve_cases[_i].expect);
        if (serve_cases[_i].expect == 0) {
                ck_assert_str_eq(ct, serve_cases[_i].content_type);
                ck_assert_ptr_nonnull(body);
                ck_assert_uint_eq(len, strlen(body));
        } else {
                ck_assert_ptr_null(body);
                ck_assert_ptr_null(ct);
        }
}
END_TEST

static Suite *metrics_suite(void) {
        Suite *s = suite_create("metrics");
        TCase *tc;

        tc = tcase_create("json-validator");
        tcase_add_test(tc, test_json_validator_self_check);
        suite_add_tcase(s, tc);

        tc = tcase_create("observe");
        tcase_add_loop_test(tc, test_method_table, 0, ELEMENTSOF(method_cases));
        tcase_add_test(tc, test_method_to_string);
        tcase_add_loop_test(tc, test_observe_bucket_table, 0, ELEMENTSOF(bucket_cases));
        tcase_add_test(tc, test_observe_status_and_method);
        suite_add_tcase(s, tc);

        tc = tcase_create("escape");
        tcase_add_loop_test(tc, test_json_escape_table, 0, ELEMENTSOF(escape_cases));
        suite_add_tcase(s, tc);

        tc = tcase_create("allow");
        tcase_add_loop_test(tc, test_cidr_parse_table, 0, ELEMENTSOF(cidr_cases));
        tcase_add_loop_test(tc, test_peer_allowed_table, 0, ELEMENTSOF(allow_cases));
        tcase_add_test(tc, test_peer_allowed_other_family);
        suite_add_tcase(s, tc);

        tc = tcase_create("render");
        tcase_add_loop_test(tc, test_prometheus_lines, 0, ELEMENTSOF(prom_lines));
        tcase_add_test(tc, test_prometheus_grammar);
        tcase_add_test(tc, test_prometheus_no_services);
        tcase_add_test(tc, test_prometheus_nonfinite);
        tcase_add_test(tc, test_json_full);
        tcase_add_test(tc, test_json_hostile);
        tcase_add_loop_test(tc, test_serve_table, 0, ELEMENTSOF(serve_cases));
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(metrics_suite)
