/* test_stats.c — table tests for src/ping/stats.c: histogram percentiles against exact
 * nearest-rank values, Welford against two passes, reply classification (received, late,
 * duplicate, reordered, stale, unknown, failed), jitter definitions, loss attribution. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "rng.h"
#include "stats.h"
#include "tests.h"

/* ---- histogram ------------------------------------------------------------------------ */

typedef enum Dist { DIST_CONST, DIST_SMALL, DIST_UNIFORM, DIST_EXP, DIST_BIMODAL, DIST_HUGE } Dist;

static const struct {
        Dist dist;
        size_t n;
        uint64_t seed;
} hist_cases[] = {
        { DIST_CONST,   1,      1 },
        { DIST_CONST,   1000,   2 },
        { DIST_SMALL,   5000,   3 },
        { DIST_UNIFORM, 100000, 4 },
        { DIST_EXP,     100000, 5 },
        { DIST_BIMODAL, 50001,  6 },
        { DIST_HUGE,    20000,  7 },
        { DIST_UNIFORM, 7,      8 },
};

static uint64_t draw(Dist d, Rng *rng) {
        switch (d) {
        case DIST_CONST:
                return 49123;                                   /* 49.123 us in ns */
        case DIST_SMALL:
                return rng_below(rng, 3000);                    /* exact region and just above */
        case DIST_UNIFORM:
                return 20000000 + rng_below(rng, 1500000);      /* 20..21.5 ms */
        case DIST_EXP:
                return (uint64_t) (50000.0 * -log(1.0 - rng_double(rng)));
        case DIST_BIMODAL:
                return rng_chance(rng, 0.9) ? 45000 + rng_below(rng, 10000) : 3000000 + rng_below(rng, 1000);
        case DIST_HUGE:
                return (UINT64_C(1) << 40) + rng_below(rng, UINT64_C(1) << 44); /* up to the cap */
        }
        return 0;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

START_TEST(test_hist_percentiles) {
        static const double ps[] = { 0, 1, 10, 25, 50, 90, 99, 99.9, 99.99, 100 };
        StatsHist *h = calloc(1, sizeof(StatsHist));
        size_t n = hist_cases[_i].n;
        uint64_t *v = calloc(n, sizeof(uint64_t));
        Rng rng;

        ck_assert_ptr_nonnull(h);
        ck_assert_ptr_nonnull(v);
        rng_seed(&rng, hist_cases[_i].seed);
        for (size_t i = 0; i < n; i++) {
                v[i] = draw(hist_cases[_i].dist, &rng);
                stats_hist_add(h, v[i]);
        }
        qsort(v, n, sizeof(uint64_t), cmp_u64);
        ck_assert_uint_eq(h->n, n);
        ck_assert_uint_eq(h->min, v[0]);
        ck_assert_uint_eq(h->max, v[n - 1]);

        for (size_t k = 0; k < ELEMENTSOF(ps); k++) {
                size_t rank = (size_t) ceil(ps[k] / 100.0 * (double) n);
                rank = CLAMP(rank, (size_t) 1, n);
                uint64_t exact = v[rank - 1];
                uint64_t got = stats_hist_percentile(h, ps[k]);

                /* 3 significant digits: within 1/2048 of the exact value, never outside min..max */
                ck_assert_msg(fabs((double) got - (double) exact) <= (double) exact / 2048.0 + 0.5,
                              "p%g: got %llu, exact %llu", ps[k], (unsigned long long) got,
                              (unsigned long long) exact);
                ck_assert_uint_ge(got, v[0]);
                ck_assert_uint_le(got, v[n - 1]);
        }
        free(v);
        free(h);
}
END_TEST

START_TEST(test_hist_empty_and_cap) {
        StatsHist *h = calloc(1, sizeof(StatsHist));

        ck_assert_uint_eq(stats_hist_percentile(h, 50), 0);
        stats_hist_add(h, UINT64_MAX);          /* beyond the range: last bucket, max kept */
        ck_assert_uint_eq(stats_hist_percentile(h, 50), UINT64_MAX);
        stats_hist_add(h, 0);
        ck_assert_uint_eq(stats_hist_percentile(h, 0), 0);
        ck_assert_uint_eq(stats_hist_percentile(h, 50), 0);
        free(h);
}
END_TEST

/* ---- Welford -------------------------------------------------------------------------- */

static const struct {
        double values[8];
        size_t n;
        double mean, stddev;
} welford_cases[] = {
        { { 5 }, 1, 5, 0 },
        { { 1, 2, 3, 4 }, 4, 2.5, 1.118033988749895 },
        { { 1e9 + 4, 1e9 + 7, 1e9 + 13, 1e9 + 16 }, 4, 1e9 + 10, 4.743416490252569 },
        { { -3, 3, -3, 3, -3, 3 }, 6, 0, 3 },
};

START_TEST(test_welford) {
        StatsWelford w = {};

        for (size_t i = 0; i < welford_cases[_i].n; i++)
                stats_welford_add(&w, welford_cases[_i].values[i]);
        ck_assert_uint_eq(w.n, welford_cases[_i].n);
        ck_assert_double_eq_tol(w.mean, welford_cases[_i].mean, 1e-6);
        ck_assert_double_eq_tol(stats_welford_stddev(&w), welford_cases[_i].stddev, 1e-6);
}
END_TEST

/* ---- event scripts ---------------------------------------------------------------------- */

typedef enum Op { OP_END, OP_SEND, OP_REPLY, OP_EXPIRE, OP_ERROR } Op;

typedef struct Step {
        Op op;
        uint64_t seq;
        nsec_t t;
        int expect;                     /* REPLY: StatsVerdict; EXPIRE: expired seq or -1; ERROR: r */
        bool reordered;
} Step;

typedef struct Counts {
        uint64_t sent, received, lost, late, failed, dup, reordered, unknown, stale, in_flight;
} Counts;

#define T 1000          /* timeout, ns, for the scripts */
#define SEND(q, tt) { .op = OP_SEND, .seq = (q), .t = (tt) }
#define REPLY(q, tt, v) { .op = OP_REPLY, .seq = (q), .t = (tt), .expect = (v) }
#define REPLY_REORDERED(q, tt, v) { .op = OP_REPLY, .seq = (q), .t = (tt), .expect = (v), .reordered = true }
#define EXPIRE(tt, q) { .op = OP_EXPIRE, .t = (tt), .expect = (q) }
#define ERROR(q, rr) { .op = OP_ERROR, .seq = (q), .expect = (rr) }

static const struct {
        const char *name;
        Step steps[16];
        Counts expect;
} script_cases[] = {
        { "all on time",
          { SEND(0, 0), SEND(1, 100), REPLY(0, 50, STATS_VERDICT_REPLY),
            REPLY(1, 160, STATS_VERDICT_REPLY) },
          { .sent = 2, .received = 2 } },
        { "timeout then late",
          { SEND(0, 0), EXPIRE(999, -1), EXPIRE(1000, 0),
            REPLY(0, 1500, STATS_VERDICT_LATE) },
          { .sent = 1, .lost = 1, .late = 1 } },
        { "late before the timer fired",
          { SEND(0, 0), REPLY(0, 1001, STATS_VERDICT_LATE), EXPIRE(5000, -1) },
          { .sent = 1, .lost = 1, .late = 1 } },
        { "duplicate",
          { SEND(0, 0), REPLY(0, 10, STATS_VERDICT_REPLY), REPLY(0, 11, STATS_VERDICT_DUP),
            REPLY(0, 5000, STATS_VERDICT_DUP) },
          { .sent = 1, .received = 1, .dup = 2 } },
        { "reordered",
          { SEND(0, 0), SEND(1, 10), SEND(2, 20),
            REPLY(1, 50, STATS_VERDICT_REPLY), REPLY_REORDERED(0, 60, STATS_VERDICT_REPLY),
            REPLY(2, 70, STATS_VERDICT_REPLY) },
          { .sent = 3, .received = 3, .reordered = 1 } },
        { "unknown seq",
          { SEND(0, 0), REPLY(7, 10, STATS_VERDICT_UNKNOWN) },
          { .sent = 1, .unknown = 1, .in_flight = 1 } },
        { "port unreachable",
          { SEND(0, 0), ERROR(0, 0), ERROR(0, -ENOENT),
            EXPIRE(5000, -1), SEND(1, 10) },
          { .sent = 2, .failed = 1, .in_flight = 1 } },
        { "in flight is not lost",
          { SEND(0, 0), SEND(1, 500), EXPIRE(1200, 0), EXPIRE(1200, -1) },
          { .sent = 2, .lost = 1, .in_flight = 1 } },
};

static void check_counts(const Stats *s, const Counts *c, const char *name) {
        ck_assert_msg(s->sent == c->sent, "%s: sent", name);
        ck_assert_msg(s->received == c->received, "%s: received %llu", name, (unsigned long long) s->received);
        ck_assert_msg(stats_lost(s) == c->lost, "%s: lost", name);
        ck_assert_msg(s->late == c->late, "%s: late", name);
        ck_assert_msg(s->failed == c->failed, "%s: failed", name);
        ck_assert_msg(s->duplicates == c->dup, "%s: dup", name);
        ck_assert_msg(s->reordered == c->reordered, "%s: reordered", name);
        ck_assert_msg(s->unknown == c->unknown, "%s: unknown", name);
        ck_assert_msg(s->stale == c->stale, "%s: stale", name);
        ck_assert_msg(stats_in_flight(s) == c->in_flight, "%s: in flight", name);
}

START_TEST(test_scripts) {
        Stats *s = NULL;

        ck_assert_int_eq(stats_new(64, &s), 0);
        for (const Step *st = script_cases[_i].steps; st->op != OP_END; st++) {
                uint64_t seq = UINT64_MAX;
                bool reordered = false;
                int r;

                switch (st->op) {
                case OP_SEND:
                        ck_assert_int_eq(stats_on_send(s, st->seq, st->t, NULL), 0);
                        break;
                case OP_REPLY:
                        r = (int) stats_on_reply(s, st->seq, st->t, T, NULL, &reordered);
                        ck_assert_msg(r == st->expect, "%s: verdict %d", script_cases[_i].name, r);
                        ck_assert(reordered == st->reordered);
                        break;
                case OP_EXPIRE:
                        r = stats_expire(s, st->t, T, &seq);
                        ck_assert_int_eq(r, st->expect >= 0);
                        if (r > 0)
                                ck_assert_uint_eq(seq, (uint64_t) st->expect);
                        break;
                case OP_ERROR:
                        ck_assert_int_eq(stats_on_error(s, st->seq), st->expect);
                        break;
                default:
                        break;
                }
        }
        check_counts(s, &script_cases[_i].expect, script_cases[_i].name);
        stats_free(s);
}
END_TEST

START_TEST(test_window_eviction_and_stale) {
        Stats *s = NULL;
        uint64_t ev = 0;

        ck_assert_int_eq(stats_new(1, &s), 0);
        ck_assert_uint_eq(s->window, 64);
        for (uint64_t q = 0; q < 64; q++)
                ck_assert_int_eq(stats_on_send(s, q, q, NULL), 0);
        ck_assert_int_eq(stats_on_send(s, 64, 64, &ev), 1);
        ck_assert_uint_eq(ev, 0);
        ck_assert_uint_eq(stats_lost(s), 1);
        ck_assert_int_eq(stats_on_reply(s, 0, 70, T, NULL, NULL), STATS_VERDICT_STALE);
        ck_assert_uint_eq(s->stale, 1);
        ck_assert_uint_eq(stats_in_flight(s), 64);
        ck_assert_uint_eq(stats_next_deadline(s, T), 1 + T);
        stats_free(s);
}
END_TEST

/* ---- jitter ----------------------------------------------------------------------------- */

START_TEST(test_jitter) {
        /* RTTs 100, 110, 90, 130 (seq 0..3), replies in order: |dRTT| = 10, 20, 40 */
        static const nsec_t rtt[] = { 100, 110, 90, 130 };
        Stats *s = NULL;
        double j = 0;

        ck_assert_int_eq(stats_new(64, &s), 0);
        for (uint64_t q = 0; q < ELEMENTSOF(rtt); q++)
                stats_on_send(s, q, q * 1000, NULL);
        for (uint64_t q = 0; q < ELEMENTSOF(rtt); q++)
                ck_assert_int_eq(stats_on_reply(s, q, q * 1000 + rtt[q], 100000, NULL, NULL),
                                 STATS_VERDICT_REPLY);

        ck_assert_double_eq_tol(stats_jitter_mean_abs(s), 70.0 / 3, 1e-9);
        j += (10 - j) / 16;
        j += (20 - j) / 16;
        j += (40 - j) / 16;
        ck_assert_double_eq_tol(s->jitter_rfc3550, j, 1e-9);
        ck_assert_uint_eq(s->ipdv.n, 3);
        ck_assert_double_eq_tol(s->ipdv.mean, 10.0, 1e-9);      /* (10 - 20 + 40) / 3 */
        ck_assert_uint_eq(stats_hist_percentile(&s->ipdv_hist, 100), 40);
        ck_assert_uint_eq(stats_hist_percentile(&s->ipdv_hist, 50), 20);
        ck_assert_uint_eq(s->rtt.min, 90);
        ck_assert_uint_eq(s->rtt.max, 130);
        stats_free(s);
}
END_TEST

START_TEST(test_ipdv_out_of_order_and_gaps) {
        Stats *s = NULL;

        ck_assert_int_eq(stats_new(64, &s), 0);
        for (uint64_t q = 0; q < 5; q++)
                stats_on_send(s, q, 0, NULL);
        /* seq 2 first, then 1 (pair 1-2 once), 4 (no pair: 3 missing), 0 (pair 0-1) */
        stats_on_reply(s, 2, 300, 100000, NULL, NULL);
        stats_on_reply(s, 1, 200, 100000, NULL, NULL);
        stats_on_reply(s, 4, 500, 100000, NULL, NULL);
        stats_on_reply(s, 0, 150, 100000, NULL, NULL);
        ck_assert_uint_eq(s->ipdv.n, 2);
        ck_assert_double_eq_tol(s->ipdv.mean, (100.0 + 50.0) / 2, 1e-9);
        ck_assert_uint_eq(s->reordered, 2);
        stats_free(s);
}
END_TEST

/* ---- loss attribution --------------------------------------------------------------- */

typedef struct Fate {
        char what;              /* 'r' replied, 'u' lost upstream, 'e' dropped by server, 'd' lost
                                 * downstream, 'l' late, 'f' in flight at the end, 'R' replied
                                 * by a server whose counters started again */
} Fate;

static const struct {
        const char *fates;
        bool has_split;
        uint64_t lost, late, upstream, emulated, downstream, unknown;
} split_cases[] = {
        { "rrrrr",       true,  0, 0, 0, 0, 0, 0 },
        { "rurer",       true,  2, 0, 1, 1, 0, 0 },
        { "reedr",       true,  3, 0, 0, 2, 1, 0 },
        { "rlrrr",       true,  1, 1, 0, 0, 0, 0 },
        { "rreue",       true,  2, 0, 0, 0, 0, 2 },      /* the last one is in flight */      /* tail after the last reply: unknown */
        { "rrerf",       true,  1, 0, 0, 1, 0, 0 },      /* in flight: not lost */
        { "uuurr",       true,  3, 0, 3, 0, 0, 0 },
        { "eeeeer",      true,  5, 0, 0, 5, 0, 0 },
        { "eeeeef",      false, 5, 0, 0, 0, 0, 0 },      /* no stamped reply at all */
        /* 'R': the server restarted (or recycled the flow) before this probe; once its new
         * counters pass the old ones they would claim upstream losses that never were */
        { "rrrrrrRrrrrrrrrrrf",  false, 0, 0, 0, 0, 0, 0 },
        { "rerrerRrrerrrrrrrf",  false, 3, 0, 0, 0, 0, 0 },
};

START_TEST(test_loss_split) {
        const char *f = split_cases[_i].fates;
        size_t n = strlen(f);
        uint64_t srv_received = 0, srv_dropped = 0, seq;
        StatsLossSplit ls;
        Stats *s = NULL;

        ck_assert_int_eq(stats_new(64, &s), 0);
        for (uint64_t q = 0; q < n; q++)
                stats_on_send(s, q, q, NULL);

        /* The server sees probes in order; replies come back at once (or late). */
        for (uint64_t q = 0; q < n; q++) {
                if (f[q] == 'u' || f[q] == 'f')
                        continue;
                if (f[q] == 'R')
                        srv_received = srv_dropped = 0;
                srv_received++;
                if (f[q] == 'e') {
                        srv_dropped++;
                        continue;
                }
                if (f[q] == 'd')
                        continue;
                StatsServerInfo info = {
                        .server_rx_usec = 1000 + q, .server_tx_usec = 1001 + q,
                        .flow_received = srv_received, .flow_dropped = srv_dropped,
                };
                stats_on_reply(s, q, f[q] == 'l' ? q + 2 * T : q + 10, T, NULL, NULL);
                stats_on_server(s, q, &info);
        }
        while (stats_expire(s, n - 2 + T, T, &seq) > 0)       /* the last probe: in flight */
                ;

        stats_loss_split(s, &ls);
        ck_assert(ls.has_split == split_cases[_i].has_split);
        ck_assert_uint_eq(ls.lost, split_cases[_i].lost);
        ck_assert_uint_eq(ls.late, split_cases[_i].late);
        if (ls.has_split) {
                ck_assert_uint_eq(ls.upstream, split_cases[_i].upstream);
                ck_assert_uint_eq(ls.emulated, split_cases[_i].emulated);
                ck_assert_uint_eq(ls.downstream, split_cases[_i].downstream);
                ck_assert_uint_eq(ls.unknown, split_cases[_i].unknown);
                ck_assert_uint_eq(ls.upstream + ls.emulated + ls.downstream + ls.late + ls.unknown, ls.lost);
        }
        stats_free(s);
}
END_TEST

START_TEST(test_server_stamps) {
        Stats *s = NULL;

        ck_assert_int_eq(stats_new(64, &s), 0);
        stats_on_send(s, 0, 0, NULL);
        stats_on_send(s, 1, 0, NULL);
        stats_on_server(s, 1, &(StatsServerInfo) { 5000, 5020, 2, 0 });
        ck_assert_uint_eq(s->server_profile, 0); /* an old server: not told */
        stats_on_server(s, 0, &(StatsServerInfo) { 4000, 4010, 1, 0 });
        ck_assert(s->server_stamps);
        ck_assert_uint_eq(s->server_first_rx_usec, 4000);
        ck_assert_uint_eq(s->server_last_tx_usec, 5020);
        ck_assert_double_eq_tol(s->server_hold.mean, 15000.0, 1e-9);
        ck_assert_uint_eq(s->seq_at_max, 1);
        /* The profile tag: the latest one counts; a second value is a change. */
        stats_on_server(s, 1, &(StatsServerInfo) { 5000, 5020, 3, 0, .profile = 4 });
        ck_assert_uint_eq(s->server_profile, 4);
        ck_assert(!s->server_profile_changed);
        stats_on_server(s, 1, &(StatsServerInfo) { 5000, 5020, 4, 0, .profile = 0 }); /* not told: kept */
        ck_assert_uint_eq(s->server_profile, 4);
        stats_on_server(s, 1, &(StatsServerInfo) { 5000, 5020, 5, 0, .profile = 2 });
        ck_assert_uint_eq(s->server_profile, 2);
        ck_assert(s->server_profile_changed);
        stats_free(s);
}
END_TEST

/* The counters query answer (a synthetic reply's counts): the split then covers every
 * probe, so the losses at the end that had no later stamped reply are attributed. */
static const struct {
        const char *fates;              /* as in split_cases; every probe settles */
        uint64_t upstream, emulated, downstream, late;
        bool reset;
} final_cases[] = {
        { "rrerrree",   0, 3, 0, 0, false },    /* before: 1 emulated, 2 unattributed */
        { "rrerrrdd",   0, 1, 2, 0, false },
        { "rruurruu",   4, 0, 0, 0, false },
        { "rlrrlrll",   0, 0, 0, 4, false },    /* late is late, not network */
        { "eeeeeeee",   0, 8, 0, 0, false },    /* no stamped reply at all: still split */
        { "rrrrRrrr",   0, 0, 0, 0, true },     /* counts went back: no split */
};

START_TEST(test_final_counters) {
        const char *f = final_cases[_i].fates;
        size_t n = strlen(f);
        uint64_t srv_received = 0, srv_dropped = 0, seq;
        StatsLossSplit ls;
        Stats *s = NULL;

        ck_assert_int_eq(stats_new(64, &s), 0);
        ck_assert_int_eq(stats_on_final_counters(s, 0, 0, 0), -EINVAL);        /* nothing sent */
        for (uint64_t q = 0; q < n; q++)
                stats_on_send(s, q, q, NULL);
        for (uint64_t q = 0; q < n; q++) {
                if (f[q] == 'u')
                        continue;
                if (f[q] == 'R')
                        srv_received = srv_dropped = 0;
                srv_received++;
                if (f[q] == 'e') {
                        srv_dropped++;
                        continue;
                }
                if (f[q] == 'd')
                        continue;
                stats_on_reply(s, q, f[q] == 'l' ? q + 2 * T : q + 10, T, NULL, NULL);
                stats_on_server(s, q, &(StatsServerInfo) { 1000 + q, 1001 + q, srv_received, srv_dropped });
        }
        while (stats_expire(s, NSEC_INFINITY, T, &seq) > 0)
                ;
        ck_assert_uint_eq(stats_in_flight(s), 0);

        ck_assert_int_eq(stats_on_final_counters(s, srv_received, srv_dropped, 3333), 0);
        ck_assert_uint_eq(s->server_burst_mean_milli, 3333);
        stats_loss_split(s, &ls);
        ck_assert(ls.has_split == !final_cases[_i].reset);
        if (ls.has_split) {
                ck_assert_uint_eq(ls.upstream, final_cases[_i].upstream);
                ck_assert_uint_eq(ls.emulated, final_cases[_i].emulated);
                ck_assert_uint_eq(ls.downstream, final_cases[_i].downstream);
                ck_assert_uint_eq(ls.late, final_cases[_i].late);
                ck_assert_uint_eq(ls.unknown, 0);
                ck_assert_uint_eq(ls.upstream + ls.emulated + ls.downstream + ls.late, ls.lost);
                ck_assert_uint_eq(stats_loss_network(&ls), ls.upstream + ls.downstream);
        }
        stats_free(s);
}
END_TEST

/* Loss bursts from a fate string: r reply, x lost, l late, f error, p still pending;
 * replies are delivered in reverse order, so runs must be found in seq order anyway. */
static const struct {
        const char *fates;
        uint64_t count, lost, max;
} burst_cases[] = {
        { "rrrr",               0, 0, 0 },
        { "xrrx",               2, 2, 1 },
        { "rxxxrxxr",           2, 5, 3 },
        { "xlxrfxx",            2, 5, 3 },      /* late is lost; an error ends a run */
        { "xxpxx",              2, 4, 2 },      /* in flight ends a run, is not counted */
        { "xxxxxxxxxx",         1, 10, 10 },
};

START_TEST(test_bursts) {
        const char *f = burst_cases[_i].fates;
        size_t n = strlen(f);
        StatsBursts b;
        Stats *s = NULL;

        ck_assert_int_eq(stats_new(64, &s), 0);
        for (uint64_t q = 0; q < n; q++)
                stats_on_send(s, q, q, NULL);
        for (uint64_t q = n; q-- > 0;)
                if (f[q] == 'r')
                        stats_on_reply(s, q, q + 10, T, NULL, NULL);
                else if (f[q] == 'f')
                        ck_assert_int_eq(stats_on_error(s, q), 0);
        for (uint64_t q = 0; q < n; q++)
                if (f[q] == 'x' || f[q] == 'l') {
                        /* time out exactly this one: the others are settled or still wanted */
                        StatsSlot *slot = &s->slots[q % s->window];
                        slot->state = STATS_SLOT_TIMEDOUT;
                        s->timeouts++;
                        if (f[q] == 'l')
                                ck_assert_int_eq(stats_on_reply(s, q, q + 2 * T, T, NULL, NULL), STATS_VERDICT_LATE);
                }
        stats_bursts(s, &b);
        ck_assert_uint_eq(b.count, burst_cases[_i].count);
        ck_assert_uint_eq(b.lost, burst_cases[_i].lost);
        ck_assert_uint_eq(b.max, burst_cases[_i].max);
        stats_free(s);
}
END_TEST

/* A Gilbert-Elliott loss pattern (p = 0.05, r = 0.3, loss only in BAD) over 20 000 probes
 * through a 64-slot window: the bursts counted as probes settle equal the runs counted
 * directly in the pattern. */
START_TEST(test_bursts_long_window) {
        Stats *s = NULL;
        uint64_t seq, state = 42, count = 0, lost = 0, max = 0, run = 0;
        bool bad = false;
        StatsBursts b;

        ck_assert_int_eq(stats_new(64, &s), 0);
        for (uint64_t q = 0; q < 20000; q++) {
                /* xorshift64: deterministic, no dependency on rng.c's stream */
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                double u = (double) (state >> 11) / 9007199254740992.0;
                bad = bad ? u >= 0.3 : u < 0.05;

                stats_on_send(s, q, q * 1000, NULL);
                if (!bad)
                        stats_on_reply(s, q, q * 1000 + 500, 10000, NULL, NULL);
                while (stats_expire(s, q * 1000, 10000, &seq) > 0)
                        ;
                if (bad)
                        run++;
                else if (run > 0) {
                        count++;
                        lost += run;
                        max = MAX(max, run);
                        run = 0;
                }
        }
        while (stats_expire(s, NSEC_INFINITY, 10000, &seq) > 0)
                ;
        if (run > 0) {
                count++;
                lost += run;
                max = MAX(max, run);
        }
        stats_bursts(s, &b);
        ck_assert_uint_eq(b.count, count);
        ck_assert_uint_eq(b.lost, lost);
        ck_assert_uint_eq(b.max, max);
        ck_assert_uint_eq(b.lost, stats_lost(s));
        stats_free(s);
}
END_TEST

/* Constant memory: a million probes do not grow anything. */
START_TEST(test_long_run) {
        Stats *s = NULL;
        uint64_t seq;

        ck_assert_int_eq(stats_new(1024, &s), 0);
        for (uint64_t q = 0; q < 1000000; q++) {
                stats_on_send(s, q, q * 100, NULL);
                if (q % 10 != 0)
                        stats_on_reply(s, q, q * 100 + 50000 + q % 7, 1000000, NULL, NULL);
                while (stats_expire(s, q * 100, 1000000, &seq) > 0)
                        ;
        }
        ck_assert_uint_eq(s->received, 900000);
        ck_assert_uint_eq(stats_lost(s) + stats_in_flight(s), 100000);
        ck_assert_uint_ge(stats_hist_percentile(&s->rtt_hist, 50), 50000);
        ck_assert_uint_le(stats_hist_percentile(&s->rtt_hist, 50), 50006);
        stats_free(s);
}
END_TEST

static Suite *stats_suite(void) {
        Suite *su = suite_create("stats");
        TCase *tc = tcase_create("core");

        tcase_add_loop_test(tc, test_hist_percentiles, 0, ELEMENTSOF(hist_cases));
        tcase_add_test(tc, test_hist_empty_and_cap);
        tcase_add_loop_test(tc, test_welford, 0, ELEMENTSOF(welford_cases));
        tcase_add_loop_test(tc, test_scripts, 0, ELEMENTSOF(script_cases));
        tcase_add_test(tc, test_window_eviction_and_stale);
        tcase_add_test(tc, test_jitter);
        tcase_add_test(tc, test_ipdv_out_of_order_and_gaps);
        tcase_add_loop_test(tc, test_loss_split, 0, ELEMENTSOF(split_cases));
        tcase_add_test(tc, test_server_stamps);
        tcase_add_loop_test(tc, test_final_counters, 0, ELEMENTSOF(final_cases));
        tcase_add_loop_test(tc, test_bursts, 0, ELEMENTSOF(burst_cases));
        tcase_add_test(tc, test_bursts_long_window);
        tcase_add_test(tc, test_long_run);
        suite_add_tcase(su, tc);
        return su;
}

TEST_MAIN(stats_suite)
