/* test_ping_output.c — table tests for src/ping/ping_output.c: number formatting, JSON
 * string escaping, per-probe lines in each mode, summary text and JSON fields, the
 * histogram. Output goes to memory streams (open_memstream). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "ping_output.h"
#include "tests.h"

typedef struct Buf {
        char *data;
        size_t size;
        FILE *f;
} Buf;

static void buf_open(Buf *b) {
        *b = (Buf) {};
        b->f = open_memstream(&b->data, &b->size);
        ck_assert_ptr_nonnull(b->f);
}

static char *buf_close(Buf *b) {
        fclose(b->f);
        return b->data;
}

static const struct {
        nsec_t ns;
        const char *expect;
} ms_cases[] = {
        { 0, "0.000" },
        { 49100, "0.0491" },
        { 4910, "0.00491" },
        { 412000, "0.412" },
        { 999999, "1.000" },
        { 20001000, "20.001" },
        { 1203000000, "1203.000" },
        { 1, "0.000001" },
};

START_TEST(test_format_ms) {
        char buf[32];

        ck_assert_str_eq(ping_output_format_ms(buf, sizeof(buf), ms_cases[_i].ns), ms_cases[_i].expect);
}
END_TEST

static const struct {
        const char *in;
        const char *expect;
} json_cases[] = {
        { NULL, "null" },
        { "", "\"\"" },
        { "plain", "\"plain\"" },
        { "a\"b\\c", "\"a\\\"b\\\\c\"" },
        { "tab\there\nnl", "\"tab\\there\\nnl\"" },
        { "\x01\x1f", "\"\\u0001\\u001f\"" },
        { "caf\xc3\xa9", "\"caf\xc3\xa9\"" },
};

START_TEST(test_json_string) {
        Buf b;

        buf_open(&b);
        ping_output_json_string(b.f, json_cases[_i].in);
        char *s = buf_close(&b);
        ck_assert_str_eq(s, json_cases[_i].expect);
        free(s);
}
END_TEST

static const PingOutputConf conf_udp = {
        .mode = PING_MODE_UDP, .host = "localhost", .address = "127.0.0.1", .port = 8080, .size = 64,
        .count = 10, .interval = 1000000000, .timeout = 1000000000,
};

static const struct {
        PingEvent e;
        int flags;                      /* 1: -q, 2: --json, 4: --json-lines, 8: -D, 16: HTTP */
        const char *expect;             /* exact text, or prefix when ending in '*' */
} event_cases[] = {
        { { .kind = PING_EVENT_REPLY, .seq = 3, .bytes = 64, .rtt = 412000 }, 0,
          "64 bytes from 127.0.0.1: seq=3 time=0.412 ms\n" },
        { { .kind = PING_EVENT_REPLY, .seq = 3, .bytes = 64, .rtt = 412000, .reordered = true }, 0,
          "64 bytes from 127.0.0.1: seq=3 time=0.412 ms (reordered)\n" },
        { { .kind = PING_EVENT_DUP, .seq = 3, .bytes = 64, .rtt = 500000 }, 0,
          "64 bytes from 127.0.0.1: seq=3 time=0.500 ms (DUP!)\n" },
        { { .kind = PING_EVENT_LATE, .seq = 4, .bytes = 64, .rtt = 1203000000 }, 0,
          "64 bytes from 127.0.0.1: seq=4 (late 1.203 s)\n" },
        { { .kind = PING_EVENT_TIMEOUT, .seq = 4 }, 0, "seq=4 timeout\n" },
        { { .kind = PING_EVENT_UNREACHABLE, .seq = 0 }, 0,
          "From 127.0.0.1: seq=0 Destination port unreachable\n" },
        { { .kind = PING_EVENT_REPLY, .seq = 3, .bytes = 64, .rtt = 412000 }, 1, "" },
        { { .kind = PING_EVENT_REPLY, .seq = 3, .bytes = 64, .rtt = 412000 }, 2, "" },
        { { .kind = PING_EVENT_REPLY, .seq = 3, .bytes = 64, .rtt = 412000, .wall_usec = 1700000000000042 }, 8,
          "[1700000000.000042] 64 bytes from 127.0.0.1: seq=3 time=0.412 ms\n" },
        { { .kind = PING_EVENT_REPLY, .seq = 3, .bytes = 64, .rtt = 412000, .wall_usec = 1700000000000042 }, 4,
          "{\"type\":\"reply\",\"seq\":3,\"time\":1700000000.000042,\"bytes\":64,\"rtt_ms\":0.412000,\"reordered\":false}\n" },
        { { .kind = PING_EVENT_TIMEOUT, .seq = 9, .wall_usec = 5 }, 4,
          "{\"type\":\"timeout\",\"seq\":9,\"time\":0.000005}\n" },
        { { .kind = PING_EVENT_REPLY, .seq = 0, .bytes = 120, .rtt = 900000, .http_status = 200,
            .http_connect = 100000, .http_ttfb = 500000 }, 16,
          "200: 120 bytes from 127.0.0.1: seq=0 connect=0.100 ms ttfb=0.500 ms time=0.900 ms\n" },
        { { .kind = PING_EVENT_ERROR, .seq = 1, .bytes = 9, .rtt = 800000, .http_status = 404 }, 16,
          "404: 9 bytes from 127.0.0.1: seq=1 time=0.800 ms (failure)\n" },
        { { .kind = PING_EVENT_ERROR, .seq = 2, .error = "Connection refused" }, 16,
          "seq=2 error: Connection refused\n" },
};

