/* test_ping_output.c — table tests for src/ping/ping_output.c: number formatting, JSON
 * strings (the shared writer's escaping), per-probe lines in each mode, summary text and JSON fields, the
 * histogram. Output goes to memory streams (open_memstream). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
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

/* Strings in the JSON output go through the shared writer (json.c): RFC 8259 escapes,
 * '<', '>' and '&' as \u escapes too, invalid UTF-8 as U+FFFD, so any message or URL
 * still gives a valid document. */
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
        { "/?a=1&b=<2>", "\"/?a=1\\u0026b=\\u003c2\\u003e\"" },
        { "bad \xff\xc3 utf-8", "\"bad \\ufffd\\ufffd utf-8\"" },
};

START_TEST(test_json_string) {
        Buf b;

        buf_open(&b);
        ping_output_json_error(b.f, json_cases[_i].in, 2);
        char *s = buf_close(&b);
        const char *m = strstr(s, "\"message\":");
        ck_assert_ptr_nonnull(m);
        m += strlen("\"message\":");
        ck_assert_msg(strncmp(m, json_cases[_i].expect, strlen(json_cases[_i].expect)) == 0 &&
                      strcmp(m + strlen(json_cases[_i].expect), ",\"exit_status\":2}}\n") == 0,
                      "case %d: %s", _i, s);
        ck_assert(json_validate(s, strlen(s)));
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
          "{\"type\":\"probe\",\"result\":\"reply\",\"seq\":3,\"time\":1700000000.000042,\"bytes\":64,\"rtt_ms\":0.412000,\"reordered\":false}\n" },
        { { .kind = PING_EVENT_TIMEOUT, .seq = 9, .wall_usec = 5 }, 4,
          "{\"type\":\"probe\",\"result\":\"timeout\",\"seq\":9,\"time\":0.000005}\n" },
        { { .kind = PING_EVENT_REPLY, .seq = 0, .bytes = 120, .rtt = 900000, .http_status = 200,
            .http_connect = 100000, .http_pretransfer = 110000, .http_ttfb = 500000 }, 16,
          "200: 120 bytes from 127.0.0.1: seq=0 connect=0.100 ms pretransfer=0.110 ms ttfb=0.500 ms time=0.900 ms\n" },
        /* one width per line: the smallest value decides, for all four */
        { { .kind = PING_EVENT_REPLY, .seq = 1, .bytes = 120, .rtt = 213000, .http_status = 200,
            .http_connect = 48000, .http_pretransfer = 52000, .http_ttfb = 190000 }, 16,
          "200: 120 bytes from 127.0.0.1: seq=1 connect=0.0480 ms pretransfer=0.0520 ms ttfb=0.1900 ms time=0.2130 ms\n" },
        /* a reused connection: no handshake */
        { { .kind = PING_EVENT_REPLY, .seq = 2, .bytes = 120, .rtt = 1500000, .http_status = 200,
            .http_pretransfer = 10000, .http_ttfb = 1200000 }, 16,
          "200: 120 bytes from 127.0.0.1: seq=2 connect=0.0000 ms pretransfer=0.0100 ms ttfb=1.2000 ms time=1.5000 ms\n" },
        { { .kind = PING_EVENT_REPLY, .seq = 0, .bytes = 120, .rtt = 900000, .http_status = 200,
            .http_connect = 100000, .http_pretransfer = 110000, .http_ttfb = 500000, .wall_usec = 7 }, 16 | 4,
          "{\"type\":\"probe\",\"result\":\"reply\",\"seq\":0,\"time\":0.000007,\"bytes\":120,\"rtt_ms\":0.900000,"
          "\"reordered\":false,\"status\":200,\"connect_ms\":0.100000,\"pretransfer_ms\":0.110000,\"ttfb_ms\":0.500000}\n" },
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

/* Golden summaries: every line, exactly, in each mode with and without -v. */
static const char summary_udp_golden[] =
        "\n--- localhost netlab-ping statistics ---\n"
        "10 packets transmitted, 6 received, +1 duplicates, 33.3333% packet loss, time 10ms\n"
        "3 lost: 2 dropped on purpose by the server, 1 late (answered after the timeout)\n"
        "3 loss bursts, mean length 1.00, longest 1\n"
        "1 duplicate reply, 1 still in flight (not counted as lost)\n"
        "rtt min/avg/max/mdev = 0.0400/0.0437/0.0480/0.0027 ms\n"
        "rtt p50/p90/p99/p99.9 = 0.0430/0.0480/0.0480/0.0480 ms\n"
        "jitter: mean |dRTT| 0.001600 ms, RFC 3550 0.000448 ms, IPDV (RFC 3393) |p50|/|p90|/|p99| "
        "0.001000/0.001000/0.001000 ms\n"
        "server: time in the server min/avg/max = 0.00100/0.00100/0.00100 ms, first to last reply 8.00100 ms\n";

