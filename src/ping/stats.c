/* stats.c — netlab-ping's measurement state: classifies each reply (on time, late,
 * duplicate, reordered), keeps RTT and jitter estimators and splits loss with the server's
 * per-flow counters. Pure and constant-memory: ping_udp/ping_http feed it events with
 * their timestamps, ping_output prints what it holds. */
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>

#include "macro.h"
#include "stats.h"

void stats_welford_add(StatsWelford *w, double x) {
        assert(w);

        w->n++;
        if (w->n == 1) {
                w->min = w->max = w->mean = x;
                w->m2 = 0;
                return;
        }
        w->min = MIN(w->min, x);
        w->max = MAX(w->max, x);

        /* Welford: update the mean and the sum of squared deviations together, which stays
         * accurate where sum(x^2) - n*mean^2 cancels catastrophically. */
        double d = x - w->mean;
        w->mean += d / (double) w->n;
        w->m2 += d * (x - w->mean);
}

double stats_welford_stddev(const StatsWelford *w) {
        assert(w);

        if (w->n < 2 || w->m2 <= 0)
                return 0;
        return sqrt(w->m2 / (double) w->n);
}

/* ---- histogram ------------------------------------------------------------------------ */

#define SUB_COUNT (1u << STATS_HIST_SUB_BITS)          /* 2048 exact values */
#define HALF_COUNT (1u << (STATS_HIST_SUB_BITS - 1))   /* 1024 buckets per power of two */

static size_t hist_index(uint64_t v) {
        if (v < SUB_COUNT)
                return (size_t) v;

        unsigned msb = 63 - (unsigned) __builtin_clzll(v);     /* >= STATS_HIST_SUB_BITS */
        unsigned shift = msb - (STATS_HIST_SUB_BITS - 1);       /* v >> shift in [1024, 2048) */

        return SUB_COUNT + (size_t) (msb - STATS_HIST_SUB_BITS) * HALF_COUNT +
               (size_t) ((v >> shift) - HALF_COUNT);
}

/* Midpoint of bucket @i: within 1/2048 of every value the bucket holds. */
static uint64_t hist_midpoint(size_t i) {
        if (i < SUB_COUNT)
                return i;

        size_t k = i - SUB_COUNT;
        unsigned shift = (unsigned) (k / HALF_COUNT) + 1;
        uint64_t low = (uint64_t) (HALF_COUNT + k % HALF_COUNT) << shift;

        return low + ((UINT64_C(1) << shift) - 1) / 2;
}

void stats_hist_add(StatsHist *h, uint64_t v) {
        assert(h);

        if (h->n == 0 || v < h->min)
                h->min = v;
        if (h->n == 0 || v > h->max)
                h->max = v;
        h->n++;
        h->counts[hist_index(MIN(v, STATS_HIST_MAX))]++;
}

uint64_t stats_hist_percentile(const StatsHist *h, double p) {
        assert(h);

        if (h->n == 0)
                return 0;

        p = CLAMP(p, 0.0, 100.0);
        uint64_t rank = (uint64_t) ceil(p / 100.0 * (double) h->n);
        rank = CLAMP(rank, (uint64_t) 1, h->n);

        uint64_t seen = 0;
        for (size_t i = 0; i < STATS_HIST_BUCKETS; i++) {
                seen += h->counts[i];
                if (seen >= rank)
                        return CLAMP(hist_midpoint(i), h->min, h->max);
        }
        return h->max;          /* not reached: the counts sum to n */
}

uint64_t stats_hist_count_below(const StatsHist *h, uint64_t v) {
        uint64_t n = 0;

        assert(h);

        for (size_t i = 0; i < STATS_HIST_BUCKETS; i++) {
                if (hist_midpoint(i) >= v)
                        break;
                n += h->counts[i];
        }
        return n;
}

/* ---- run ---------------------------------------------------------------------------- */

int stats_new(size_t window, Stats **ret) {
        size_t w = CLAMP(window, (size_t) 64, (size_t) 1 << 20);

        assert(ret);

        Stats *s = calloc(1, sizeof(Stats));
        if (!s)
                return -ENOMEM;
        s->slots = calloc(w, sizeof(StatsSlot));
        if (!s->slots) {
                free(s);
                return -ENOMEM;
        }
        s->window = w;
        *ret = s;
        return 0;
}

