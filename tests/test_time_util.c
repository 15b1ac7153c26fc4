/* test_time_util.c — src/shared/time_util.c: format_usec() gives short human strings
 * ("250ms", "1.5s", "infinity"), timespec conversions round-trip, now() reads a clock. */
#include <check.h>
#include <time.h>

#include "tests.h"
#include "time_util.h"

START_TEST(test_time) {
        char buf[32];
        struct timespec ts;

        ck_assert_str_eq(format_usec(buf, sizeof(buf), 0), "0s");
        ck_assert_str_eq(format_usec(buf, sizeof(buf), 250 * USEC_PER_MSEC), "250ms");
        ck_assert_str_eq(format_usec(buf, sizeof(buf), 1500 * USEC_PER_MSEC), "1.5s");
        ck_assert_str_eq(format_usec(buf, sizeof(buf), 12), "12us");
        ck_assert_str_eq(format_usec(buf, sizeof(buf), USEC_INFINITY), "infinity");
        ck_assert_uint_eq(timespec_load(timespec_store(&ts, 1234567)), 1234567);
        ck_assert_uint_gt(now(CLOCK_MONOTONIC), 0);
}
END_TEST

static Suite *time_util_suite(void) {
        Suite *s = suite_create("time_util");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_time);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(time_util_suite)
