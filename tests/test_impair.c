/* test_impair.c — table tests of the pure impairment models (src/daemon/impair.c).
 * Every test uses fixed seeds, so it is deterministic; statistical assertions use
 * two-sided 99.9% bounds (z = 3.29) derived from each model's theoretical variance, so a
 * correct model fails them with probability 0.1% per seed and a wrong one fails. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "impair.h"
#include "tests.h"

#define Z999 3.2905                     /* two-sided 99.9% normal quantile */
#define N_DRAWS 100000

static ConfEcho conf_base(void) {
        return (ConfEcho) {
                .loss_model = LOSS_MODEL_RANDOM,
                .distribution = DELAY_DIST_UNIFORM,
                .reorder_gap = 3,
                .rate_burst = 1,
        };
}

/* ---- random loss ---------------------------------------------------------------- */

static const struct {
        double loss;
        uint64_t seed;
} random_cases[] = {
        { 0.0, 1 }, { 0.3, 1 }, { 0.3, 2 }, { 0.3, 12345 }, { 0.01, 7 }, { 0.5, 3 }, { 0.99, 4 }, { 1.0, 5 },
};

START_TEST(test_random_loss_rate) {
        ConfEcho c = conf_base();
        ImpairLossState st = {};
        unsigned lost = 0;
        double p, half;
        Rng rng;

        c.loss = random_cases[_i].loss;
        rng_seed(&rng, random_cases[_i].seed);
        for (unsigned i = 0; i < N_DRAWS; i++)
                lost += impair_loss(&c, &rng, &st);

        /* 99.9% binomial interval (normal approximation; exact at p = 0 and p = 1). */
        p = c.loss;
        half = Z999 * sqrt(p * (1.0 - p) / N_DRAWS);
        ck_assert_msg(fabs((double) lost / N_DRAWS - p) <= half,
                      "loss %.2f seed %llu: %u of %u lost, outside %.4f +- %.4f", p,
                      (unsigned long long) random_cases[_i].seed, lost, N_DRAWS, p, half);
}
END_TEST

/* ---- Gilbert-Elliott -------------------------------------------------------------- */

static const struct {
        double p, r, lg, lb;
        uint64_t seed;
} ge_cases[] = {
        { 0.01, 0.30, 0.0, 1.0, 1 },            /* Gilbert: bursts of mean 1/r = 3.33 */
        { 0.05, 0.50, 0.0, 1.0, 2 },
        { 0.02, 0.10, 0.0, 1.0, 3 },            /* long bursts: mean 10 */
        { 0.05, 0.50, 0.01, 0.80, 4 },          /* full 4-parameter model */
        { 0.10, 0.10, 0.0, 0.5, 5 },
        { 0.00, 0.50, 0.05, 1.0, 6 },           /* never enters BAD: random 5% */
};