START_TEST(test_event_lines) {
        PingOutputConf c = conf_udp;
        int fl = event_cases[_i].flags;
        Buf b;

        c.quiet = fl & 1;
        c.json = fl & 2;
        c.json_lines = fl & 4;
        c.timestamps = fl & 8;
        if (fl & 16)
                c.mode = PING_MODE_HTTP;

        buf_open(&b);
        ping_output_event(b.f, &c, &event_cases[_i].e);
        char *s = buf_close(&b);
        ck_assert_str_eq(s, event_cases[_i].expect);
        free(s);
}
END_TEST

/* A small run: 10 sent, 6 on time, 1 late, 1 in flight, 1 duplicate, stamped by a server
 * that dropped 2 on purpose. */
static Stats *make_run(void) {
        Stats *s = NULL;
        uint64_t seq;

        ck_assert_int_eq(stats_new(64, &s), 0);
        for (uint64_t q = 0; q < 10; q++)
                stats_on_send(s, q, q * 1000000, NULL);

        uint64_t rcv = 0, drop = 0;
        for (uint64_t q = 0; q < 9; q++) {
                rcv++;
                if (q == 2 || q == 5) {
                        drop++;
                        continue;
                }
                nsec_t rtt = q == 7 ? 5000000000ULL : 40000 + q * 1000;
                stats_on_reply(s, q, q * 1000000 + rtt, 1000000000, NULL, NULL);
                stats_on_server(s, q, &(StatsServerInfo) { 1000 + q * 1000, 1001 + q * 1000, rcv, drop });
        }
        stats_on_reply(s, 0, 1000000, 1000000000, NULL, NULL);          /* duplicate */
        while (stats_expire(s, 8000000 + 1000000000, 1000000000, &seq) > 0)
                ;
        return s;
}

static const char *const summary_text_expect[] = {
        "--- localhost netlab-ping statistics ---\n",
        "10 packets transmitted, 6 received, +1 duplicates, 33.3333% packet loss, time 10ms\n",
        "3 lost (22.2% emulated, 11.1% network): 0 upstream, 2 emulated by the server, 0 downstream, 1 late, "
        "0 after the last stamped reply\n",
        "1 duplicates, 0 reordered, 1 late, 1 in flight\n",
        "rtt min/avg/max/mdev = 0.0400/",
        "rtt p50/p90/p99/p99.9 = ",
        "jitter: mean |dRTT| ",
        "server: hold min/avg/max = 0.00100/0.00100/0.00100 ms, span 8.001 ms",
        "rtt histogram (ms):\n",
};

START_TEST(test_summary_text) {
        Stats *st = make_run();
        PingOutputConf c = conf_udp;
        PingSummary sum = { .stats = st, .elapsed = 10 * NSEC_PER_MSEC };
        Buf b;

        c.histogram = true;
        buf_open(&b);
        ping_output_summary(b.f, &c, &sum);
        char *s = buf_close(&b);
        for (size_t i = 0; i < ELEMENTSOF(summary_text_expect); i++)
                ck_assert_msg(strstr(s, summary_text_expect[i]), "missing '%s' in:\n%s", summary_text_expect[i], s);
        free(s);
        stats_free(st);
}
END_TEST

static const char *const summary_json_expect[] = {
        "{\"format_version\":1,",
        "\"error\":null",
        "\"mode\":\"udp\"",
        "\"target\":{\"host\":\"localhost\",\"address\":\"127.0.0.1\",\"port\":8080,\"url\":null}",
        "\"probes\":{\"sent\":10,\"received\":6,\"lost\":3,",
        "\"in_flight\":1,\"late\":1,\"duplicates\":1,\"reordered\":0,\"failed\":0,",
        "\"loss_split\":{\"available\":true,\"counters_restarted\":false,\"upstream\":0,\"emulated\":2,\"downstream\":0,\"late\":1,\"unknown\":0,",
        "\"rtt_ms\":{\"min\":0.040000,",
        "\"p50\":", "\"p90\":", "\"p99\":", "\"p99_9\":",
        "\"jitter_ms\":{\"mean_abs_delta\":",
        "\"rfc3550\":", "\"ipdv_mean\":", "\"ipdv_abs\":{\"n\":",
        "\"server\":{\"stamps\":true,",
        "\"client\":{\"replies_without_kernel_stamp\":0,\"rx_delay_ms\":{\"min\":null,",
        "\"http\":null",
        "\"histogram\":[{\"ge_ms\":",
        "}\n",
};

