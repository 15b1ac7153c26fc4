/* echo_profiles.h — the echo's classroom profiles at run time: for the default profile
 * (the top-level settings) and each of echo.profiles, the settings in effect (impairment,
 * per-source budgets), its own random stream and its counters, plus the table that
 * classifies a datagram into one. Rebuilt on every reload, carrying over what a reload
 * keeps. Pure: no I/O, no clock, no logging; the seed comes in as an argument. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "counters.h"
#include "echo_budget.h"
#include "echo_flow.h"
#include "metrics.h"
#include "profile.h"
#include "rng.h"

/* lab_compat = "timestamp" replies are larger than their requests, so they are always
 * rate-limited: by rate_limit/rate_burst, or by these when rate_limit = 0 (and by the
 * byte budget). */
#define ECHO_LAB_RATE 100.0
#define ECHO_LAB_BURST 20

/* One classroom profile at run time (index 0: the default, the top-level settings): its
 * settings, its own random stream, so a group's decisions do not depend on what other
 * groups send, and its counters. Counters, stream and serial carry over a reload while
 * the name stays (the stream only while the seed is unchanged, the serial only while the
 * impairment is). */
typedef struct EchoProfile {
        char name[PROFILE_NAME_MAX + 1];
        const ConfEcho *ce;       /* the top level or ConfProfile.echo, in the Conf built from */
        const ConfProfile *cp;    /* NULL for the default */
        bool noop;                /* impair_is_noop(): fast path */
        EchoBudgetLimits limits;  /* the per-source budgets of its datagrams */
        bool budget_on;           /* any of them: its sources need an entry */
        uint32_t burst_mean_milli; /* its loss model's mean burst, for counters answers */
        uint64_t seed;
        Rng rng;
        uint32_t serial; /* new when the settings change: flows restart their loss state */
        uint16_t record_name; /* echo_record_intern() of the name (echo_flows_name_profiles()) */
        EchoProfileCounters counters;
} EchoProfile;

/* The per-source budgets a profile with settings @c gives its datagrams: rate_limit,
 * rate_limit_plain (both of depth rate_burst) and rate_limit_bytes (a second's worth, and
 * always max_payload: lab_compat replies are cut to it); lab_compat "timestamp" with
 * rate_limit = 0 gets ECHO_LAB_RATE/ECHO_LAB_BURST replies. Fills *ret. */
void echo_profile_limits(const ConfEcho *c, EchoBudgetLimits *ret);

/* Builds the profiles of @c (1 + c->n_profiles, [0] = default) and their classification
 * table. @seed is the top-level seed in use; a profile without its own seed derives one
 * from it and its name. @old (@n_old profiles, may be NULL) are the current ones: a
 * profile of the same name keeps their counters, stream and serial as described above;
 * new serials come from *@last_serial, which is advanced. Returns 0 and sets *ret (to
 * free()) and *ret_table (to profile_table_done()), or -ENOMEM/-E2BIG with nothing set.
 * The result points into @c: keep its Conf referenced while it is in use. */
int echo_profiles_build(const ConfEcho *c, uint64_t seed, const EchoProfile *old, size_t n_old,
                        uint32_t *last_serial, EchoProfile **ret, ProfileTable *ret_table);

/* What echo_get_profiles() reports for the @n profiles @ps: name, match, settings and
 * counters, and the live flows of @flows last classified into each under its current
 * settings (one pass over the table). Sets *ret to a malloc'ed array of @n (its strings
 * and ConfEcho pointers borrowed from @ps). Returns 0 or -ENOMEM. */
int echo_profiles_snapshot(const EchoProfile *ps, size_t n, const EchoFlowTable *flows,
                           MetricsEchoProfile **ret);
