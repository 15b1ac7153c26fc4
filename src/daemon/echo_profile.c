/* echo_profile.c — the echo's run-time classroom profiles (echo_profile.h): built from
 * the configuration by echo.c on start-up and reload, carrying state over by name.
 * Calls profile (the classification table), impair (buckets), rng and conf; no I/O, no
 * clock, no log. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "echo_profile.h"
#include "impair.h"
#include "macro.h"

/* lab_compat replies are larger than their requests, so they are always rate-limited:
 * by rate_limit/rate_burst, or by these when rate_limit = 0. */
#define ECHO_LAB_RATE 100.0
#define ECHO_LAB_BURST 20
/* Votes the busiest port of a source address can bank: once it stops, another port takes
 * over as the busiest within this many of the address's datagrams. */
#define ECHO_HEAVY_VOTES_MAX 1024

static EchoProfile *profile_find(EchoProfile *ps, size_t n, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (streq(ps[i].name, name))
                        return &ps[i];
        return NULL;
}

/* The per-source-address rate limit. The address's bucket bounds what it gets; when one
 * of its ports floods, it drains that bucket, and the address's other ports (another
 * client on the same host, or behind the same NAT) would get nothing. So the port that
 * sends most of the address's datagrams (Boyer-Moore majority vote: no per-port state, so
 * a client cycling through source ports cannot grow the flow table) uses only the main
 * bucket, and the other ports fall back on a second bucket of the same size. An address
 * gets at most twice rate_limit in total, a single flooding port at most rate_limit. */
bool echo_profile_source_allow(const EchoProfile *p, EchoFlow *src, uint16_t port, usec_t now_usec) {
        assert(p);
        assert(src);

        if (src->heavy_votes == 0 || src->heavy_port == port) {
                src->heavy_port = port;
                src->heavy_votes = MIN(src->heavy_votes + 1, ECHO_HEAVY_VOTES_MAX);
        } else
                src->heavy_votes--;

        if (impair_bucket_take(&src->bucket, p->rate, p->burst, now_usec))
                return true;
        return port != src->heavy_port && impair_bucket_take(&src->reserve, p->rate, p->burst, now_usec);
}

int echo_profiles_set(EchoProfiles *ps, const ConfEcho *c, uint64_t seed) {
        size_t n = 1 + c->n_profiles;
        _cleanup_free_ EchoProfile *np = NULL;
        ProfileMatch m[PROFILE_MAX] = {};
        ProfileTable t;
        int r;

        assert(ps);
        assert(c);

        np = calloc(n, sizeof(EchoProfile));
        if (!np)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_profiles; i++)
                m[i] = (ProfileMatch) {
                        .sources = c->profiles[i].cidrs,
                        .n_sources = c->profiles[i].n_cidrs,
                        .ports = c->profiles[i].ports,
                        .n_ports = c->profiles[i].n_ports,
                };
        r = profile_table_build(m, c->n_profiles, &t);
        if (r < 0)
                return r;

        for (size_t i = 0; i < n; i++) {
                EchoProfile *p = &np[i], *old;
                const ConfProfile *cp = i > 0 ? &c->profiles[i - 1] : NULL;

                strcpy(p->name, cp ? cp->name : "default");
                p->cp = cp;
                p->ce = cp ? &cp->echo : c;
                p->noop = impair_is_noop(p->ce);
                p->rate = p->ce->rate_limit;
                p->burst = p->ce->rate_burst;
                if (p->ce->lab_compat && p->rate <= 0) {
                        p->rate = ECHO_LAB_RATE;
                        p->burst = ECHO_LAB_BURST;
                }
                p->seed = !cp ? seed : cp->seed_set ? cp->echo.seed : profile_seed_derive(seed, cp->name);

                old = profile_find(ps->p, ps->n, p->name);
                if (old)
                        p->counters = old->counters;
                if (old && old->seed == p->seed)
                        p->rng = old->rng; /* an unchanged seed does not restart the sequence */
                else
                        rng_seed(&p->rng, p->seed);
                if (old && conf_echo_same_impairment(old->ce, p->ce))
                        p->serial = old->serial;
                else
                        p->serial = ++ps->last_serial;
        }

        free(ps->p);
        ps->p = TAKE_PTR(np);
        ps->n = n;
        profile_table_done(&ps->table);
        ps->table = t;
        return 0;
}

usec_t echo_profiles_timer_slack(const EchoProfiles *ps, usec_t max) {
        usec_t slack = USEC_INFINITY;

        assert(ps);

        for (size_t i = 0; i < ps->n; i++) {
                const ConfEcho *pc = ps->p[i].ce;

                if (pc->delay_usec + pc->jitter_usec > 0)
                        slack = MIN(slack, (pc->delay_usec + pc->jitter_usec) / 20);
        }
        return slack == USEC_INFINITY ? 0 : MIN(slack, max);
}

int echo_profiles_report(const EchoProfiles *ps, const EchoFlowTable *flows, MetricsEchoProfile **ret,
                         size_t *ret_n) {
        MetricsEchoProfile *m;

        assert(ps);
        assert(flows);
        assert(ret);
        assert(ret_n);

        m = calloc(ps->n, sizeof(MetricsEchoProfile));
        if (!m)
                return -ENOMEM;
        for (size_t i = 0; i < ps->n; i++)
                m[i] = (MetricsEchoProfile) {
                        .name = ps->p[i].name,
                        .match = ps->p[i].cp ? ps->p[i].cp->match : "everyone else",
                        .ce = ps->p[i].ce,
                        .counters = ps->p[i].counters,
                };
        for (const EchoFlow *f = echo_flow_next(flows, NULL); f; f = echo_flow_next(flows, f))
                if (f->key.kind != ECHO_FLOW_SOURCE && f->received > 0 && f->profile < ps->n &&
                    f->profile_serial == ps->p[f->profile].serial)
                        m[f->profile].flows++;
        *ret = m;
        *ret_n = ps->n;
        return 0;
}

void echo_profiles_done(EchoProfiles *ps) {
        assert(ps);

        profile_table_done(&ps->table);
        free(ps->p);
        ps->p = NULL;
        ps->n = 0;
}
