/* test_rng.c — src/shared/rng.c: a seed replays exactly, and the derived draws (chance,
 * below, double, normal) stay within 99.9% bounds of their distributions for a fixed
 * seed, so the test is deterministic. */
#include <check.h>
#include <math.h>

#include "rng.h"
#include "tests.h"

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

static Suite *rng_suite(void) {
        Suite *s = suite_create("rng");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_rng_reproducible);
        tcase_add_test(tc, test_rng_distributions);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(rng_suite)
