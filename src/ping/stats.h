/* stats.h — netlab-ping's statistics, computed from counters and fixed-size tables, never
 * from a list of every sample (iputils ping does the same), so `-c 0` can run for days in
 * constant memory. Pure: no I/O, no clock reads, no globals; every time is passed in by
 * the caller, in nanoseconds of one monotonic clock.
 *
 * Pieces:
 *   StatsWelford  running mean/variance/min/max (Welford 1962), O(1) memory
 *   StatsHist     HDR-style log-linear histogram: percentiles accurate to 3 significant
 *                 digits (relative error <= 1/2048), clamped to the observed min..max
 *   Stats         one measurement run: a window of per-sequence slots (in flight,
 *                 received, timed out, late, failed) to classify each reply as on time,
 *                 late, duplicate or reordered; RTT and jitter estimators; the server's
 *                 stamps and per-flow counters for loss attribution. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "time_util.h"

typedef uint64_t nsec_t;
#define NSEC_INFINITY ((nsec_t) UINT64_MAX)
#define NSEC_PER_MSEC ((nsec_t) 1000000)
#define NSEC_PER_SEC ((nsec_t) 1000000000)

/* ---- running moments --------------------------------------------------------------- */

typedef struct StatsWelford {
        uint64_t n;
        double mean;
        double m2;                      /* sum of squared deviations from the running mean */
        double min, max;
} StatsWelford;

void stats_welford_add(StatsWelford *w, double x);
/* Population standard deviation (ping's "mdev"); 0 when n < 2. */
double stats_welford_stddev(const StatsWelford *w);

/* ---- log-linear histogram ---------------------------------------------------------- */

/* Values below 2^STATS_HIST_SUB_BITS are counted exactly; above, each power-of-two range
 * is cut into 2^(STATS_HIST_SUB_BITS-1) equal buckets, so a bucket is never wider than
 * 1/1024 of its lower bound and its midpoint is within 1/2048 of every value in it.
 * Values above STATS_HIST_MAX land in the last bucket (the percentile is then clamped to
 * the true max). 2048 + 34 * 1024 buckets of 8 bytes = 295 KiB, whatever the run length. */
#define STATS_HIST_SUB_BITS 11
#define STATS_HIST_MAX_BITS 45          /* 2^45 ns = 9.8 h */
#define STATS_HIST_MAX ((UINT64_C(1) << STATS_HIST_MAX_BITS) - 1)
#define STATS_HIST_BUCKETS \
        ((1u << STATS_HIST_SUB_BITS) + (STATS_HIST_MAX_BITS - STATS_HIST_SUB_BITS) * (1u << (STATS_HIST_SUB_BITS - 1)))

typedef struct StatsHist {
        uint64_t n;
        uint64_t min, max;
        uint64_t counts[STATS_HIST_BUCKETS];
} StatsHist;

void stats_hist_add(StatsHist *h, uint64_t v);

/* Nearest-rank percentile (@p in 0..100): the smallest recorded value v such that at
 * least p% of the values are <= v, reported as its bucket's midpoint and clamped to
 * min..max. Returns 0 when the histogram is empty. */
uint64_t stats_hist_percentile(const StatsHist *h, double p);

/* How many recorded values fall in buckets whose midpoint is below @v (exact below 2048,
 * within a bucket's width above): used to print the histogram in round-number rows. */
uint64_t stats_hist_count_below(const StatsHist *h, uint64_t v);

/* ---- one run ----------------------------------------------------------------------- */

typedef enum StatsSlotState {
        STATS_SLOT_FREE,                /* never used */
        STATS_SLOT_PENDING,             /* sent, no reply yet, timeout not reached */
        STATS_SLOT_RECEIVED,            /* first reply came within the timeout */
        STATS_SLOT_TIMEDOUT,            /* timeout passed without a reply */
        STATS_SLOT_LATE,                /* a reply came after the timeout */
        STATS_SLOT_FAILED,              /* an error ended the probe (port unreachable, HTTP error) */
} StatsSlotState;

/* 24 bytes: a 1 s timeout at -i 0.0001 keeps ~10 000 slots, 240 KiB. */
typedef struct StatsSlot {
        uint64_t seq;
        nsec_t sent;
        float rtt;                      /* ns, valid in RECEIVED; only feeds IPDV, and a float
                                         * keeps 7 significant digits at any RTT */
        uint8_t state;                  /* StatsSlotState */
} StatsSlot;

typedef enum StatsVerdict {
        STATS_VERDICT_REPLY,            /* first reply within the timeout: counted as received */
        STATS_VERDICT_LATE,             /* first reply after the timeout: the probe stays lost */
        STATS_VERDICT_DUP,              /* another reply to an already answered probe */
        STATS_VERDICT_UNKNOWN,          /* a sequence number we never sent: ignored */
        STATS_VERDICT_STALE,            /* so old its slot was reused: cannot tell, ignored */
} StatsVerdict;

