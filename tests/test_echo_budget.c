/* test_echo_budget.c — the echo's per-source budgets (src/daemon/echo_budget.c) without a
 * socket: each class at its limit and one past it, refill over time, plain-only and
 * byte costs, all-or-nothing payment, the reserve that only the address's other ports
 * draw on, the busiest-port vote, and classes that are off. */
#include "echo_budget.h"
#include "macro.h"
#include "tests.h"

#define MS USEC_PER_MSEC

static const EchoBudgetLimits replies_only = { .replies = { 10, 5 } };

/* A burst of 5 at 10/s: five replies, not six; one more every 100 ms. */
START_TEST(test_replies) {
        EchoBudget b = {};

        for (int i = 0; i < 5; i++)
                ck_assert(echo_budget_pay(&b, &replies_only, true, false, 1000, 0));
        ck_assert(!echo_budget_pay(&b, &replies_only, true, false, 0, 0));
        ck_assert(!echo_budget_pay(&b, &replies_only, true, false, 0, 99 * MS));
        ck_assert(echo_budget_pay(&b, &replies_only, true, false, 0, 100 * MS));
        ck_assert(!echo_budget_pay(&b, &replies_only, true, false, 0, 100 * MS));
        /* long idle: back to the burst, not more */
        for (int i = 0; i < 5; i++)
                ck_assert(echo_budget_pay(&b, &replies_only, true, false, 0, 100000 * MS));
        ck_assert(!echo_budget_pay(&b, &replies_only, true, false, 0, 100000 * MS));
}
END_TEST

static const struct {
        EchoBudgetLimits l;
        bool plain;
        size_t bytes;
        unsigned expect;                /* replies paid for at one instant from a fresh budget */
} burst_cases[] = {
        { { .replies = { 10, 5 } }, false, 100, 5 },
        { { .replies = { 10, 5 } }, true, 100, 5 },
        { { .plain = { 10, 3 } }, false, 100, 1000 },                   /* probes do not pay plain */
        { { .plain = { 10, 3 } }, true, 100, 3 },
        { { .replies = { 10, 5 }, .plain = { 10, 3 } }, true, 100, 3 }, /* the tighter one */
        { { .bytes = { 1000, 1000 } }, false, 100, 10 },                /* 10 x 100 bytes at the limit */
        { { .bytes = { 1000, 1000 } }, false, 101, 9 },                 /* one byte over: 9 */
        { { .bytes = { 1000, 1000 } }, false, 0, 1000 },                /* empty replies cost no bytes */
        { { .bytes = { 1000, 1000 } }, false, 1001, 0 },                /* larger than the burst: never */
        { { .replies = { 100, 50 }, .bytes = { 1000, 1000 } }, true, 250, 4 },
        { {}, true, 65507, 1000 },                                       /* all off */
};

START_TEST(test_burst_table) {
        EchoBudget b = {};
        unsigned n = 0;

        while (n < 1000 &&
               echo_budget_pay(&b, &burst_cases[_i].l, true, burst_cases[_i].plain, burst_cases[_i].bytes, 0))
                n++;
        ck_assert_uint_eq(n, burst_cases[_i].expect);
        ck_assert(echo_budget_limits_on(&burst_cases[_i].l) == (_i != ELEMENTSOF(burst_cases) - 1));
}
END_TEST

/* A payment that one class refuses takes nothing from the others. */
START_TEST(test_all_or_nothing) {
        const EchoBudgetLimits l = { .replies = { 10, 2 }, .bytes = { 1000, 1000 } };
        EchoBudget b = {};

        ck_assert(!echo_budget_pay(&b, &l, true, false, 2000, 0));     /* bytes refuse ... */
        ck_assert(echo_budget_pay(&b, &l, true, false, 500, 0));       /* ... and both reply tokens are left */
        ck_assert(echo_budget_pay(&b, &l, true, false, 500, 0));
        ck_assert(!echo_budget_pay(&b, &l, true, false, 0, 0));        /* now replies refuse */
        ck_assert_double_eq_tol(b.bucket[ECHO_BUDGET_BYTES].tokens, 0.0, 1e-9);
}
END_TEST

/* The busiest port drains the bucket and stops there; another port of the address then
 * draws on the reserve of the same size, once. */
START_TEST(test_reserve) {
        EchoBudget b = {};
        unsigned heavy = 0, other = 0;

        for (int i = 0; i < 100; i++) {
                bool h = echo_budget_vote(&b, 1111);

                ck_assert(h);
                heavy += echo_budget_pay(&b, &replies_only, h, false, 0, 0);
        }
        ck_assert_uint_eq(heavy, 5);
        for (int i = 0; i < 100; i++) {
                bool h = echo_budget_vote(&b, 2222);

                ck_assert(!h);          /* 100 votes banked by 1111 */
                other += echo_budget_pay(&b, &replies_only, h, false, 0, 0);
        }
        ck_assert_uint_eq(other, 5);
}
END_TEST

/* Boyer-Moore majority: the banked votes decide; a port that keeps sending takes over. */
START_TEST(test_vote) {
        EchoBudget b = {};

        ck_assert(echo_budget_vote(&b, 1));
        ck_assert(echo_budget_vote(&b, 1));
        ck_assert(!echo_budget_vote(&b, 2));    /* 1 vote left for port 1 */
        ck_assert(!echo_budget_vote(&b, 2));    /* 0 left */
        ck_assert(echo_budget_vote(&b, 2));     /* port 2 takes over */
        for (int i = 0; i < 5000; i++)
                (void) echo_budget_vote(&b, 3);
        ck_assert_uint_eq(b.heavy_port, 3);
        ck_assert_uint_eq(b.heavy_votes, ECHO_BUDGET_VOTES_MAX);
}
END_TEST

static Suite *echo_budget_suite(void) {
        Suite *s = suite_create("echo_budget");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_replies);
        tcase_add_loop_test(tc, test_burst_table, 0, ELEMENTSOF(burst_cases));
        tcase_add_test(tc, test_all_or_nothing);
        tcase_add_test(tc, test_reserve);
        tcase_add_test(tc, test_vote);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(echo_budget_suite)