START_TEST(test_ge_loss_and_bursts) {
        ConfEcho c = conf_base();
        ImpairLossState st = {};
        ImpairSummary s;
        unsigned lost = 0, bursts = 0, run = 0;
        double sum_len = 0, sum_len2 = 0;
        double lambda, pib, var, mean_len, sd_len;
        Rng rng;

        c.loss_model = LOSS_MODEL_GILBERT_ELLIOTT;
        c.ge_p = ge_cases[_i].p;
        c.ge_r = ge_cases[_i].r;
        c.ge_loss_good = ge_cases[_i].lg;
        c.ge_loss_bad = ge_cases[_i].lb;
        impair_describe(&c, &s);

        rng_seed(&rng, ge_cases[_i].seed);
        for (unsigned i = 0; i < N_DRAWS; i++) {
                if (impair_loss(&c, &rng, &st)) {
                        lost++;
                        run++;
                        continue;
                }
                if (run > 0) {
                        bursts++;
                        sum_len += run;
                        sum_len2 += (double) run * run;
                        run = 0;
                }
        }

        /* Mean loss. Losses are correlated through the state chain (lag-k correlation of
         * the state is lambda^k, lambda = 1 - p - r), so the variance of the sample mean
         * is (1/n) [P(1-P) + 2 (lB - lG)^2 piB piG lambda / (1 - lambda)]. */
        lambda = 1.0 - c.ge_p - c.ge_r;
        pib = c.ge_p + c.ge_r > 0 ? c.ge_p / (c.ge_p + c.ge_r) : 0.0;
        var = (s.mean_loss * (1.0 - s.mean_loss) +
               2.0 * pow(c.ge_loss_bad - c.ge_loss_good, 2) * pib * (1.0 - pib) * lambda / (1.0 - lambda)) /
                N_DRAWS;
        ck_assert_msg(fabs((double) lost / N_DRAWS - s.mean_loss) <= Z999 * sqrt(var),
                      "GE case %d: loss %.5f, theory %.5f +- %.5f", _i, (double) lost / N_DRAWS,
                      s.mean_loss, Z999 * sqrt(var));

        /* Mean burst length: bursts are (nearly) independent, so the 99.9% interval of
         * their mean is the sample stddev over sqrt(bursts). */
        ck_assert_uint_gt(bursts, 100);
        mean_len = sum_len / bursts;
        sd_len = sqrt(fmax(sum_len2 / bursts - mean_len * mean_len, 0.0));
        ck_assert_msg(fabs(mean_len - s.mean_burst) <= Z999 * sd_len / sqrt(bursts) + 1e-9,
                      "GE case %d: mean burst %.4f, theory %.4f +- %.4f", _i, mean_len, s.mean_burst,
                      Z999 * sd_len / sqrt(bursts));
}
END_TEST

/* ---- impair_describe(): closed forms ---------------------------------------------- */

static const struct {
        LossModel model;
        double loss, p, r, lg, lb;
        double mean_loss, mean_burst, bad_fraction;
} describe_cases[] = {
        { LOSS_MODEL_RANDOM, 0.3, 0, 0, 0, 0, 0.3, 1.0 / 0.7, 0 },
        { LOSS_MODEL_RANDOM, 0.0, 0, 0, 0, 0, 0.0, 0.0, 0 },
        { LOSS_MODEL_RANDOM, 1.0, 0, 0, 0, 0, 1.0, INFINITY, 0 },
        { LOSS_MODEL_RANDOM, 0.5, 0, 0, 0, 0, 0.5, 2.0, 0 },
        /* Gilbert (lG = 0, lB = 1): loss = p/(p+r), bursts = 1/r. */
        { LOSS_MODEL_GILBERT_ELLIOTT, 0, 0.01, 0.3, 0.0, 1.0, 0.01 / 0.31, 1.0 / 0.3, 0.01 / 0.31 },
        { LOSS_MODEL_GILBERT_ELLIOTT, 0, 0.02, 0.1, 0.0, 1.0, 0.02 / 0.12, 10.0, 0.02 / 0.12 },
        /* Equal loss in both states: behaves like random loss of that rate. */
        { LOSS_MODEL_GILBERT_ELLIOTT, 0, 0.2, 0.4, 0.25, 0.25, 0.25, 1.0 / 0.75, 0.2 / 0.6 },
        /* Never enters BAD. */
        { LOSS_MODEL_GILBERT_ELLIOTT, 0, 0.0, 0.0, 0.1, 1.0, 0.1, 1.0 / 0.9, 0.0 },
};

START_TEST(test_describe) {
        ConfEcho c = conf_base();
        ImpairSummary s;

        c.loss_model = describe_cases[_i].model;
        c.loss = describe_cases[_i].loss;
        c.ge_p = describe_cases[_i].p;
        c.ge_r = describe_cases[_i].r;
        c.ge_loss_good = describe_cases[_i].lg;
        c.ge_loss_bad = describe_cases[_i].lb;
        impair_describe(&c, &s);

        ck_assert_double_eq_tol(s.mean_loss, describe_cases[_i].mean_loss, 1e-12);
        ck_assert_double_eq_tol(s.bad_fraction, describe_cases[_i].bad_fraction, 1e-12);
        if (isinf(describe_cases[_i].mean_burst))
                ck_assert(isinf(s.mean_burst));
        else
                ck_assert_double_eq_tol(s.mean_burst, describe_cases[_i].mean_burst, 1e-9);
}
END_TEST