Stats *stats_free(Stats *s) {
        if (!s)
                return NULL;
        free(s->slots);
        free(s);
        return NULL;
}

static StatsSlot *slot_of(Stats *s, uint64_t seq) {
        return &s->slots[seq % s->window];
}

/* The slot of @seq if it still describes @seq, NULL if never sent or reused. */
static StatsSlot *slot_find(Stats *s, uint64_t seq) {
        if (seq >= s->next_seq)
                return NULL;

        StatsSlot *slot = slot_of(s, seq);
        if (slot->state == STATS_SLOT_FREE || slot->seq != seq)
                return NULL;
        return slot;
}

/* Moves the burst cursor over settled probes, extending or closing the current run. */
static void bursts_advance(Stats *s) {
        for (; s->burst_cursor < s->next_seq; s->burst_cursor++) {
                const StatsSlot *slot = slot_find(s, s->burst_cursor);

                if (!slot || slot->state == STATS_SLOT_PENDING)
                        return;
                if (slot->state == STATS_SLOT_TIMEDOUT || slot->state == STATS_SLOT_LATE) {
                        s->burst_run++;
                        continue;
                }
                if (s->burst_run > 0) {
                        s->bursts++;
                        s->burst_lost += s->burst_run;
                        s->burst_max = MAX(s->burst_max, s->burst_run);
                        s->burst_run = 0;
                }
        }
}

int stats_on_send(Stats *s, uint64_t seq, nsec_t t, uint64_t *ret_evicted) {
        int r = 0;

        assert(s);
        assert(seq == s->next_seq);

        StatsSlot *slot = slot_of(s, seq);
        if (slot->state == STATS_SLOT_PENDING) {
                /* More probes in flight than the window holds: the oldest one has waited
                 * window * interval, longer than any sensible timeout, so it is lost. */
                s->timeouts++;
                slot->state = STATS_SLOT_TIMEDOUT;
                if (ret_evicted)
                        *ret_evicted = slot->seq;
                r = 1;
        }
        /* The slot is about to describe another probe: count the one it held first. */
        if (slot->state != STATS_SLOT_FREE)
                bursts_advance(s);

        *slot = (StatsSlot) {
                .seq = seq,
                .sent = t,
                .state = STATS_SLOT_PENDING,
        };
        s->sent++;
        s->next_seq = seq + 1;
        return r;
}

static void add_ipdv(Stats *s, double earlier, double later) {
        double d = later - earlier;

        stats_welford_add(&s->ipdv, d);
        stats_hist_add(&s->ipdv_hist, (uint64_t) fabs(d));
}

static void add_rtt(Stats *s, uint64_t seq, nsec_t rtt) {
        stats_welford_add(&s->rtt, (double) rtt);
        stats_hist_add(&s->rtt_hist, rtt);

        if (s->have_last_rtt) {
                double d = fabs((double) rtt - (double) s->last_rtt);

                s->drtt_sum += d;
                s->drtt_n++;
                /* RFC 3550 §6.4.1: J(i) = J(i-1) + (|D(i-1,i)| - J(i-1)) / 16 */
                s->jitter_rfc3550 += (d - s->jitter_rfc3550) / 16.0;
        }
        s->last_rtt = rtt;
        s->have_last_rtt = true;

        /* RFC 3393 §3: IPDV between consecutive packets; a pair counts once both of them
         * are in, whichever order they arrived in. */
        StatsSlot *prev = seq > 0 ? slot_find(s, seq - 1) : NULL;
        if (prev && prev->state == STATS_SLOT_RECEIVED)
                add_ipdv(s, prev->rtt, (double) rtt);
        StatsSlot *next = slot_find(s, seq + 1);
        if (next && next->state == STATS_SLOT_RECEIVED)
                add_ipdv(s, (double) rtt, next->rtt);
}

static void note_first_reply(Stats *s, uint64_t seq, bool *ret_reordered) {
        /* RFC 4737 §3: a packet is reordered if its seq is below the next expected one,
         * i.e. a higher seq has already arrived. */
        bool reordered = s->any_replied && seq < s->max_seq_replied;

        if (reordered)
                s->reordered++;
        if (!s->any_replied || seq > s->max_seq_replied)
                s->max_seq_replied = seq;
        s->any_replied = true;
        if (ret_reordered)
                *ret_reordered = reordered;
}

