/* test_shared.c — src/shared helpers: number, duration and probability parsing, the
 * seeded RNG (reproducibility and distribution bounds), and time formatting. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "macro.h"
#include "parse_util.h"
#include "rng.h"
#include "time_util.h"

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

START_TEST(test_rng_reproducible) {
        Rng a, b, c;

        rng_seed(&a, 1);
        rng_seed(&b, 1);
        rng_seed(&c, 2);
        for (int i = 0; i < 1000; i++) {
                uint64_t x = rng_next(&a);

                ck_assert_uint_eq(x, rng_next(&b));
                ck_assert_uint_ne(x, rng_next(&c));
        }
}
END_TEST

START_TEST(test_rng_distributions) {
        const int n = 100000;
        double sum = 0, sum2 = 0;
        unsigned hits = 0, buckets[10] = {};
        Rng rng;

        rng_seed(&rng, 12345);
        for (int i = 0; i < n; i++) {
                double d = rng_double(&rng);

                ck_assert(d >= 0.0 && d < 1.0);
                hits += rng_chance(&rng, 0.3);
                buckets[rng_below(&rng, 10)]++;
        }
        /* 99.9% binomial interval: p +- 3.29 * sqrt(p(1-p)/n). */
        ck_assert(fabs((double) hits / n - 0.3) < 3.29 * sqrt(0.3 * 0.7 / n));
        for (int i = 0; i < 10; i++)
                ck_assert(fabs((double) buckets[i] / n - 0.1) < 3.29 * sqrt(0.1 * 0.9 / n));

        for (int i = 0; i < n; i++) {
                double x = rng_normal(&rng);

                sum += x;
                sum2 += x * x;
        }
        ck_assert(fabs(sum / n) < 3.29 / sqrt(n));
        ck_assert(fabs(sum2 / n - 1.0) < 0.02);

        ck_assert(!rng_chance(&rng, 0.0));
        ck_assert(rng_chance(&rng, 1.0));
        ck_assert_uint_eq(rng_below(&rng, 0), 0);
        ck_assert_uint_eq(rng_below(&rng, 1), 0);
}
END_TEST

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

int main(void) {
        Suite *s = suite_create("shared");
        TCase *tc = tcase_create("core");
        SRunner *sr;
        int failed;

        tcase_add_loop_test(tc, test_parse_usec, 0, ELEMENTSOF(usec_cases));
        tcase_add_test(tc, test_numbers);
        tcase_add_test(tc, test_rng_reproducible);
        tcase_add_test(tc, test_rng_distributions);
        tcase_add_test(tc, test_time);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