START_TEST(test_format_summary) {
        ConfEcho c = conf_base();
        char buf[256], tiny[8];

        c.loss = 0.3;
        c.delay_usec = 10000;
        c.jitter_usec = 2000;
        c.distribution = DELAY_DIST_NORMAL;
        impair_format_summary(&c, buf, sizeof(buf));
        ck_assert_msg(strstr(buf, "loss 30.00% per round trip (random)"), "%s", buf);
        ck_assert_msg(strstr(buf, "mean loss burst 1.43 datagrams"), "%s", buf);
        ck_assert_msg(strstr(buf, "delay 10ms +- 2ms normal"), "%s", buf);

        c.loss_model = LOSS_MODEL_GILBERT_ELLIOTT;
        c.ge_p = 0.01;
        c.ge_r = 0.3;
        c.ge_loss_good = 0;
        c.ge_loss_bad = 1;
        impair_format_summary(&c, buf, sizeof(buf));
        ck_assert_msg(strstr(buf, "loss 3.23% per round trip (gilbert-elliott, 3.23% of the time in BAD)"),
                      "%s", buf);
        ck_assert_msg(strstr(buf, "mean loss burst 3.33 datagrams"), "%s", buf);

        /* Truncates safely. */
        impair_format_summary(&c, tiny, sizeof(tiny));
        ck_assert_uint_eq(strlen(tiny), sizeof(tiny) - 1);
}
END_TEST

/* ---- delay distributions ---------------------------------------------------------- */

/* Kurtosis (4th standardized moment) of the truncated Pareto used by impair.c, from
 * its raw moments E[x^k] = int_e^1 u^(-k/3) du / (1 - e). */
static double pareto_raw_moment(int k) {
        double e = 1.0 / 4096.0, a = 1.0 - k / 3.0;

        if (k == 3)
                return -log(e) / (1.0 - e);
        return (1.0 - pow(e, a)) / a / (1.0 - e);
}

static double pareto_kurtosis(void) {
        double m1 = pareto_raw_moment(1), m2 = pareto_raw_moment(2), m3 = pareto_raw_moment(3),
               m4 = pareto_raw_moment(4);
        double var = m2 - m1 * m1;
        double c4 = m4 - 4 * m1 * m3 + 6 * m1 * m1 * m2 - 3 * pow(m1, 4);

        return c4 / (var * var);
}

START_TEST(test_pareto_constants) {
        double m1 = pareto_raw_moment(1), m2 = pareto_raw_moment(2);

        /* The literals in impair.c (PARETO_MEAN, PARETO_STDDEV) through the summary of a
         * pareto delay: its stddev must come out as the jitter. */
        ck_assert_double_eq_tol(m1, 1.4945054945054945, 1e-12);
        ck_assert_double_eq_tol(sqrt(m2 - m1 * m1), 0.7613410143159901, 1e-12);
}
END_TEST

static const struct {
        DelayDistribution dist;
        uint64_t seed;
} delay_cases[] = {
        { DELAY_DIST_UNIFORM, 1 },
        { DELAY_DIST_UNIFORM, 2 },
        { DELAY_DIST_NORMAL, 1 },
        { DELAY_DIST_NORMAL, 3 },
        { DELAY_DIST_PARETO, 1 },
        { DELAY_DIST_PARETO, 4 },
        { DELAY_DIST_PARETONORMAL, 1 },
        { DELAY_DIST_PARETONORMAL, 5 },
};

