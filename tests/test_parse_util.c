/* test_parse_util.c — src/shared/parse_util.c: unsigned and floating-point numbers,
 * durations with units ("250ms") and probabilities ("30%"), with their range and
 * syntax errors; on failure the output is left untouched. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "macro.h"
#include "parse_util.h"
#include "tests.h"

static const struct {
        const char *s;
        int r;
        usec_t v;
} usec_cases[] = {
        { "0", 0, 0 },
        { "10", 0, 10 * USEC_PER_MSEC },        /* default unit: ms */
        { "1.5", 0, 1500 },
        { "250ms", 0, 250 * USEC_PER_MSEC },
        { "1.5s", 0, 1500 * USEC_PER_MSEC },
        { "12us", 0, 12 },
        { "2min", 0, 120 * USEC_PER_SEC },
        { "1h", 0, 3600 * USEC_PER_SEC },
        { "", -EINVAL, 0 },
        { "ms", -EINVAL, 0 },
        { "-5ms", -EINVAL, 0 },
        { " 5", -EINVAL, 0 },
        { "5 ms", -EINVAL, 0 },
        { "5parsecs", -EINVAL, 0 },
        { "1.2.3s", -EINVAL, 0 },
        { "99999999999999999999h", -ERANGE, 0 },
};

START_TEST(test_parse_usec) {
        usec_t v = 4242;
        int r = parse_usec(usec_cases[_i].s, USEC_PER_MSEC, &v);

        ck_assert_msg(r == usec_cases[_i].r, "'%s': r=%d", usec_cases[_i].s, r);
        if (r == 0)
                ck_assert_uint_eq(v, usec_cases[_i].v);
        else
                ck_assert_uint_eq(v, 4242);
}
END_TEST

START_TEST(test_numbers) {
        uint64_t u64;
        unsigned u;
        double d;

        ck_assert_int_eq(safe_atou64("18446744073709551615", &u64), 0);
        ck_assert_uint_eq(u64, UINT64_MAX);
        ck_assert_int_eq(safe_atou64("18446744073709551616", &u64), -ERANGE);
        ck_assert_int_eq(safe_atou64("-1", &u64), -EINVAL);
        ck_assert_int_eq(safe_atou64(" 1", &u64), -EINVAL);
        ck_assert_int_eq(safe_atou64("1x", &u64), -EINVAL);
        ck_assert_int_eq(safe_atou64("", &u64), -EINVAL);
        ck_assert_int_eq(safe_atou("4294967296", &u), -ERANGE);
        ck_assert_int_eq(safe_atou("4294967295", &u), 0);
        ck_assert_int_eq(safe_atod("0.25", &d), 0);
        ck_assert(d == 0.25);
        ck_assert_int_eq(safe_atod("1e-3", &d), 0);
        ck_assert_int_eq(safe_atod("nan", &d), -EINVAL);
        ck_assert_int_eq(safe_atod("inf", &d), -EINVAL);
        ck_assert_int_eq(safe_atod("1e999", &d), -ERANGE);
        ck_assert_int_eq(safe_atod("0x10", &d), -EINVAL);
        ck_assert_int_eq(parse_probability("30%", &d), 0);
        ck_assert(fabs(d - 0.3) < 1e-12);
        ck_assert_int_eq(parse_probability("0.3", &d), 0);
        ck_assert_int_eq(parse_probability("1.01", &d), -ERANGE);
        ck_assert_int_eq(parse_probability("101%", &d), -ERANGE);
        ck_assert_int_eq(parse_probability("%", &d), -EINVAL);
}
END_TEST

static Suite *parse_util_suite(void) {
        Suite *s = suite_create("parse_util");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_parse_usec, 0, ELEMENTSOF(usec_cases));
        tcase_add_test(tc, test_numbers);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(parse_util_suite)
