/* test_metrics.c — table tests for the pure metrics module: request accounting and the
 * histogram, the Prometheus and JSON renderers (checked line by line, by json_validate()
 * and against golden files), the status_allow check and metrics_serve()'s dispatch. */
#include <arpa/inet.h>
#include <check.h>
#include <math.h>
#include <netinet/in.h>
#include <regex.h>
#include <string.h>

#include "counters.h"
#include "json.h"
#include "metrics.h"
#include "tests.h"

/* ---- methods and request accounting ------------------------------------------------------ */

/* One method enum: the label of each row is the parser's token, plus "other". */
static const struct {
        size_t row;
        const char *label;
} method_cases[] = {
        { HTTP_METHOD_GET,      "GET" },
        { HTTP_METHOD_HEAD,     "HEAD" },
        { HTTP_METHOD_OPTIONS,  "OPTIONS" },
        { HTTP_METHOD_POST,     "POST" },
        { HTTP_METHOD_TRACE,    "TRACE" },
        { METRICS_METHOD_OTHER, "other" },
};

START_TEST(test_method_table) {
        ck_assert_str_eq(metrics_method_to_string(method_cases[_i].row), method_cases[_i].label);
}
END_TEST

START_TEST(test_method_to_string) {
        for (size_t m = 0; m < _HTTP_METHOD_MAX; m++)
                ck_assert_str_eq(metrics_method_to_string(m), http_method_to_string((HttpMethod) m));
        ck_assert_ptr_null(metrics_method_to_string(METRICS_N_METHODS));
        ck_assert_ptr_null(metrics_method_to_string(SIZE_MAX));
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

        metrics_http_observe(&m, HTTP_METHOD_GET, 200, bucket_cases[_i].duration_usec, 10);
        for (size_t b = 0; b < METRICS_N_DURATION_BUCKETS; b++)
                ck_assert_uint_eq(m.duration_buckets[b], b == bucket_cases[_i].bucket ? 1 : 0);
        ck_assert_uint_eq(m.duration_count, 1);
        ck_assert_uint_eq(m.duration_sum_usec, bucket_cases[_i].duration_usec);
        ck_assert_uint_eq(m.bytes, 10);
}
END_TEST

START_TEST(test_observe_status_and_method) {
        MetricsHttp m = {};

        metrics_http_observe(&m, HTTP_METHOD_GET, 200, 5, 100);
        metrics_http_observe(&m, HTTP_METHOD_GET, 200, 5, 100);
        metrics_http_observe(&m, HTTP_METHOD_HEAD, 304, 5, 50);
        metrics_http_observe(&m, _HTTP_METHOD_INVALID, 400, 5, 0);
        metrics_http_observe(&m, _HTTP_METHOD_MAX, 501, 5, 0);
        metrics_http_observe(&m, HTTP_METHOD_GET, 99, 5, 0);      /* out of range: "other" */
        metrics_http_observe(&m, HTTP_METHOD_GET, 600, 5, 0);
        metrics_http_observe(&m, HTTP_METHOD_TRACE, 599, 5, 0);   /* last real index, last bitmap word */
        metrics_http_observe(&m, HTTP_METHOD_TRACE, 163, 5, 0);   /* index 63/64: word boundary */
        metrics_http_observe(&m, HTTP_METHOD_TRACE, 164, 5, 0);

        ck_assert_uint_eq(m.requests[HTTP_METHOD_GET][200 - METRICS_STATUS_MIN], 2);
        ck_assert_uint_eq(m.requests[HTTP_METHOD_HEAD][304 - METRICS_STATUS_MIN], 1);
        ck_assert_uint_eq(m.requests[METRICS_METHOD_OTHER][400 - METRICS_STATUS_MIN], 1);
        ck_assert_uint_eq(m.requests[METRICS_METHOD_OTHER][501 - METRICS_STATUS_MIN], 1);
        ck_assert_uint_eq(m.requests[HTTP_METHOD_GET][METRICS_N_STATUS - 1], 2);
        ck_assert_uint_eq(m.requests[HTTP_METHOD_GET][599 - METRICS_STATUS_MIN], 0);
        ck_assert_uint_eq(m.duration_count, 10);
        ck_assert_uint_eq(m.bytes, 250);

        /* The renderers walk only the seen bitmap: it must mirror the non-zero cells. */
        for (size_t meth = 0; meth < METRICS_N_METHODS; meth++)
                for (size_t i = 0; i < METRICS_N_STATUS; i++)
                        ck_assert_int_eq(!!(m.seen[meth][i / 64] & (UINT64_C(1) << (i % 64))),
                                         m.requests[meth][i] > 0);
}
END_TEST

