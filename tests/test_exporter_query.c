/* test_exporter_query.c — table test of exporter_query.c: defaults, decoding, every
 * limit at the limit and one past it, and the reasons for refusals. */
#include <errno.h>
#include <string.h>

#include "exporter_query.h"
#include "macro.h"
#include "tests.h"

static const ExporterLimits limits = {
        .max_count = 100,
        .min_interval = 10 * NSEC_PER_MSEC,
        .max_timeout = 5 * NSEC_PER_SEC,
        .max_duration = 30 * NSEC_PER_SEC,
};

static const struct {
        const char *q;
        int expect;
        const char *target;
        PingMode mode;
        uint64_t count;
        nsec_t interval, timeout;
} cases[] = {
        { "target=a", 0, "a", PING_MODE_UDP, 5, 100 * NSEC_PER_MSEC, 500 * NSEC_PER_MSEC },
        { "target=%5B%3A%3A1%5D%3A8080&mode=stamp", 0, "[::1]:8080", PING_MODE_STAMP, 5, 100 * NSEC_PER_MSEC,
          500 * NSEC_PER_MSEC },
        { "mode=http&target=http%3A%2F%2Fh%2Fx+y&module=x", 0, "http://h/x y", PING_MODE_HTTP, 5,
          100 * NSEC_PER_MSEC, 500 * NSEC_PER_MSEC },
        { "target=a&count=100&interval=10ms&timeout=5", 0, "a", PING_MODE_UDP, 100, 10 * NSEC_PER_MSEC,
          5 * NSEC_PER_SEC },
        { "target=a&count=26&interval=1&timeout=5", 0, "a", PING_MODE_UDP, 26, NSEC_PER_SEC, 5 * NSEC_PER_SEC },
        { "&&target=a&", 0, "a", PING_MODE_UDP, 5, 100 * NSEC_PER_MSEC, 500 * NSEC_PER_MSEC },
        /* refusals */
        { "", -EINVAL },
        { "target=", -EINVAL },
        { "count=3", -EINVAL },
        { "target=a&target=b", -EINVAL },
        { "target=a&count=1&count=2", -EINVAL },
        { "target=a&count=0", -EINVAL },
        { "target=a&count=101", -EINVAL },
        { "target=a&count=-1", -EINVAL },
        { "target=a&interval=9ms", -EINVAL },
        { "target=a&timeout=0", -EINVAL },
        { "target=a&timeout=5.001", -EINVAL },
        { "target=a&count=27&interval=1&timeout=5", -EINVAL }, /* 31 s > 30 s */
        { "target=a&mode=icmp", -EINVAL },
        { "target=a%", -EINVAL },
        { "target=a%2", -EINVAL },
        { "target=a%zz", -EINVAL },
        { "target=a%00b", -EINVAL },
};

START_TEST(test_table) {
        ExporterQuery q = {};
        const char *why = NULL;
        const char *s = cases[_i].q;
        int r;

        r = exporter_query_parse(s, strlen(s), &limits, &q, &why);
        ck_assert_msg(r == cases[_i].expect, "'%s': %d, want %d (%s)", s, r, cases[_i].expect, why ?: "");
        if (r < 0) {
                ck_assert_ptr_nonnull(why);
                return;
        }
        ck_assert_str_eq(q.target, cases[_i].target);
        ck_assert_int_eq(q.mode, cases[_i].mode);
        ck_assert_uint_eq(q.count, cases[_i].count);
        ck_assert_uint_eq(q.interval, cases[_i].interval);
        ck_assert_uint_eq(q.timeout, cases[_i].timeout);
}
END_TEST

START_TEST(test_target_length) {
        char buf[EXPORTER_TARGET_MAX + 16];
        ExporterQuery q;
        const char *why;

        strcpy(buf, "target=");
        memset(buf + 7, 'a', EXPORTER_TARGET_MAX);
        buf[7 + EXPORTER_TARGET_MAX] = '\0';
        ck_assert_int_eq(exporter_query_parse(buf, strlen(buf), &limits, &q, &why), 0);
        ck_assert_uint_eq(strlen(q.target), EXPORTER_TARGET_MAX);
        strcat(buf, "a");
        ck_assert_int_eq(exporter_query_parse(buf, strlen(buf), &limits, &q, &why), -ENAMETOOLONG);
        ck_assert_int_eq(exporter_query_parse(NULL, 0, &limits, &q, &why), -EINVAL);
}
END_TEST

START_TEST(test_modes) {
        for (PingMode m = PING_MODE_UDP; m <= PING_MODE_STAMP; m++)
                ck_assert_int_eq(exporter_query_mode_from_string(exporter_query_mode_to_string(m)), (int) m);
        ck_assert_int_eq(exporter_query_mode_from_string("UDP"), -EINVAL);
}
END_TEST

static Suite *exporter_query_suite(void) {
        Suite *s = suite_create("exporter_query");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_table, 0, ELEMENTSOF(cases));
        tcase_add_test(tc, test_target_length);
        tcase_add_test(tc, test_modes);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(exporter_query_suite)