StatsVerdict stats_on_reply(Stats *s, uint64_t seq, nsec_t t, nsec_t timeout, nsec_t *ret_rtt,
                            bool *ret_reordered) {
        assert(s);

        if (ret_reordered)
                *ret_reordered = false;

        if (seq >= s->next_seq) {
                s->unknown++;
                return STATS_VERDICT_UNKNOWN;
        }

        StatsSlot *slot = slot_find(s, seq);
        if (!slot) {
                s->stale++;
                return STATS_VERDICT_STALE;
        }

        nsec_t rtt = t > slot->sent ? t - slot->sent : 0;
        if (ret_rtt)
                *ret_rtt = rtt;

        switch (slot->state) {

        case STATS_SLOT_PENDING:
                if (rtt <= timeout) {
                        slot->state = STATS_SLOT_RECEIVED;
                        slot->rtt = (float) rtt;
                        s->received++;
                        note_first_reply(s, seq, ret_reordered);
                        add_rtt(s, seq, rtt);
                        bursts_advance(s);
                        return STATS_VERDICT_REPLY;
                }
                /* The timeout passed but the caller's timer has not fired yet. */
                s->timeouts++;
                __attribute__((fallthrough));

        case STATS_SLOT_TIMEDOUT:
                slot->state = STATS_SLOT_LATE;
                s->late++;
                note_first_reply(s, seq, ret_reordered);
                return STATS_VERDICT_LATE;

        default:                /* RECEIVED, LATE, FAILED */
                s->duplicates++;
                return STATS_VERDICT_DUP;
        }
}

int stats_on_error(Stats *s, uint64_t seq) {
        assert(s);

        StatsSlot *slot = slot_find(s, seq);
        if (!slot || slot->state != STATS_SLOT_PENDING)
                return -ENOENT;

        slot->state = STATS_SLOT_FAILED;
        s->failed++;
        bursts_advance(s);
        return 0;
}

/* Moves the cursor past probes that are no longer pending. */
static StatsSlot *oldest_pending(Stats *s) {
        for (; s->expire_cursor < s->next_seq; s->expire_cursor++) {
                StatsSlot *slot = slot_find(s, s->expire_cursor);

                if (slot && slot->state == STATS_SLOT_PENDING)
                        return slot;
        }
        return NULL;
}

int stats_expire(Stats *s, nsec_t now, nsec_t timeout, uint64_t *ret_seq) {
        assert(s);
        assert(ret_seq);

        StatsSlot *slot = oldest_pending(s);
        if (!slot || slot->sent + timeout > now)
                return 0;

        slot->state = STATS_SLOT_TIMEDOUT;
        s->timeouts++;
        bursts_advance(s);
        *ret_seq = slot->seq;
        return 1;
}

nsec_t stats_next_deadline(Stats *s, nsec_t timeout) {
        assert(s);

        StatsSlot *slot = oldest_pending(s);
        return slot ? slot->sent + timeout : NSEC_INFINITY;
}

uint64_t stats_in_flight(const Stats *s) {
        assert(s);
        return s->sent - s->received - s->timeouts - s->failed;
}

uint64_t stats_lost(const Stats *s) {
        assert(s);
        return s->timeouts;
}

double stats_jitter_mean_abs(const Stats *s) {
        assert(s);
        return s->drtt_n > 0 ? s->drtt_sum / (double) s->drtt_n : 0;
}

void stats_on_server(Stats *s, uint64_t seq, const StatsServerInfo *info) {
        assert(s);
        assert(info);

        if (!s->server_stamps || info->server_rx_usec < s->server_first_rx_usec)
                s->server_first_rx_usec = info->server_rx_usec;
        if (!s->server_stamps || info->server_tx_usec > s->server_last_tx_usec)
                s->server_last_tx_usec = info->server_tx_usec;
        if (info->server_tx_usec >= info->server_rx_usec)
                stats_welford_add(&s->server_hold,
                                  (double) (info->server_tx_usec - info->server_rx_usec) * 1000.0);

        if (s->server_stamps && seq > s->seq_at_max && info->flow_received < s->flow_received_max &&
            (s->flow_received_max - info->flow_received > STATS_FLOW_RESET_SLACK ||
             2 * info->flow_received < s->flow_received_max))
                s->flow_reset = true;

        /* The counters only grow, so the reply with the highest flow_received carries the
         * server's latest view of this flow. */
        if (!s->server_stamps || info->flow_received > s->flow_received_max) {
                s->flow_received_max = info->flow_received;
                s->flow_dropped_at_max = info->flow_dropped;
                s->seq_at_max = seq;
        }
        if (info->profile != 0) {
                if (s->server_profile != 0 && s->server_profile != info->profile)
                        s->server_profile_changed = true;
                s->server_profile = info->profile;
        }
        s->server_stamps = true;
}