/* ---- CIDRs and status_allow --------------------------------------------------------------- */

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

static EchoStats test_echo = {
        .counters = {
                .received = 1000, .replied = 690, .dropped_loss = 300, .dropped_rate_limit = 7,
                .dropped_low_port = 3, .duplicated = 2, .probes = 900, .bytes_in = 64000,
                .bytes_out = 44160,
        },
        .queued_replies = 5,
        .flows = 3,
};
static EchoStats test_stamp_echo = {
        .counters = { .received = 50, .replied = 40, .dropped_loss = 8, .bytes_in = 2200, .bytes_out = 1760 },
        .flows = 2,
};
static StampStats test_stamp = {
        .counters = { .requests = 49, .invalid = 1, .tlv_malformed = 4, .tlv_unrecognized = 3 },
};
static HttpStats test_http = {
        .counters = {
                .connections_accepted = 12, .requests = 40, .responses_by_class = { 0, 0, 30, 2, 8, 0 },
                .response_bytes = 123456, .bad_requests = 1,
        },
        .open_connections = 2,
};

static MetricsSnapshot test_snapshot(const Conf *c, MetricsHttp *m) {
        metrics_http_observe(m, HTTP_METHOD_GET, 200, 150, 1000);
        metrics_http_observe(m, HTTP_METHOD_GET, 200, 90, 1000);
        metrics_http_observe(m, HTTP_METHOD_GET, 404, 20000, 300);
        metrics_http_observe(m, _HTTP_METHOD_INVALID, 400, 20000000, 100);
        return (MetricsSnapshot) {
                .conf = c,
                .version = "0.1.0",
                .echo = &test_echo,
                .stamp_echo = &test_stamp_echo,
                .stamp = &test_stamp,
                .http = &test_http,
                .http_requests = m,
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
        "netlab_echo_received_total{service=\"echo\"} 1000",
        "netlab_echo_replied_total{service=\"echo\"} 690",
        "netlab_echo_dropped_total{service=\"echo\",reason=\"loss\"} 300",
        "netlab_echo_dropped_total{service=\"echo\",reason=\"rate_limit\"} 7",
        "netlab_echo_dropped_total{service=\"echo\",reason=\"low_port\"} 3",
        "netlab_echo_dropped_total{service=\"echo\",reason=\"send_error\"} 0",
        "netlab_echo_duplicated_total{service=\"echo\"} 2",
        "netlab_echo_queued_replies{service=\"echo\"} 5",
        "netlab_echo_flows{service=\"echo\"} 3",
        "netlab_echo_received_total{service=\"stamp\"} 50",
        "netlab_echo_replied_total{service=\"stamp\"} 40",
        "netlab_echo_dropped_total{service=\"stamp\",reason=\"loss\"} 8",
        "netlab_echo_flows{service=\"stamp\"} 2",
        "# TYPE netlab_stamp_requests_total counter",
        "netlab_stamp_requests_total 49",
        "netlab_stamp_invalid_total 1",
        "netlab_stamp_tlv_malformed_total 4",
        "netlab_stamp_tlv_unrecognized_total 3",
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
        "netlab_http_request_duration_seconds_bucket{le=\"0.0001\"} 1",
        "netlab_http_request_duration_seconds_bucket{le=\"0.00025\"} 2",
        "netlab_http_request_duration_seconds_bucket{le=\"0.025\"} 3",
        "netlab_http_request_duration_seconds_bucket{le=\"10\"} 3",
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
        ck_assert(has_line(body, "netlab_echo_received_total{service=\"echo\"} 0"));
        ck_assert(has_line(body, "netlab_echo_received_total{service=\"stamp\"} 0"));
        ck_assert(has_line(body, "netlab_stamp_invalid_total 0"));
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
        ck_assert_msg(json_validate(body, len), "invalid JSON:\n%s", body);

        ck_assert(strstr(body, "\"version\":\"0.1.0\""));
        ck_assert(strstr(body, "\"uptime_seconds\":99.75"));
        ck_assert(strstr(body, "\"start_time\":1764000000.25"));
        ck_assert(strstr(body, "\"loss\":0.3,"));
        ck_assert(strstr(body, "\"loss_model\":\"random\""));
        ck_assert(strstr(body, "\"delay_ms\":10,"));
        ck_assert(strstr(body, "\"jitter_ms\":2.5,"));
        ck_assert(strstr(body, "\"seed\":\"18446744073709551615\""));
        ck_assert(strstr(body, "\"listen\":[\"127.0.0.1:8080\",\"[::1]:8080\"]"));
        /* No status_allow (everyone reads the counters): the JSON says [], as the file
         * would, and keeps the filesystem paths to itself. */
        ck_assert(strstr(body, "\"status_allow\":[]"));
        ck_assert(!strstr(body, "\"root\""));
        ck_assert(!strstr(body, "\"path\""));
        ck_assert(!strstr(body, "/usr/share/netlab/www"));
        free(body);
        body = NULL;
        s.show_paths = true;
        ck_assert_int_eq(metrics_render_json(&s, &body, &len), 0);
        ck_assert(strstr(body, "\"root\":\"/usr/share/netlab/www\""));
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
        MetricsSnapshot s = { .conf = &c, .version = "v\x01\xff", .show_paths = true };
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
        ck_assert_msg(json_validate(body, len), "invalid JSON:\n%s", body);
        ck_assert(!strchr(body, '<'));
        ck_assert(!strchr(body, '>'));
        ck_assert(strstr(body, "\"path\":null"));
        ck_assert(strstr(body, "\"loss\":null"));
        ck_assert(strstr(body, "\"reorder\":null"));
        ck_assert(strstr(body, "\"delay_ms\":null"));
        ck_assert(strstr(body, "\"version\":\"v\\u0001\\ufffd\""));
        ck_assert(strstr(body, "\"echo\":null"));
        ck_assert(strstr(body, "\"stamp\":null"));
        ck_assert(strstr(body, "\"http\":null"));
        ck_assert(strstr(body, "\"status_allow\":[\"127.0.0.0/8\",\"\\\"},{\\\"x\\\":1\"]"));
}
END_TEST

/* ---- golden files: the rendered bodies byte for byte ------------------------------------
 * A dashboard or a scraper may depend on the exact text, so any change to it must show up
 * as a diff of tests/data/metrics/. NETLAB_UPDATE_GOLDEN=1 rewrites the files instead of
 * comparing (then review the diff before committing). */

static void check_golden(const char *name, const char *body, size_t len) {
        _cleanup_free_ char *path = NULL, *want = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        size_t want_len = 0;

        ck_assert_int_ge(asprintf(&path, "%s/tests/data/metrics/%s", TOP_SRCDIR, name), 0);
        if (getenv("NETLAB_UPDATE_GOLDEN")) {
                f = fopen(path, "we");
                ck_assert_ptr_nonnull(f);
                ck_assert_uint_eq(fwrite(body, 1, len, f), len);
                return;
        }
        f = fopen(path, "re");
        ck_assert_msg(f, "cannot open %s", path);
        ck_assert_int_ge(getdelim(&want, &want_len, '\0', f), 0);
        size_t i = 0;
        while (i < len && want[i] == body[i])
                i++;
        ck_assert_msg(i == len && want[i] == '\0', "%s differs from the rendered body at byte %zu: "
                      "'%.60s' instead of '%.60s'", path, i, body + i, want + i);
}

START_TEST(test_golden) {
        Conf c = test_conf();
        MetricsHttp m = {};
        /* Every counter distinct, so a value rendered under the wrong name shows. */
        static const EchoStats echo = {
                .counters = {
                        .received = 101, .replied = 102, .dropped_loss = 103, .dropped_rate_limit = 104,
                        .dropped_low_port = 105, .dropped_self = 106, .dropped_queue_full = 107,
                        .dropped_too_big = 108, .truncated = 109, .send_errors = 110, .duplicated = 111,
                        .reordered = 112, .delayed = 113, .probes = 114, .bytes_in = 115, .bytes_out = 116,
                        .dropped_loop = 118, .oom = 117,
                },
                .queued_replies = 5,
                .flows = 3,
        };
        static const HttpStats http = {
                .counters = {
                        .connections_accepted = 201, .connections_rejected = 202, .requests = 203,
                        .responses_by_class = { 0, 204, 205, 206, 207, 208 }, .response_bytes = 209,
                        .timeouts = 210, .bad_requests = 211, .oom = 212,
                        .rejected_resources = 200, .rejected_per_source = 2, .connections_evicted = 213,
                        .timeouts_by_kind = { 100, 50, 20, 20, 15, 5 },
                        .bad_requests_by_reason = { [HTTP_REASON_NO_HOST] = 200, [HTTP_REASON_CHUNKED] = 11 },
                },
                .open_connections = 2,
        };
        MetricsSnapshot full = test_snapshot(&c, &m), none = { .conf = &c, .version = "0.1.0" };

        full.echo = &echo;
        full.http = &http;
        full.show_paths = true;         /* "none" shows what everybody sees by default */
        full.oom = 301;
        _cleanup_free_ char *b1 = NULL, *b2 = NULL, *b3 = NULL, *b4 = NULL;
        size_t l1, l2, l3, l4;

        ck_assert_int_eq(metrics_render_prometheus(&full, &b1, &l1), 0);
        check_golden("full.prom", b1, l1);
        ck_assert_int_eq(metrics_render_json(&full, &b2, &l2), 0);
        check_golden("full.json", b2, l2);
        ck_assert_int_eq(metrics_render_prometheus(&none, &b3, &l3), 0);
        check_golden("no-services.prom", b3, l3);
        ck_assert_int_eq(metrics_render_json(&none, &b4, &l4), 0);
        check_golden("no-services.json", b4, l4);
}
END_TEST

/* ---- metrics_serve ------------------------------------------------------------------------ */

/* The path match and the status_allow check are the router's (test_http_route.c);
 * metrics_serve() only renders the format it is asked for. */
static const struct {
        MetricsFormat format;
        int expect;
        const char *content_type;
} serve_cases[] = {
        { METRICS_FORMAT_PROMETHEUS, 0,       METRICS_PROMETHEUS_CONTENT_TYPE },
        { METRICS_FORMAT_JSON,       0,       METRICS_JSON_CONTENT_TYPE },
        { _METRICS_FORMAT_MAX,       -EINVAL, NULL },
};

START_TEST(test_serve_table) {
        Conf c = test_conf();
        MetricsHttp m = {};
        MetricsSnapshot s = test_snapshot(&c, &m);
        _cleanup_free_ char *body = NULL;
        const char *ct = NULL;
        size_t len = 0;

        ck_assert_int_eq(metrics_serve(&s, serve_cases[_i].format, &body, &len, &ct), serve_cases[_i].expect);
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

        tc = tcase_create("observe");
        tcase_add_loop_test(tc, test_method_table, 0, ELEMENTSOF(method_cases));
        tcase_add_test(tc, test_method_to_string);
        tcase_add_loop_test(tc, test_observe_bucket_table, 0, ELEMENTSOF(bucket_cases));
        tcase_add_test(tc, test_observe_status_and_method);
        suite_add_tcase(s, tc);

        tc = tcase_create("allow");
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
        tcase_add_test(tc, test_golden);
        tcase_add_loop_test(tc, test_serve_table, 0, ELEMENTSOF(serve_cases));
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(metrics_suite)