static const char summary_udp_verbose_golden[] =
        "\n--- localhost netlab-ping statistics ---\n"
        "10 packets transmitted, 6 received, +1 duplicates, 33.3333% packet loss, time 10ms\n"
        "3 lost: 2 dropped on purpose by the server, 0 on the way there, 0 on the way back, "
        "1 late (answered after the timeout), 0 at the end, direction unknown (no later reply carried the "
        "server's counts)\n"
        "3 loss bursts, mean length 1.00, longest 1\n"
        "1 duplicate reply, 0 reordered, 1 still in flight (not counted as lost)\n"
        "rtt min/avg/max/mdev = 0.0400/0.0437/0.0480/0.0027 ms\n"
        "rtt p50/p90/p99/p99.9 = 0.0430/0.0480/0.0480/0.0480 ms\n"
        "jitter: mean |dRTT| 0.001600 ms, RFC 3550 0.000448 ms, IPDV (RFC 3393) |p50|/|p90|/|p99| "
        "0.001000/0.001000/0.001000 ms\n"
        "server: time in the server min/avg/max = 0.00100/0.00100/0.00100 ms, first to last reply 8.00100 ms\n";

/* The same run once the counters query answered: the last loss is placed, the server's
 * model mean burst is shown beside the measured one. */
static const char summary_udp_final_verbose_golden[] =
        "\n--- localhost netlab-ping statistics ---\n"
        "10 packets transmitted, 6 received, +1 duplicates, 33.3333% packet loss, time 10ms\n"
        "3 lost: 2 dropped on purpose by the server, 0 on the way there, 0 on the way back, "
        "1 late (answered after the timeout), 0 at the end, direction unknown (no later reply carried the "
        "server's counts)\n"
        "3 loss bursts, mean length 1.00, longest 1 (the server's loss model: mean 3.33)\n"
        "1 duplicate reply, 0 reordered, 1 still in flight (not counted as lost)\n"
        "rtt min/avg/max/mdev = 0.0400/0.0437/0.0480/0.0027 ms\n"
        "rtt p50/p90/p99/p99.9 = 0.0430/0.0480/0.0480/0.0480 ms\n"
        "jitter: mean |dRTT| 0.001600 ms, RFC 3550 0.000448 ms, IPDV (RFC 3393) |p50|/|p90|/|p99| "
        "0.001000/0.001000/0.001000 ms\n"
        "server: time in the server min/avg/max = 0.00100/0.00100/0.00100 ms, first to last reply 8.00100 ms\n"
        "server: answered the final counters query\n";

/* A plain echo server (no stamps): loss without a split, said in words. */
static const char summary_plain_golden[] =
        "\n--- localhost netlab-ping statistics ---\n"
        "4 packets transmitted, 3 received, 25% packet loss, time 10ms\n"
        "1 lost (the server does not say where)\n"
        "1 loss burst, mean length 1.00, longest 1\n"
        "rtt min/avg/max/mdev = 1.000/1.000/1.000/0.000 ms\n"
        "rtt p50/p90/p99/p99.9 = 1.000/1.000/1.000/1.000 ms\n"
        "jitter: mean |dRTT| 0.000 ms, RFC 3550 0.000 ms, IPDV (RFC 3393) |p50|/|p90|/|p99| 0.000/0.000/0.000 ms\n"
        "server: plain echo (no netlab stamps): RTT and loss only\n";

static const char summary_http_golden[] =
        "\n--- http://127.0.0.1:8080/ netlab-ping statistics ---\n"
        "10 requests, 6 successful, 3 non-2xx (404 x2, 500 x1), 1 connection error, time 12ms\n"
        "10 connections, 84 body bytes\n"
        "rtt min/avg/max/mdev = 0.200/0.203/0.205/0.002 ms\n"
        "rtt p50/p90/p99/p99.9 = 0.202/0.205/0.205/0.205 ms\n"
        "phases p50, ms from the start of the request: connect 0.0520, pretransfer 0.0620, ttfb 0.1520, "
        "total 0.2020\n"
        "jitter: mean |dRTT| 0.001000 ms, RFC 3550 0.000276 ms, IPDV (RFC 3393) |p50|/|p90|/|p99| "
        "0.001000/0.001000/0.001000 ms\n";