START_TEST(test_delay_distribution) {
        ConfEcho c = conf_base();
        double sum = 0, sum2 = 0, mean, var, sigma2, kurt, a = 0.75, b = 0.25;
        usec_t lo = USEC_INFINITY;
        Rng rng;

        /* delay = 10 stddevs above 0 so clamping at 0 never happens (pareto's lower end is
         * only 0.65 stddev below the mean). */
        c.distribution = delay_cases[_i].dist;
        c.delay_usec = 100000;
        c.jitter_usec = 10000;

        switch (c.distribution) {
        case DELAY_DIST_UNIFORM:
                /* discrete uniform over 2J+1 points */
                sigma2 = (double) c.jitter_usec * (c.jitter_usec + 1) / 3.0;
                kurt = 1.8;
                break;
        case DELAY_DIST_NORMAL:
                sigma2 = (double) c.jitter_usec * c.jitter_usec;
                kurt = 3.0;
                break;
        case DELAY_DIST_PARETO:
                sigma2 = (double) c.jitter_usec * c.jitter_usec;
                kurt = pareto_kurtosis();
                break;
        default:
                sigma2 = (double) c.jitter_usec * c.jitter_usec;
                kurt = (pow(a, 4) * 3.0 + 6 * a * a * b * b + pow(b, 4) * pareto_kurtosis()) /
                        pow(a * a + b * b, 2);
                break;
        }

        rng_seed(&rng, delay_cases[_i].seed);
        for (unsigned i = 0; i < N_DRAWS; i++) {
                usec_t d = impair_delay(&c, &rng);

                lo = MIN(lo, d);
                sum += (double) d;
                sum2 += (double) d * d;
        }
        mean = sum / N_DRAWS;
        var = sum2 / N_DRAWS - mean * mean;

        /* Sample mean: sd sigma/sqrt(n). Sample variance: sd sigma^2 sqrt((kurt - 1)/n).
         * The +0.5 and +1 absorb rounding to whole microseconds. */
        ck_assert_msg(fabs(mean - c.delay_usec) <= Z999 * sqrt(sigma2 / N_DRAWS) + 0.5,
                      "%s: mean %.1f, want %llu +- %.1f", delay_distribution_to_string(c.distribution), mean,
                      (unsigned long long) c.delay_usec, Z999 * sqrt(sigma2 / N_DRAWS));
        ck_assert_msg(fabs(var - sigma2) <= Z999 * sigma2 * sqrt((kurt - 1.0) / N_DRAWS) + 1.0,
                      "%s: stddev %.1f, want %.1f (kurtosis %.2f)", delay_distribution_to_string(c.distribution),
                      sqrt(var), sqrt(sigma2), kurt);
        ck_assert_uint_gt(lo, 0);
}
END_TEST

START_TEST(test_delay_clamp_and_constant) {
        ConfEcho c = conf_base();
        Rng rng, before;

        rng_seed(&rng, 9);
        c.delay_usec = 5000;
        before = rng;
        for (unsigned i = 0; i < 100; i++)
                ck_assert_uint_eq(impair_delay(&c, &rng), 5000);
        ck_assert_mem_eq(&rng, &before, sizeof(rng));     /* jitter 0: no draws */

        /* jitter far above delay: never negative, sometimes exactly 0 */
        c.delay_usec = 10;
        c.jitter_usec = 100000;
        for (int d = 0; d < _DELAY_DIST_MAX; d++) {
                unsigned zeros = 0;

                c.distribution = d;
                for (unsigned i = 0; i < 10000; i++)
                        zeros += impair_delay(&c, &rng) == 0;
                ck_assert_uint_gt(zeros, 0);
        }
}
END_TEST

/* ---- duplicate / reorder / decide ----------------------------------------------- */