int stats_on_final_counters(Stats *s, uint64_t flow_received, uint64_t flow_dropped,
                            uint64_t burst_mean_milli) {
        assert(s);

        if (s->next_seq == 0)
                return -EINVAL;

        /* The final counts can only be at or above what any reply carried. */
        if (s->server_stamps && flow_received < s->flow_received_max)
                s->flow_reset = true;
        s->final_counters = true;
        s->final_received = flow_received;
        s->final_dropped = flow_dropped;
        s->server_burst_mean_milli = burst_mean_milli;
        return 0;
}

void stats_bursts(const Stats *s, StatsBursts *ret) {
        StatsBursts b;
        uint64_t run;

        assert(s);
        assert(ret);

        b = (StatsBursts) { .count = s->bursts, .lost = s->burst_lost, .max = s->burst_max };
        run = s->burst_run;

        /* The tail the cursor has not passed yet: settled probes extend or close the run,
         * a probe still in flight closes it (it is not lost). Read-only, so the cursor
         * stays where it is. */
        for (uint64_t q = s->burst_cursor; q < s->next_seq; q++) {
                const StatsSlot *slot = &s->slots[q % s->window];
                bool lost = slot->seq == q &&
                            (slot->state == STATS_SLOT_TIMEDOUT || slot->state == STATS_SLOT_LATE);

                if (lost) {
                        run++;
                        continue;
                }
                if (run > 0) {
                        b.count++;
                        b.lost += run;
                        b.max = MAX(b.max, run);
                        run = 0;
                }
        }
        if (run > 0) {
                b.count++;
                b.lost += run;
                b.max = MAX(b.max, run);
        }
        *ret = b;
}

void stats_loss_split(const Stats *s, StatsLossSplit *ret) {
        assert(s);
        assert(ret);

        *ret = (StatsLossSplit) {
                .lost = s->timeouts,
                .late = s->late,
        };
        if (s->flow_reset)
                return;

        if (s->final_counters) {
                /* Every probe sent is covered by the final counts; one still in flight
                 * (the query is sent when none is, but a caller may ask earlier) is not
                 * lost, so it is not counted as never having arrived either. */
                uint64_t covered = s->next_seq - stats_in_flight(s);
                uint64_t explained;

                ret->upstream = covered > s->final_received ? covered - s->final_received : 0;
                ret->emulated = s->final_dropped;
                explained = ret->upstream + ret->emulated + s->late;
                ret->downstream = s->timeouts > explained ? s->timeouts - explained : 0;
                ret->has_split = true;
                return;
        }
        if (!s->server_stamps)
                return;

        uint64_t last = s->seq_at_max;
        if (s->next_seq - 1 - last > s->window)
                return;

        uint64_t lost_after = 0, late_after = 0;
        for (uint64_t q = last + 1; q < s->next_seq; q++) {
                const StatsSlot *slot = &s->slots[q % s->window];

                if (slot->seq != q)
                        continue;
                if (slot->state == STATS_SLOT_TIMEDOUT)
                        lost_after++;
                else if (slot->state == STATS_SLOT_LATE) {
                        lost_after++;
                        late_after++;
                }
        }

        uint64_t covered = last + 1;
        uint64_t lost_cov = s->timeouts - lost_after;
        uint64_t late_cov = s->late - late_after;

        ret->upstream = covered > s->flow_received_max ? covered - s->flow_received_max : 0;
        ret->emulated = s->flow_dropped_at_max;
        ret->unknown = lost_after - late_after;

        uint64_t explained = ret->upstream + ret->emulated + late_cov;
        ret->downstream = lost_cov > explained ? lost_cov - explained : 0;
        ret->has_split = true;
}
