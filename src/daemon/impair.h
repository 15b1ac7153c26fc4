/* impair.h — the echo service's network impairment models, as pure functions: loss
 * (random or Gilbert-Elliott), delay + jitter (uniform, normal, pareto, paretonormal),
 * duplication, reordering and a per-source token bucket. No I/O, no clock, no globals:
 * all state is passed in, every random draw comes from the caller's Rng and time is an
 * argument, so a seeded run replays exactly and tests check long-run rates. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "rng.h"
#include "time_util.h"

/* Loss state of one flow. Gilbert-Elliott keeps its GOOD/BAD state per flow, so every
 * client sees the configured bursts even when many share the server. */
typedef struct ImpairLossState {
        bool bad;
} ImpairLossState;

/* What happens to one datagram that passed the rate limit. */
typedef struct ImpairDecision {
        bool drop;                      /* lost on purpose (loss model) */
        usec_t delay_usec;              /* hold the reply this long (0: send now) */
        unsigned copies;                /* 1, or 2 when duplicated; 0 when dropped */
        bool reorder;                   /* hold back behind later replies of the flow */
} ImpairDecision;

/* Token bucket of one source address. A zeroed bucket is "never used": the first
 * impair_bucket_take() fills it to the burst size. */
typedef struct ImpairBucket {
        double tokens;
        usec_t last_usec;
        bool primed;
} ImpairBucket;

/* Long-run properties of a configuration, for `netlabd -t` and the logs. */
typedef struct ImpairSummary {
        double mean_loss;               /* stationary loss probability per datagram (round trip) */
        double mean_burst;              /* mean length of a run of consecutive losses, datagrams;
                                         * 0 when nothing is ever lost, INFINITY if loss is 1 */
        double bad_fraction;            /* Gilbert-Elliott: time share of the BAD state (0 for random) */
        double mean_delay_usec;         /* mean added delay (before clamping at 0) */
        double stddev_delay_usec;       /* its standard deviation */
} ImpairSummary;

/* True if @c changes nothing: no loss, delay, jitter, duplication, reordering. The rate
 * limit is not an impairment and is checked separately. Lets the echo take its fast
 * path. */
bool impair_is_noop(const ConfEcho *c);

/* Draws whether the next datagram of a flow is lost. Random model: lost with
 * probability c->loss. Gilbert-Elliott (netem "gemodel p r 1-h 1-k"): first move
 * between GOOD and BAD (enter BAD with ge_p, leave it with ge_r), then lose the datagram
 * with ge_loss_good or ge_loss_bad for the state now current. @st is that flow's
 * state, updated in place. */
bool impair_loss(const ConfEcho *c, Rng *rng, ImpairLossState *st);

/* Draws one added delay in usec. uniform: delay +- jitter (netem's default); normal:
 * mean delay, standard deviation jitter; pareto: a Pareto (alpha 3, tail cut at 16x the
 * scale like netem's table) shifted and scaled to mean delay, stddev jitter;
 * paretonormal: 0.25 pareto + 0.75 normal, rescaled to the same mean and stddev. Values
 * below 0 are clamped to 0. Draws nothing when jitter is 0. */
usec_t impair_delay(const ConfEcho *c, Rng *rng);

/* Decides the fate of one datagram: loss, then delay, duplication and reorder. Draws
 * for a probability that is 0 are skipped, so an unimpaired config consumes no
 * randomness. Fills *ret. */
void impair_decide(const ConfEcho *c, Rng *rng, ImpairLossState *st, ImpairDecision *ret);

/* Refills @b for the time since its last use: @rate tokens per second, up to @burst
 * (values below 1 count as 1). A never-used bucket starts full. @now_usec is a monotonic
 * time; a clock going backwards refills nothing. For callers that spend more than one
 * token at a time, or must check several buckets before spending from any
 * (echo_budget.c): afterwards b->tokens is what may be spent. */
void impair_bucket_refill(ImpairBucket *b, double rate, double burst, usec_t now_usec);

/* Takes one token from @b, refilled at @rate tokens per second up to @burst (>= 1).
 * @now_usec is a monotonic time; a clock going backwards refills nothing. Returns true
 * if a token was available (send the reply), false if the source is over its rate.
 * @rate <= 0 means unlimited: always true, @b untouched. */
bool impair_bucket_take(ImpairBucket *b, double rate, unsigned burst, usec_t now_usec);

/* Computes the long-run figures of @c into *ret. Pure arithmetic; see impair.c for the
 * formulas. */
void impair_describe(const ConfEcho *c, ImpairSummary *ret);

/* Formats impair_describe() as one line, e.g.
 * "loss 30.00% per round trip (random), mean burst 1.43; delay 10ms +- 2ms (normal, stddev 2ms)".
 * Returns @buf (always NUL-terminated when @len > 0). */
char *impair_format_summary(const ConfEcho *c, char *buf, size_t len);