START_TEST(test_duplicate_reorder_rates) {
        ConfEcho c = conf_base();
        ImpairLossState st = {};
        unsigned passed = 0, dup = 0, reo = 0, lost = 0;
        double half;
        Rng rng;

        c.loss = 0.2;
        c.duplicate = 0.1;
        c.reorder = 0.05;
        c.reorder_gap = 2;
        rng_seed(&rng, 42);
        for (unsigned i = 0; i < N_DRAWS; i++) {
                ImpairDecision d;

                impair_decide(&c, &rng, &st, &d);
                if (d.drop) {
                        ck_assert_uint_eq(d.copies, 0);
                        lost++;
                        continue;
                }
                passed++;
                ck_assert(d.copies == 1 || d.copies == 2);
                dup += d.copies == 2;
                reo += d.reorder;
        }

        half = Z999 * sqrt(0.2 * 0.8 / N_DRAWS);
        ck_assert(fabs((double) lost / N_DRAWS - 0.2) <= half);
        half = Z999 * sqrt(0.1 * 0.9 / passed);
        ck_assert_msg(fabs((double) dup / passed - 0.1) <= half, "dup %u/%u", dup, passed);
        half = Z999 * sqrt(0.05 * 0.95 / passed);
        ck_assert_msg(fabs((double) reo / passed - 0.05) <= half, "reorder %u/%u", reo, passed);

        /* gap 0 disables reordering */
        c.reorder_gap = 0;
        for (unsigned i = 0; i < 1000; i++) {
                ImpairDecision d;

                impair_decide(&c, &rng, &st, &d);
                ck_assert(!d.reorder);
        }
}
END_TEST

START_TEST(test_decide_reproducible) {
        ConfEcho c = conf_base();
        ImpairLossState s1 = {}, s2 = {}, s3 = {};
        unsigned differ = 0;
        Rng a, b, other;

        c.loss_model = LOSS_MODEL_GILBERT_ELLIOTT;
        c.ge_p = 0.1;
        c.ge_r = 0.3;
        c.ge_loss_bad = 0.9;
        c.delay_usec = 1000;
        c.jitter_usec = 300;
        c.distribution = DELAY_DIST_PARETONORMAL;
        c.duplicate = 0.1;
        c.reorder = 0.1;
        rng_seed(&a, 77);
        rng_seed(&b, 77);
        rng_seed(&other, 78);
        for (unsigned i = 0; i < 10000; i++) {
                ImpairDecision x, y, z;

                impair_decide(&c, &a, &s1, &x);
                impair_decide(&c, &b, &s2, &y);
                impair_decide(&c, &other, &s3, &z);
                ck_assert_mem_eq(&x, &y, sizeof(x));
                differ += x.drop != z.drop || x.delay_usec != z.delay_usec;
        }
        ck_assert_uint_gt(differ, 1000);
}
END_TEST

START_TEST(test_noop_draws_nothing) {
        ConfEcho c = conf_base();
        ImpairLossState st = {};
        ImpairDecision d;
        Rng rng, before;

        ck_assert(impair_is_noop(&c));
        rng_seed(&rng, 5);
        before = rng;
        for (unsigned i = 0; i < 100; i++) {
                impair_decide(&c, &rng, &st, &d);
                ck_assert(!d.drop);
                ck_assert_uint_eq(d.copies, 1);
                ck_assert_uint_eq(d.delay_usec, 0);
                ck_assert(!d.reorder);
        }
        ck_assert_mem_eq(&rng, &before, sizeof(rng));
}
END_TEST

static const struct {
        const char *what;
        ConfEcho c;
        bool noop;
} noop_cases[] = {
        { "defaults", { .reorder_gap = 3 }, true },
        { "loss", { .loss = 0.1 }, false },
        { "delay", { .delay_usec = 1 }, false },
        { "jitter", { .jitter_usec = 1 }, false },
        { "duplicate", { .duplicate = 0.01 }, false },
        { "reorder", { .reorder = 0.01, .reorder_gap = 1 }, false },
        { "reorder gap 0", { .reorder = 0.5, .reorder_gap = 0 }, true },
        { "rate limit is not an impairment", { .rate_limit = 10, .rate_burst = 1 }, true },
        { "GE never bad", { .loss_model = LOSS_MODEL_GILBERT_ELLIOTT, .ge_p = 0, .ge_loss_bad = 1 }, true },
        { "GE bad loses", { .loss_model = LOSS_MODEL_GILBERT_ELLIOTT, .ge_p = 0.1, .ge_loss_bad = 1 }, false },
        { "GE good loses", { .loss_model = LOSS_MODEL_GILBERT_ELLIOTT, .ge_loss_good = 0.1 }, false },
        { "GE ignores loss", { .loss_model = LOSS_MODEL_GILBERT_ELLIOTT, .loss = 0.5 }, true },
};