/* Server-side data carried by a stamped netlab reply (probe.h). */
#define STATS_FLOW_RESET_SLACK 16

typedef struct StatsServerInfo {
        uint64_t server_rx_usec;        /* CLOCK_REALTIME of the server */
        uint64_t server_tx_usec;
        uint64_t flow_received;
        uint64_t flow_dropped;
        uint16_t profile;               /* the probe's profile tag: 0 = not told */
} StatsServerInfo;

typedef struct Stats {
        /* counters; every probe sent ends in exactly one of received, lost, failed, in flight */
        uint64_t sent;
        uint64_t received;              /* distinct probes answered within the timeout */
        uint64_t timeouts;              /* probes whose timeout passed (some later turn late) */
        uint64_t late;                  /* distinct probes answered after their timeout */
        uint64_t failed;                /* probes ended by an error (ICMP unreachable, HTTP non-2xx) */
        uint64_t duplicates;
        uint64_t reordered;             /* first replies with seq below the highest seq answered before */
        uint64_t unknown;               /* replies to sequence numbers never sent */
        uint64_t stale;                 /* replies to probes so old their slot was reused */
        uint64_t next_seq;              /* one past the highest seq sent */
        uint64_t max_seq_replied;       /* valid when any_replied */
        bool any_replied;

        /* RTT of on-time replies */
        StatsWelford rtt;
        StatsHist rtt_hist;

        /* jitter, three named definitions (tools disagree, so all are reported):
         *   mean |dRTT|  mean absolute RTT difference of consecutive on-time replies in
         *                arrival order (what most "jitter" columns show)
         *   RFC 3550     J += (|D| - J) / 16 over the same pairs (RTP's smoothed estimator,
         *                with the RTT difference standing in for the transit difference)
         *   RFC 3393     IPDV = RTT(i+1) - RTT(i) for consecutive sequence numbers both
         *                answered on time (the RFC's selection function); percentiles of
         *                |IPDV| and the signed mean */
        nsec_t last_rtt;
        bool have_last_rtt;
        double drtt_sum;
        uint64_t drtt_n;
        double jitter_rfc3550;
        StatsHist ipdv_hist;            /* |IPDV| */
        StatsWelford ipdv;              /* signed IPDV */

        /* client side: how long each reply waited between the kernel's receive stamp and
         * our reading it (scheduling and wake-up delay the kernel stamp keeps out of the
         * RTT), and how many replies came without a kernel stamp */
        StatsWelford rx_delay;          /* ns */
        uint64_t no_kernel_stamp;

        /* netlab server stamps */
        bool server_stamps;             /* at least one reply was stamped by a netlab server */
        uint64_t unstamped;             /* replies that came back verbatim (plain echo) */
        StatsWelford server_hold;       /* server_tx - server_rx, ns */
        uint64_t server_first_rx_usec, server_last_tx_usec;
        uint64_t flow_received_max;     /* highest flow_received seen ... */
        uint64_t flow_dropped_at_max;   /* ... the flow_dropped of that same reply ... */
        uint64_t seq_at_max;            /* ... and its sequence number */
        bool flow_reset;                /* the counters started again: no loss split */
        uint16_t server_profile;        /* the latest reply's profile tag (probe.h), 0 = not told */
        bool server_profile_changed;    /* replies carried more than one tag (a reload moved us) */

        /* the counters query at the end of a run (doc/protocol.md): the server's final
         * counts for this flow, covering every probe sent */
        bool final_counters;
        uint64_t final_received, final_dropped;
        uint64_t server_burst_mean_milli;       /* the server's model mean burst, 0 = not told */

        /* loss bursts: runs of consecutive sequence numbers lost, found in seq order as
         * probes settle (the cursor never passes a pending probe) */
        uint64_t burst_cursor;          /* lowest seq not yet looked at */
        uint64_t burst_run;             /* length of the run ending just below the cursor */
        uint64_t bursts, burst_lost, burst_max;

        uint64_t expire_cursor;         /* no probe below this seq is still pending */
        size_t window;                  /* slots; probe seq lives in slot seq % window */
        StatsSlot *slots;
} Stats;

/* Allocates a run whose window tracks @window probes at once (at least 64, at most 2^20;
 * not rounded, so memory follows what is asked). Pick it above timeout / interval: a probe
 * whose slot is needed again while still pending is timed out early. Returns 0 or -ENOMEM. */
int stats_new(size_t window, Stats **ret);
Stats *stats_free(Stats *s);

/* Records probe @seq (must be next_seq: sequence numbers are consecutive from 0) sent at
 * @t. If the slot it needs still holds a pending probe, that probe is timed out first and
 * 1 is returned with its seq in *ret_evicted (may be NULL); otherwise returns 0. */
int stats_on_send(Stats *s, uint64_t seq, nsec_t t, uint64_t *ret_evicted);

