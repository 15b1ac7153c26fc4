/* echo_budget.c — PURE: the per-source budgets of the echo (echo_budget.h). echo.c votes
 * and pays once per reply in its rate-limit step, before a reply is sent or queued; this
 * file calls only impair.c's token bucket and is tested on its own in
 * tests/test_echo_budget.c. */
#include <assert.h>

#include "echo_budget.h"
#include "macro.h"

bool echo_budget_limits_on(const EchoBudgetLimits *l) {
        assert(l);
        return l->replies.rate > 0.0 || l->plain.rate > 0.0 || l->bytes.rate > 0.0;
}

bool echo_budget_vote(EchoBudget *b, uint16_t port) {
        assert(b);

        if (b->heavy_votes == 0 || b->heavy_port == port) {
                b->heavy_port = port;
                b->heavy_votes = MIN(b->heavy_votes + 1, ECHO_BUDGET_VOTES_MAX);
        } else
                b->heavy_votes--;
        return b->heavy_port == port;
}

bool echo_budget_pay(EchoBudget *b, const EchoBudgetLimits *l, bool heavy, bool plain, size_t bytes,
                     usec_t now_usec) {
        const EchoBudgetRate *rates[_ECHO_BUDGET_CLASS_MAX] = { &l->replies, &l->plain, &l->bytes };
        double cost[_ECHO_BUDGET_CLASS_MAX] = { 1.0, 1.0, (double) bytes };
        ImpairBucket *from[_ECHO_BUDGET_CLASS_MAX] = {};

        assert(b);
        assert(l);

        for (size_t c = 0; c < _ECHO_BUDGET_CLASS_MAX; c++) {
                const EchoBudgetRate *r = rates[c];

                if (r->rate <= 0.0 || (c == ECHO_BUDGET_PLAIN && !plain))
                        continue;
                impair_bucket_refill(&b->bucket[c], r->rate, r->burst, now_usec);
                if (b->bucket[c].tokens >= cost[c]) {
                        from[c] = &b->bucket[c];
                        continue;
                }
                if (heavy)
                        return false;
                impair_bucket_refill(&b->reserve[c], r->rate, r->burst, now_usec);
                if (b->reserve[c].tokens < cost[c])
                        return false;
                from[c] = &b->reserve[c];
        }

        for (size_t c = 0; c < _ECHO_BUDGET_CLASS_MAX; c++)
                if (from[c])
                        from[c]->tokens -= cost[c];
        return true;
}