START_TEST(test_summary_json) {
        Stats *st = make_run();
        PingOutputConf c = conf_udp;
        PingSummary sum = { .stats = st, .elapsed = 10 * NSEC_PER_MSEC };
        Buf b;

        c.json = true;
        c.histogram = true;
        buf_open(&b);
        ping_output_summary(b.f, &c, &sum);
        char *s = buf_close(&b);
        for (size_t i = 0; i < ELEMENTSOF(summary_json_expect); i++)
                ck_assert_msg(strstr(s, summary_json_expect[i]), "missing '%s' in:\n%s", summary_json_expect[i], s);
        ck_assert(s[0] == '{');
        ck_assert_ptr_eq(strchr(s, '\n'), s + strlen(s) - 1);        /* one line */
        free(s);
        stats_free(st);
}
END_TEST

START_TEST(test_empty_run_json) {
        Stats *st = NULL;
        PingOutputConf c = conf_udp;
        PingSummary sum = {};
        Buf b;

        ck_assert_int_eq(stats_new(64, &st), 0);
        sum.stats = st;
        c.json = true;
        buf_open(&b);
        ping_output_summary(b.f, &c, &sum);
        char *s = buf_close(&b);
        ck_assert_ptr_nonnull(strstr(s, "\"rtt_ms\":{\"min\":null,\"avg\":null,\"max\":null,\"mdev\":null,\"p50\":null"));
        ck_assert_ptr_nonnull(strstr(s, "\"loss_split\":{\"available\":false,\"counters_restarted\":false,\"upstream\":null"));
        ck_assert_ptr_null(strstr(s, "nan"));
        free(s);
        stats_free(st);
}
END_TEST

START_TEST(test_json_error) {
        Buf b;

        buf_open(&b);
        ping_output_json_error(b.f, "Failed to resolve 'nohost': Name or service not known", 2);
        char *s = buf_close(&b);
        ck_assert_str_eq(s, "{\"format_version\":1,\"tool\":\"netlab-ping\",\"version\":\"" PACKAGE_VERSION
                            "\",\"error\":{\"message\":\"Failed to resolve 'nohost': Name or service not known\","
                            "\"exit_status\":2}}\n");
        free(s);
}
END_TEST

START_TEST(test_histogram_rows_sum) {
        StatsHist *h = calloc(1, sizeof(StatsHist));
        uint64_t total = 0;
        Buf b;

        for (uint64_t v = 30000; v < 3000000; v += 997)
                stats_hist_add(h, v);
        buf_open(&b);
        ping_output_histogram(b.f, h);
        char *s = buf_close(&b);

        /* rows: "  lo .. hi count pct bar": sum the counts */
        for (char *line = strchr(s, '\n') + 1; line && *line; line = strchr(line, '\n') + 1) {
                char lo[32], hi[32];
                unsigned long long n;

                ck_assert_int_eq(sscanf(line, "%31s .. %31s %llu", lo, hi, &n), 3);
                total += n;
                if (!strchr(line, '\n') || !strchr(line, '\n')[1])
                        break;
        }
        ck_assert_uint_eq(total, h->n);
        ck_assert_ptr_nonnull(strstr(s, "100.00%"));
        free(s);
        free(h);
}
END_TEST

START_TEST(test_interim) {
        Stats *st = make_run();
        PingSummary sum = { .stats = st };
        Buf b;

        buf_open(&b);
        ping_output_interim(b.f, &conf_udp, &sum);
        char *s = buf_close(&b);
        ck_assert_msg(strncmp(s, "6/10 packets, 33% loss, min/avg/p50/max = 0.0400/", 49) == 0, "%s", s);
        free(s);
        stats_free(st);
}
END_TEST

static Suite *output_suite(void) {
        Suite *su = suite_create("ping_output");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_format_ms, 0, ELEMENTSOF(ms_cases));
        tcase_add_loop_test(tc, test_json_string, 0, ELEMENTSOF(json_cases));
        tcase_add_loop_test(tc, test_event_lines, 0, ELEMENTSOF(event_cases));
        tcase_add_test(tc, test_summary_text);
        tcase_add_test(tc, test_summary_json);
        tcase_add_test(tc, test_empty_run_json);
        tcase_add_test(tc, test_json_error);
        tcase_add_test(tc, test_histogram_rows_sum);
        tcase_add_test(tc, test_interim);
        suite_add_tcase(su, tc);
        return su;
}

TEST_MAIN(output_suite)