static const char summary_http_verbose_golden[] =
        "\n--- http://127.0.0.1:8080/ netlab-ping statistics ---\n"
        "10 requests, 6 successful, 3 non-2xx (404 x2, 500 x1), 1 connection error, time 12ms\n"
        "10 connections, 84 body bytes\n"
        "rtt min/avg/max/mdev = 0.200/0.203/0.205/0.002 ms\n"
        "rtt p50/p90/p99/p99.9 = 0.202/0.205/0.205/0.205 ms\n"
        "phases p50, ms from the start of the request: connect 0.0520, pretransfer 0.0620, ttfb 0.1520, "
        "total 0.2020\n"
        "phases avg, ms from the start of the request: connect 0.0525, pretransfer 0.0625, ttfb 0.1525, "
        "total 0.2025\n"
        "jitter: mean |dRTT| 0.001000 ms, RFC 3550 0.000276 ms, IPDV (RFC 3393) |p50|/|p90|/|p99| "
        "0.001000/0.001000/0.001000 ms\n";

/* Ten 404s: requests, not packets; no "+10 errors", no packet lines. */
static const char summary_http_404_golden[] =
        "\n--- http://127.0.0.1:8080/ netlab-ping statistics ---\n"
        "10 requests, 0 successful, 10 non-2xx (404 x10), 0 connection errors, time 12ms\n"
        "10 connections, 90 body bytes\n";

static PingHttpPhaseStats http_phases[_PING_HTTP_PHASE_MAX];

/* 10 requests: 6 x 200 with phases 50/60/150/200 us + q us, 2 x 404, 1 x 500, 1 refused. */
static Stats *make_http_run(PingSummary *sum, bool all_404) {
        Stats *st = NULL;

        memset(http_phases, 0, sizeof(http_phases));
        ck_assert_int_eq(stats_new(64, &st), 0);
        *sum = (PingSummary) { .stats = st, .elapsed = 12 * NSEC_PER_MSEC, .http_phases = http_phases,
                               .http_connections = 10 };
        for (uint64_t q = 0; q < 10; q++) {
                stats_on_send(st, q, q * 1000000, NULL);
                if (all_404 || q >= 6) {
                        stats_on_error(st, q);
                        continue;
                }
                nsec_t v[] = { 50000 + q * 1000, 60000 + q * 1000, 150000 + q * 1000, 200000 + q * 1000 };
                stats_on_reply(st, q, q * 1000000 + v[3], NSEC_INFINITY, NULL, NULL);
                for (size_t i = 0; i < _PING_HTTP_PHASE_MAX; i++) {
                        stats_welford_add(&http_phases[i].w, (double) v[i]);
                        stats_hist_add(&http_phases[i].h, v[i]);
                }
        }
        if (all_404) {
                sum->http_status[404] = 10;
                sum->http_non2xx = 10;
                sum->http_body_bytes = 90;
        } else {
                sum->http_status[200] = 6;
                sum->http_status[404] = 2;
                sum->http_status[500] = 1;
                sum->http_non2xx = 3;
                sum->http_errors = 1;
                sum->http_body_bytes = 84;
        }
        return st;
}

static const PingOutputConf conf_http = {
        .mode = PING_MODE_HTTP, .host = "127.0.0.1", .address = "127.0.0.1", .port = 8080,
        .url = "http://127.0.0.1:8080/", .count = 10, .interval = 1000000000, .timeout = 1000000000,
};

static char *summary_of(const PingOutputConf *c, const PingSummary *sum) {
        Buf b;

        buf_open(&b);
        ping_output_summary(b.f, c, sum);
        return buf_close(&b);
}

