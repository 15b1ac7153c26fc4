/* test_counters.c — the counter descriptor tables and the summary formatter: every
 * uint64_t of EchoStats and HttpStats is described exactly once, families are adjacent
 * and typed consistently, every row says where it appears, and the summary line reads
 * the right fields. */
#include <check.h>
#include <string.h>

#include "counters.h"
#include "tests.h"

typedef struct Range {
        size_t from, to;
} Range;

static bool in_ranges(size_t off, const Range *r, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (off >= r[i].from && off < r[i].to)
                        return true;
        return false;
}

/* Fields in the @n_unused ranges of @unused are deliberately not in the table. */
static void check_table(const CounterDesc *table, size_t stats_size, const Range *unused, size_t n_unused) {
        unsigned seen[128] = {};

        ck_assert_uint_le(stats_size / sizeof(uint64_t), ELEMENTSOF(seen));
        for (const CounterDesc *d = table; d->name; d++) {
                ck_assert_msg(d->show != 0, "%s is shown nowhere", d->name);
                ck_assert_uint_eq(d->offset % sizeof(uint64_t), 0);
                ck_assert_uint_lt(d->offset, stats_size);
                seen[d->offset / sizeof(uint64_t)]++;

                if (d->show & COUNTER_SHOW_PROMETHEUS) {
                        ck_assert_ptr_nonnull(d->help);
                        ck_assert_msg(strncmp(d->name, "netlab_", 7) == 0, "%s", d->name);
                        /* Prometheus naming: counters end in _total, gauges do not. */
                        size_t n = strlen(d->name);
                        bool total = n > 6 && streq(d->name + n - 6, "_total");
                        ck_assert_msg(total == (d->type == COUNTER_TYPE_COUNTER), "%s", d->name);
                }
                if (d->show & COUNTER_SHOW_JSON)
                        ck_assert_ptr_nonnull(d->json);
                if (d->show & COUNTER_SHOW_SUMMARY)
                        ck_assert_ptr_nonnull(d->summary);

                /* A family's rows are adjacent and agree on type and help. */
                for (const CounterDesc *e = d + 1; e->name; e++)
                        if (streq(e->name, d->name)) {
                                ck_assert_msg(e == d + 1 || streq((e - 1)->name, d->name),
                                              "family %s is split", d->name);
                                ck_assert_int_eq(e->type, d->type);
                                ck_assert_str_eq(e->help, d->help);
                                ck_assert_ptr_nonnull(e->label);
                        }
        }
        for (size_t i = 0; i < stats_size / sizeof(uint64_t); i++)
                ck_assert_msg(seen[i] == (in_ranges(i * sizeof(uint64_t), unused, n_unused) ? 0 : 1),
                              "field %zu of the stats is described %u times", i, seen[i]);
}

START_TEST(test_echo_table) {
        check_table(counters_echo, sizeof(EchoStats), NULL, 0);
}
END_TEST

START_TEST(test_http_table) {
        /* responses_by_class[0] only pads the index to the class digit; the bad requests
         * by reason are rendered from the reason table (metrics.c). */
        const Range unused[] = {
                { offsetof(HttpStats, counters.responses_by_class[0]),
                  offsetof(HttpStats, counters.responses_by_class[1]) },
                { offsetof(HttpStats, counters.bad_requests_by_reason[0]),
                  offsetof(HttpStats, counters.bad_requests_by_reason[_HTTP_REASON_MAX]) },
        };

        check_table(counters_http, sizeof(HttpStats), unused, ELEMENTSOF(unused));
}
END_TEST

START_TEST(test_value) {
        EchoStats e = { .counters.dropped_self = 7, .flows = 9 };

        for (const CounterDesc *d = counters_echo; d->name; d++)
                if (d->offset == offsetof(EchoStats, counters.dropped_self))
                        ck_assert_uint_eq(counters_value(d, &e), 7);
                else if (d->offset == offsetof(EchoStats, flows))
                        ck_assert_uint_eq(counters_value(d, &e), 9);
                else
                        ck_assert_uint_eq(counters_value(d, &e), 0);
}
END_TEST

/* The words the SIGUSR1 line is grepped for (tests/integration/echo.sh, ping-impair.sh). */
START_TEST(test_summary_echo) {
        _cleanup_(strbuf_done) StrBuf b = {};
        EchoStats e = {
                .counters = { .received = 10, .replied = 9, .dropped_loss = 1, .dropped_rate_limit = 2,
                              .dropped_low_port = 3, .dropped_self = 4, .dropped_too_big = 5,
                              .reordered = 6, .probes = 8, .bytes_out = 11, .oom = 12 },
                .flows = 64,
        };

        counters_format_summary(&b, counters_echo, &e);
        ck_assert_str_eq(strbuf_str(&b),
                         "received 10, replied 9, dropped: loss 1, rate limit 2, low port 3, self 4, loop 0, "
                         "queue full 0, too big 5, truncated 0, send errors 0, duplicated 0, "
                         "reordered 6, delayed 0, probes 8, bytes in 0, bytes out 11, queued 0, "
                         "flows 64, oom 12");
}
END_TEST

START_TEST(test_summary_http) {
        _cleanup_(strbuf_done) StrBuf b = {};
        HttpStats h = {
                .counters = { .connections_accepted = 5, .connections_rejected = 1, .requests = 7,
                              .responses_by_class = { 0, 0, 6, 0, 1, 0 }, .response_bytes = 999,
                              .timeouts = 2, .bad_requests = 1 },
                .open_connections = 3,
        };

        strbuf_puts(&b, "HTTP: ");
        counters_format_summary(&b, counters_http, &h);
        ck_assert_str_eq(strbuf_str(&b),
                         "HTTP: connections accepted 5, rejected 1, evicted 0, open 3, requests 7, timeouts 2, "
                         "bad requests 1, bytes 999, 1xx 0, 2xx 6, 3xx 0, 4xx 1, 5xx 0, oom 0");
}
END_TEST

static Suite *counters_suite(void) {
        Suite *s = suite_create("counters");
        TCase *tc = tcase_create("counters");

        tcase_add_test(tc, test_echo_table);
        tcase_add_test(tc, test_http_table);
        tcase_add_test(tc, test_value);
        tcase_add_test(tc, test_summary_echo);
        tcase_add_test(tc, test_summary_http);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(counters_suite)