START_TEST(test_is_noop) {
        ck_assert_msg(impair_is_noop(&noop_cases[_i].c) == noop_cases[_i].noop, "%s", noop_cases[_i].what);
}
END_TEST

/* ---- token bucket ---------------------------------------------------------------- */

static const struct {
        double rate;
        unsigned burst;
        usec_t at[8];
        const char *expect;                     /* one char per call: 'y' taken, 'n' refused */
} bucket_cases[] = {
        /* burst 3 at t=0, then 10/s refills one token per 100 ms */
        { 10, 3, { 0, 0, 0, 0, 50000, 100000, 100000, 300000 }, "yyynnyny" },
        /* burst 1: strictly one per 1/rate */
        { 1000, 1, { 0, 500, 999, 1100, 1100, 2500, 2600, 3600 }, "ynnynyny" },
        /* burst 0 behaves as 1 */
        { 1000, 0, { 0, 0, 1000, 1000, 0, 0, 0, 0 }, "ynynnnnn" },
        /* clock going backwards refills nothing */
        { 10, 1, { 1000000, 500000, 900000, 1100000, 1100001, 0, 0, 0 }, "ynnyn" },
        /* rate 0: unlimited */
        { 0, 1, { 0, 0, 0, 0, 0, 0, 0, 0 }, "yyyyyyyy" },
};

START_TEST(test_bucket_table) {
        ImpairBucket b = {};
        const char *e = bucket_cases[_i].expect;

        for (size_t k = 0; e[k]; k++) {
                bool got = impair_bucket_take(&b, bucket_cases[_i].rate, bucket_cases[_i].burst,
                                              bucket_cases[_i].at[k]);

                ck_assert_msg(got == (e[k] == 'y'), "case %d call %zu: got %d", _i, k, got);
        }
}
END_TEST

START_TEST(test_bucket_long_run) {
        ImpairBucket b = {};
        unsigned taken = 0;

        /* Offer 1000/s for 10 s to a 100/s bucket with burst 5: burst + rate * time. */
        for (usec_t t = 0; t < 10 * USEC_PER_SEC; t += 1000)
                taken += impair_bucket_take(&b, 100, 5, t);
        ck_assert_uint_ge(taken, 5 + 999);
        ck_assert_uint_le(taken, 5 + 1000);
}
END_TEST

static Suite *impair_suite(void) {
        Suite *s = suite_create("impair");
        TCase *tc = tcase_create("core");

        tcase_set_timeout(tc, 60);
        tcase_add_loop_test(tc, test_random_loss_rate, 0, ELEMENTSOF(random_cases));
        tcase_add_loop_test(tc, test_ge_loss_and_bursts, 0, ELEMENTSOF(ge_cases));
        tcase_add_loop_test(tc, test_describe, 0, ELEMENTSOF(describe_cases));
        tcase_add_test(tc, test_format_summary);
        tcase_add_test(tc, test_pareto_constants);
        tcase_add_loop_test(tc, test_delay_distribution, 0, ELEMENTSOF(delay_cases));
        tcase_add_test(tc, test_delay_clamp_and_constant);
        tcase_add_test(tc, test_duplicate_reorder_rates);
        tcase_add_test(tc, test_decide_reproducible);
        tcase_add_test(tc, test_noop_draws_nothing);
        tcase_add_loop_test(tc, test_is_noop, 0, ELEMENTSOF(noop_cases));
        tcase_add_loop_test(tc, test_bucket_table, 0, ELEMENTSOF(bucket_cases));
        tcase_add_test(tc, test_bucket_long_run);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(impair_suite)