START_TEST(test_summary_golden) {
        PingOutputConf c = conf_udp;
        PingSummary sum = {};
        Stats *st = make_run();
        char *s;

        sum = (PingSummary) { .stats = st, .elapsed = 10 * NSEC_PER_MSEC };
        s = summary_of(&c, &sum);
        ck_assert_str_eq(s, summary_udp_golden);
        free(s);

        c.verbose = true;
        s = summary_of(&c, &sum);
        ck_assert_str_eq(s, summary_udp_verbose_golden);
        free(s);

        /* the counters query answer: 9 received (seq 9 is still in flight), 2 dropped */
        ck_assert_int_eq(stats_on_final_counters(st, 9, 2, 3333), 0);
        s = summary_of(&c, &sum);
        ck_assert_str_eq(s, summary_udp_final_verbose_golden);
        free(s);
        stats_free(st);

        /* plain echo */
        ck_assert_int_eq(stats_new(64, &st), 0);
        for (uint64_t q = 0; q < 4; q++) {
                uint64_t seq;

                stats_on_send(st, q, q * NSEC_PER_SEC, NULL);
                if (q != 2)
                        stats_on_reply(st, q, q * NSEC_PER_SEC + NSEC_PER_MSEC, NSEC_PER_SEC / 2, NULL, NULL);
                else
                        ck_assert_int_eq(stats_expire(st, q * NSEC_PER_SEC + NSEC_PER_SEC, NSEC_PER_SEC / 2, &seq), 1);
        }
        st->unstamped = 3;
        c = conf_udp;
        sum = (PingSummary) { .stats = st, .elapsed = 10 * NSEC_PER_MSEC };
        s = summary_of(&c, &sum);
        ck_assert_str_eq(s, summary_plain_golden);
        free(s);
        stats_free(st);

        /* HTTP */
        st = make_http_run(&sum, false);
        c = conf_http;
        s = summary_of(&c, &sum);
        ck_assert_str_eq(s, summary_http_golden);
        free(s);
        c.verbose = true;
        s = summary_of(&c, &sum);
        ck_assert_str_eq(s, summary_http_verbose_golden);
        free(s);
        stats_free(st);

        st = make_http_run(&sum, true);
        c = conf_http;
        s = summary_of(&c, &sum);
        ck_assert_str_eq(s, summary_http_404_golden);
        free(s);
        stats_free(st);
}
END_TEST

static const char *const summary_json_expect[] = {
        "{\"format_version\":2,",
        "\"error\":null",
        "\"mode\":\"udp\"",
        "\"target\":{\"host\":\"localhost\",\"address\":\"127.0.0.1\",\"port\":8080,\"url\":null}",
        "\"probes\":{\"sent\":10,\"received\":6,\"lost\":3,",
        "\"in_flight\":1,\"late\":1,\"duplicates\":1,\"reordered\":0,\"failed\":0,",
        "\"loss_split\":{\"available\":true,\"counters_restarted\":false,\"final_counters\":false,\"upstream\":0,"
        "\"emulated\":2,\"downstream\":0,\"late\":1,\"unknown\":0,\"network\":0,",
        /* late is not network loss (format_version 2) */
        "\"emulated_percent\":22.2222,\"network_percent\":0.0000,\"late_percent\":11.1111,\"unknown_percent\":0.0000}",
        "\"bursts\":{\"count\":3,\"lost\":3,\"mean\":1.0000,\"max\":1,\"server_model_mean\":null}",
        "\"rtt_ms\":{\"min\":0.040000,",
        "\"p50\":", "\"p90\":", "\"p99\":", "\"p99_9\":",
        "\"jitter_ms\":{\"mean_abs_delta\":",
        "\"rfc3550\":", "\"ipdv_mean\":", "\"ipdv_abs\":{\"n\":",
        "\"server\":{\"stamps\":true,",
        "\"client\":{\"replies_without_kernel_stamp\":0,\"rx_delay_ms\":{\"min\":null,",
        "\"http\":null",
        "\"histogram\":[{\"ge_ms\":0.040000,\"lt_ms\":0.042000,\"count\":2},",
        "{\"ge_ms\":0.046000,\"le_ms\":0.048000,\"count\":1}]",
        "}\n",
};