/* Classifies a reply to @seq received at @t (>= its send time) with timeout @timeout and
 * updates the counters. *ret_rtt (may be NULL) gets the RTT (for LATE: the time since
 * sending; unset for UNKNOWN), *ret_reordered (may be NULL) whether this first reply
 * overtook a higher sequence number. A reply to a seq whose slot was reused by a newer
 * probe is STALE: we cannot tell whether it was answered before, so it changes nothing
 * but the stale counter. */
StatsVerdict stats_on_reply(Stats *s, uint64_t seq, nsec_t t, nsec_t timeout, nsec_t *ret_rtt,
                            bool *ret_reordered);

/* Ends probe @seq with an error (not received, not a timeout). Returns 0, or -ENOENT if
 * @seq is not pending (already answered, timed out, or unknown). */
int stats_on_error(Stats *s, uint64_t seq);

/* Times out the oldest pending probe if its deadline (send time + @timeout) is <= @now:
 * returns 1 and its seq in *ret_seq, or 0 if none is due. Call until it returns 0. */
int stats_expire(Stats *s, nsec_t now, nsec_t timeout, uint64_t *ret_seq);

/* The earliest deadline among pending probes, or NSEC_INFINITY. Not const: it moves the
 * internal cursor past settled probes (amortised O(1)). */
nsec_t stats_next_deadline(Stats *s, nsec_t timeout);

/* Probes sent and neither answered, timed out nor failed. */
uint64_t stats_in_flight(const Stats *s);

/* Adds the server's stamps and counters carried by a reply to @seq (any verdict but
 * UNKNOWN). A reply to a later probe whose flow_received is far below the highest seen
 * (below half of it, or more than STATS_FLOW_RESET_SLACK below) means the server's
 * counters started again, and sets flow_reset; a smaller step back is a probe that
 * overtook an earlier one on the way to the server. */
void stats_on_server(Stats *s, uint64_t seq, const StatsServerInfo *info);

/* Takes the answer to the counters query (doc/protocol.md, "Final counters"): the
 * server's flow_received and flow_dropped once every probe has settled, and the mean loss
 * burst length of its loss model in thousandths (0 if it has none). From then on
 * stats_loss_split() covers every probe sent, so nothing is left unattributed. Counts
 * below the highest flow_received seen mean the server's counters started again
 * (flow_reset). Returns 0, or -EINVAL if no probe was sent. */
int stats_on_final_counters(Stats *s, uint64_t flow_received, uint64_t flow_dropped,
                            uint64_t burst_mean_milli);

/* Loss = probes that settled without an on-time reply and without an error:
 *   lost = sent - received - failed - in_flight
 * (timed-out probes, including those answered late). Split using the stamped reply with
 * the highest flow_received (R, with flow_dropped D, for
 * probe seq s): probes 0..s were all sent before the server handled probe s, so
 *   upstream   = (s + 1) - R                 never reached the server
 *   emulated   = D                           dropped by netlabd on purpose
 *   late       = answered after the timeout  (reached the server and came back, slowly)
 *   downstream = rest of the losses among 0..s: the reply was lost on the way back
 *   unknown    = losses among s+1..: no later counter says where they were lost
 * upstream + emulated + late + downstream + unknown = lost (downstream is clamped at 0
 * should the counters disagree, e.g. a probe still in flight that never reached the server).
 * After stats_on_final_counters() the split uses the final counts with s = the last probe
 * sent, so unknown = 0.
 * Without stamps, when the tail after s no longer fits the window, or once the server's
 * counters started again (flow_reset: netlabd restarted or recycled the flow, so R no
 * longer counts from our first probe), only lost and late are known (has_split = false). */
typedef struct StatsLossSplit {
        bool has_split;
        uint64_t lost;
        uint64_t late;
        uint64_t upstream, emulated, downstream, unknown;
} StatsLossSplit;

void stats_loss_split(const Stats *s, StatsLossSplit *ret);

/* Loss bursts so far: maximal runs of consecutive sequence numbers that were lost (timed
 * out, answered late or not); a reply or an error ends a run, and probes still in flight
 * are not counted. @lost is the sum of the burst lengths, so lost / count is the mean.
 * Constant memory: runs are counted as the probes settle, in sequence order. */
typedef struct StatsBursts {
        uint64_t count;
        uint64_t lost;
        uint64_t max;
} StatsBursts;

void stats_bursts(const Stats *s, StatsBursts *ret);

/* Network loss of a split: lost on the way there or back. Late replies and losses whose
 * direction is unknown are not network loss. */
static inline uint64_t stats_loss_network(const StatsLossSplit *ls) {
        return ls->upstream + ls->downstream;
}

/* Convenience readers (0 when undefined). */
double stats_jitter_mean_abs(const Stats *s);   /* ns */
uint64_t stats_lost(const Stats *s);
