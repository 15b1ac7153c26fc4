/* echo_profiles.c — PURE: the echo's run-time classroom profiles (echo_profiles.h). echo.c
 * builds them on start and reload, reads one per datagram and reports them through
 * echo_profiles_snapshot(); this file calls profile.c (the classification table and
 * derived seeds), impair.c (impair_is_noop, impair_describe), echo_budget.c, echo_flow.c (to walk the
 * flows) and rng.c, and no I/O. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "echo_profiles.h"
#include "impair.h"
#include "macro.h"

void echo_profile_limits(const ConfEcho *c, EchoBudgetLimits *ret) {
        assert(c);
        assert(ret);

        *ret = (EchoBudgetLimits) {
                .replies = { c->rate_limit, c->rate_burst },
                .plain = { c->rate_limit_plain, c->rate_burst },
                .bytes = { c->rate_limit_bytes, MAX(c->rate_limit_bytes, (double) c->max_payload) },
        };
        if (c->lab_compat == LAB_COMPAT_TIMESTAMP && c->rate_limit <= 0)
                ret->replies = (EchoBudgetRate) { ECHO_LAB_RATE, ECHO_LAB_BURST };
}

/* Counters answers carry the model's mean loss burst in thousandths of a probe (0 =
 * nothing is lost; "always lost" saturates). */
static uint32_t burst_mean_milli(const ConfEcho *c) {
        ImpairSummary sum;

        impair_describe(c, &sum);
        if (sum.mean_burst <= 0)
                return 0;
        if (sum.mean_burst * 1000.0 >= (double) UINT32_MAX)
                return UINT32_MAX;
        return (uint32_t) lround(sum.mean_burst * 1000.0);
}

static const EchoProfile *profile_find(const EchoProfile *ps, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (streq(ps[i].name, name))
                        return &ps[i];
        return NULL;
}

int echo_profiles_build(const ConfEcho *c, uint64_t seed, const EchoProfile *old_ps, size_t n_old,
                        uint32_t *last_serial, EchoProfile **ret, ProfileTable *ret_table) {
        size_t n = 1 + c->n_profiles;
        _cleanup_free_ EchoProfile *ps = NULL;
        ProfileMatch m[PROFILE_MAX] = {};
        uint32_t serial;
        int r;

        assert(c);
        assert(old_ps || n_old == 0);
        assert(last_serial);
        assert(ret);
        assert(ret_table);

        if (c->n_profiles > PROFILE_MAX)
                return -E2BIG;
        ps = calloc(n, sizeof(EchoProfile));
        if (!ps)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_profiles; i++)
                m[i] = (ProfileMatch) {
                        .sources = c->profiles[i].cidrs,
                        .n_sources = c->profiles[i].n_cidrs,
                        .ports = c->profiles[i].ports,
                        .n_ports = c->profiles[i].n_ports,
                };

        serial = *last_serial;
        for (size_t i = 0; i < n; i++) {
                EchoProfile *p = &ps[i];
                const ConfProfile *cp = i > 0 ? &c->profiles[i - 1] : NULL;
                const EchoProfile *old;

                strcpy(p->name, cp ? cp->name : "default");
                p->cp = cp;
                p->ce = cp ? &cp->echo : c;
                p->noop = impair_is_noop(p->ce);
                echo_profile_limits(p->ce, &p->limits);
                p->budget_on = echo_budget_limits_on(&p->limits);
                p->burst_mean_milli = burst_mean_milli(p->ce);
                p->seed = !cp ? seed : cp->seed_set ? cp->echo.seed : profile_seed_derive(seed, cp->name);

                old = profile_find(old_ps, n_old, p->name);
                if (old)
                        p->counters = old->counters;
                if (old && old->seed == p->seed)
                        p->rng = old->rng; /* an unchanged seed does not restart the sequence */
                else
                        rng_seed(&p->rng, p->seed);
                if (old && conf_echo_same_impairment(old->ce, p->ce))
                        p->serial = old->serial;
                else
                        p->serial = ++serial;
        }

        /* Last, so that nothing is left to undo when it fails. */
        r = profile_table_build(m, c->n_profiles, ret_table);
        if (r < 0)
                return r;
        *last_serial = serial;
        *ret = TAKE_PTR(ps);
        return 0;
}

int echo_profiles_snapshot(const EchoProfile *ps, size_t n, const EchoFlowTable *flows,
                           MetricsEchoProfile **ret) {
        MetricsEchoProfile *m;

        assert(ps || n == 0);
        assert(flows);
        assert(ret);

        m = calloc(MAX(n, (size_t) 1), sizeof(MetricsEchoProfile));
        if (!m)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                m[i] = (MetricsEchoProfile) {
                        .name = ps[i].name,
                        .match = ps[i].cp ? ps[i].cp->match : "everyone else",
                        .ce = ps[i].ce,
                        .counters = ps[i].counters,
                };
        for (const EchoFlow *f = echo_flow_next(flows, NULL); f; f = echo_flow_next(flows, f))
                if (f->key.kind != ECHO_FLOW_SOURCE && f->received > 0 && f->profile < n &&
                    f->profile_serial == ps[f->profile].serial)
                        m[f->profile].flows++;
        *ret = m;
        return 0;
}