START_TEST(test_summary_json) {
        Stats *st = make_run();
        PingOutputConf c = conf_udp;
        PingSummary sum = { .stats = st, .elapsed = 10 * NSEC_PER_MSEC };
        Buf b;

        c.json = true;
        c.histogram_bins = 4;
        buf_open(&b);
        ping_output_summary(b.f, &c, &sum);
        char *s = buf_close(&b);
        for (size_t i = 0; i < ELEMENTSOF(summary_json_expect); i++)
                ck_assert_msg(strstr(s, summary_json_expect[i]), "missing '%s' in:\n%s", summary_json_expect[i], s);
        ck_assert(s[0] == '{');
        ck_assert_ptr_eq(strchr(s, '\n'), s + strlen(s) - 1);        /* one line */
        free(s);

        /* with the final counters: split complete, the model's mean burst */
        ck_assert_int_eq(stats_on_final_counters(st, 9, 2, 3333), 0);
        buf_open(&b);
        ping_output_summary(b.f, &c, &sum);
        s = buf_close(&b);
        ck_assert_ptr_nonnull(strstr(s, "\"final_counters\":true,\"upstream\":0,\"emulated\":2,\"downstream\":0,"
                                        "\"late\":1,\"unknown\":0,"));
        ck_assert_ptr_nonnull(strstr(s, "\"server_model_mean\":3.333}"));
        free(s);
        stats_free(st);
}
END_TEST

static const char *const http_json_expect[] = {
        "\"mode\":\"http\"",
        "\"http\":{\"requests\":10,\"successful\":6,\"non_2xx\":3,\"connection_errors\":1,"
        "\"status\":{\"200\":6,\"404\":2,\"500\":1},\"connections\":10,\"body_bytes\":84,\"phases_from\":\"start\","
        "\"connect_ms\":{\"min\":0.050000,\"avg\":0.052500,\"max\":0.055000,\"mdev\":0.001708,\"p50\":0.052015},"
        "\"pretransfer_ms\":{\"min\":0.060000,",
        "\"ttfb_ms\":{\"min\":0.150000,",
        "\"total_ms\":{\"min\":0.200000,",
};

START_TEST(test_summary_json_http) {
        PingSummary sum;
        Stats *st = make_http_run(&sum, false);
        PingOutputConf c = conf_http;

        c.json = true;
        char *s = summary_of(&c, &sum);
        for (size_t i = 0; i < ELEMENTSOF(http_json_expect); i++)
                ck_assert_msg(strstr(s, http_json_expect[i]), "missing '%s' in:\n%s", http_json_expect[i], s);
        free(s);
        stats_free(st);
}
END_TEST

/* --json-lines: start, probe, interim and summary records, each with its "type". */
START_TEST(test_json_lines_records) {
        Stats *st = make_run();
        PingOutputConf c = conf_udp;
        PingSummary sum = { .stats = st, .elapsed = 10 * NSEC_PER_MSEC };
        Buf b;

        c.json_lines = true;
        buf_open(&b);
        ping_output_header(b.f, &c);
        ping_output_event(b.f, &c, &(PingEvent) { .kind = PING_EVENT_LATE, .seq = 4, .bytes = 64, .rtt = 1203000000 });
        ping_output_interim(b.f, &c, &sum);
        ping_output_summary(b.f, &c, &sum);
        char *s = buf_close(&b);

        static const char *const prefixes[] = {
                "{\"type\":\"start\",\"format_version\":2,\"tool\":\"netlab-ping\",\"version\":\"" PACKAGE_VERSION
                "\",\"mode\":\"udp\",\"target\":{\"host\":\"localhost\",\"address\":\"127.0.0.1\",\"port\":8080,"
                "\"url\":null},\"options\":{\"count\":10,\"interval_s\":1.000000,\"timeout_s\":1.000000,"
                "\"deadline_s\":0.000000,\"size\":64,\"flood\":false}}\n",
                "{\"type\":\"probe\",\"result\":\"late\",\"seq\":4,\"time\":0.000000,\"bytes\":64,"
                "\"rtt_ms\":1203.000000,\"reordered\":false}\n",
                "{\"type\":\"interim\",\"sent\":10,\"received\":6,\"lost\":3,\"failed\":0,\"in_flight\":1,"
                "\"loss_percent\":33.3333,\"rtt_ms\":{\"min\":0.040000,",
                "{\"type\":\"summary\",\"format_version\":2,",
        };
        char *line = s, *l4 = NULL;
        for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
                ck_assert_msg(strncmp(line, prefixes[i], strlen(prefixes[i])) == 0, "record %zu: %s", i, line);
                l4 = line;
                line = strchr(line, '\n') + 1;
        }
        ck_assert_ptr_eq(strchr(l4, '\n'), s + strlen(s) - 1);
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
        ck_assert_ptr_nonnull(strstr(s, "\"loss_split\":{\"available\":false,\"counters_restarted\":false,"
                                        "\"final_counters\":false,\"upstream\":null"));
        ck_assert_ptr_nonnull(strstr(s, "\"bursts\":{\"count\":0,\"lost\":0,\"mean\":null,"));
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
        ck_assert_str_eq(s, "{\"format_version\":2,\"tool\":\"netlab-ping\",\"version\":\"" PACKAGE_VERSION
                            "\",\"error\":{\"message\":\"Failed to resolve 'nohost': Name or service not known\","
                            "\"exit_status\":2}}\n");
        free(s);
}
END_TEST

