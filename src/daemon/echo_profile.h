/* echo_profile.h — the echo's classroom profiles at run time: each profile's effective
 * settings, random stream and counters, and the classification table, rebuilt from the
 * configuration on every reload. Used only by echo.c; pure apart from malloc (no I/O, no
 * clock, no log). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "counters.h"
#include "echo_flow.h"
#include "metrics.h"
#include "profile.h"
#include "rng.h"
#include "time_util.h"

/* One classroom profile at run time (index 0: the default, the top-level settings): its
 * settings, its own random stream, so a group's decisions do not depend on what other
 * groups send, and its counters. Rebuilt on every reload; counters, stream and serial
 * carry over while the name stays (the stream and serial only while it is unchanged). */
typedef struct EchoProfile {
        char name[PROFILE_NAME_MAX + 1];
        const ConfEcho *ce;    /* in the Conf in effect: the top level or ConfProfile.echo */
        const ConfProfile *cp; /* NULL for the default */
        bool noop;             /* impair_is_noop(): fast path */
        double rate;           /* effective per-source rate, 0 = off */
        unsigned burst;
        uint64_t seed;
        Rng rng;
        uint32_t serial; /* new when the settings change: flows restart their loss state */
        EchoProfileCounters counters;
} EchoProfile;

/* Embedded in Echo; zero-initialised is "no profiles yet" (call echo_profiles_set()). */
typedef struct EchoProfiles {
        EchoProfile *p; /* n, [0] = default */
        size_t n;
        ProfileTable table;
        uint32_t last_serial;
} EchoProfiles;

/* The per-source-address rate limit of profile @p for a datagram from source port @port
 * (network order) at @now_usec, on the source's flow @src: true if it may be answered.
 * The busiest port of the address (a majority vote, no per-port state) uses the main
 * bucket, its other ports a second one of the same size: an address gets at most twice
 * rate_limit, a single flooding port at most rate_limit. */
bool echo_profile_source_allow(const EchoProfile *p, EchoFlow *src, uint16_t port, usec_t now_usec);

/* Builds the profiles and the classification table of @c (a Conf's echo group; the
 * profiles keep pointers into it), carrying over from the current ones what a reload
 * keeps. @seed is the top-level seed in use (profiles without their own derive theirs
 * from it). Returns 0, or -ENOMEM with @ps unchanged. */
int echo_profiles_set(EchoProfiles *ps, const ConfEcho *c, uint64_t seed);

/* The profile of a datagram from @addr (16 octets, v4-mapped for IPv4) on a socket whose
 * port has profile_table_column() @column: one binary search, none without profiles. */
static inline uint16_t echo_profiles_lookup(const EchoProfiles *ps, const uint8_t addr[16], unsigned column) {
        return ps->n > 1 ? (uint16_t) profile_table_lookup(&ps->table, addr, column) : 0;
}

/* The delay queue's timer slack for these profiles: 1/20 of the smallest delay + jitter
 * any of them adds, at most @max; 0 when none delays. */
usec_t echo_profiles_timer_slack(const EchoProfiles *ps, usec_t max);

/* A snapshot for metrics: every profile with its counters and the live flows of @flows
 * classified into it (unchanged since). Returns a malloc'ed array of ps->n in *@ret
 * (names and settings borrowed from @ps), or -ENOMEM. */
int echo_profiles_report(const EchoProfiles *ps, const EchoFlowTable *flows, MetricsEchoProfile **ret,
                         size_t *ret_n);

void echo_profiles_done(EchoProfiles *ps);