/* Linear bins: 20 ms +- 5 ms of jitter is 20 rows of 0.5 ms, not two decade bars. */
static const char histogram_golden[] =
        "bin (ms)               count  cumulative\n"
        "15.000-17.500            250      24.98% ########################################\n"
        /* 20.000 ms sits in an HDR bucket whose midpoint is just below 20 ms */
        "17.500-20.000            251      50.05% ########################################\n"
        "20.000-22.500            249      74.93% ########################################\n"
        "22.500-25.000            251     100.00% ########################################\n";

START_TEST(test_histogram_linear) {
        StatsHist *h = calloc(1, sizeof(StatsHist));
        Buf b;

        /* 15..25 ms in 10 us steps: 1001 values */
        for (uint64_t v = 15000000; v <= 25000000; v += 10000)
                stats_hist_add(h, v);
        buf_open(&b);
        ping_output_histogram(b.f, h, 4);
        char *s = buf_close(&b);
        ck_assert_str_eq(s, histogram_golden);
        free(s);

        /* default 20 rows: each row's count, and they sum to n */
        buf_open(&b);
        ping_output_histogram(b.f, h, 20);
        s = buf_close(&b);
        uint64_t total = 0, rows = 0;
        for (char *line = strchr(s, '\n') + 1; *line; line = strchr(line, '\n') + 1) {
                double lo, hi;
                unsigned long long n;

                ck_assert_int_eq(sscanf(line, "%lf-%lf %llu", &lo, &hi, &n), 3);
                ck_assert_double_eq_tol(hi - lo, 0.5, 1e-9);
                total += n;
                rows++;
        }
        ck_assert_uint_eq(rows, 20);
        ck_assert_uint_eq(total, h->n);
        free(s);

        /* all values equal: one row */
        memset(h, 0, sizeof(*h));
        stats_hist_add(h, 20000000);
        stats_hist_add(h, 20000000);
        buf_open(&b);
        ping_output_histogram(b.f, h, 20);
        s = buf_close(&b);
        ck_assert_str_eq(s, "bin (ms)               count  cumulative\n"
                            "20.000-20.000              2     100.00% ########################################\n");
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
        ck_assert_str_eq(s, "6/10 packets, 33% loss, min/avg/p50/max = 0.0400/0.0437/0.0430/0.0480 ms\n");
        free(s);
        stats_free(st);
}
END_TEST

START_TEST(test_format_ms_width) {
        char a[32];
        nsec_t v[] = { 0, 48000, 20000000 };

        ck_assert_int_eq(ping_output_ms_decimals(v, 3), 4);
        ck_assert_int_eq(ping_output_ms_decimals(v + 2, 1), 3);
        ck_assert_int_eq(ping_output_ms_decimals(v, 1), 3);            /* only zeros */
        ck_assert_str_eq(ping_output_format_ms_fixed(a, sizeof(a), 20000000, 4), "20.0000");
}
END_TEST

static Suite *output_suite(void) {
        Suite *su = suite_create("ping_output");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_format_ms, 0, ELEMENTSOF(ms_cases));
        tcase_add_loop_test(tc, test_json_string, 0, ELEMENTSOF(json_cases));
        tcase_add_loop_test(tc, test_event_lines, 0, ELEMENTSOF(event_cases));
        tcase_add_test(tc, test_format_ms_width);
        tcase_add_test(tc, test_summary_golden);
        tcase_add_test(tc, test_summary_json);
        tcase_add_test(tc, test_summary_json_http);
        tcase_add_test(tc, test_json_lines_records);
        tcase_add_test(tc, test_empty_run_json);
        tcase_add_test(tc, test_json_error);
        tcase_add_test(tc, test_histogram_linear);
        tcase_add_test(tc, test_interim);
        suite_add_tcase(su, tc);
        return su;
}

TEST_MAIN(output_suite)
