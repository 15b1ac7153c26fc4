/* impair.c — pure impairment models for the echo service (impair.h). echo.c calls
 * impair_bucket_take() and impair_decide() once per datagram between receiving it and
 * answering it; `netlabd -t` prints impair_format_summary(). Nothing here does I/O or
 * reads a clock: the caller passes the Rng and the time. The summary's words go through
 * _() for `netlabd -t`; the running daemon is in the C locale, so its log line is English. */
#include <assert.h>
#include <math.h>
#include <stdio.h>

#include "i18n.h"
#include "impair.h"

/* The Pareto shape netem's pareto.dist table is generated with (iproute2 netem/pareto.c):
 * x = U^(-1/alpha) with alpha = 3, and the table stops at U = 16/65536, i.e. x <= 16.
 * We draw U uniformly from [PARETO_EPS, 1) so the tail is cut at the same place, which
 * also keeps the variance of the sample variance finite (tests rely on that). */
#define PARETO_ALPHA 3.0
#define PARETO_EPS (1.0 / 4096.0)
/* Mean and standard deviation of that truncated distribution, used to rescale it to the
 * configured delay and jitter. With e = PARETO_EPS:
 *   E[x]   = 1.5 (1 - e^(2/3)) / (1 - e)
 *   E[x^2] = 3   (1 - e^(1/3)) / (1 - e)
 * tests/test_impair.c recomputes both. */
#define PARETO_MEAN 1.4945054945054945
#define PARETO_STDDEV 0.7613410143159901
/* paretonormal, netem style: 25% pareto and 75% normal. The weighted sum of two
 * independent unit-variance deviates has stddev sqrt(0.25^2 + 0.75^2). */
#define PN_PARETO 0.25
#define PN_NORMAL 0.75
#define PN_NORM 0.7905694150420949

bool impair_is_noop(const ConfEcho *c) {
        assert(c);

        if (c->loss_model == LOSS_MODEL_GILBERT_ELLIOTT) {
                /* Never leaves GOOD and never loses in GOOD: no loss at all. */
                if (c->ge_loss_good > 0.0 || (c->ge_p > 0.0 && c->ge_loss_bad > 0.0))
                        return false;
        } else if (c->loss > 0.0)
                return false;

        return c->delay_usec == 0 && c->jitter_usec == 0 && c->duplicate <= 0.0 &&
                (c->reorder <= 0.0 || c->reorder_gap == 0);
}

bool impair_loss(const ConfEcho *c, Rng *rng, ImpairLossState *st) {
        assert(c);
        assert(rng);
        assert(st);

        if (c->loss_model != LOSS_MODEL_GILBERT_ELLIOTT)
                return rng_chance(rng, c->loss);

        if (st->bad)
                st->bad = !rng_chance(rng, c->ge_r);    /* leave BAD with probability r */
        else
                st->bad = rng_chance(rng, c->ge_p);     /* enter BAD with probability p */

        return rng_chance(rng, st->bad ? c->ge_loss_bad : c->ge_loss_good);
}

static double pareto_std(Rng *rng) {
        double u = PARETO_EPS + (1.0 - PARETO_EPS) * rng_double(rng);

        return (pow(u, -1.0 / PARETO_ALPHA) - PARETO_MEAN) / PARETO_STDDEV;
}

usec_t impair_delay(const ConfEcho *c, Rng *rng) {
        double z, d;

        assert(c);
        assert(rng);

        if (c->jitter_usec == 0)
                return c->delay_usec;

        switch (c->distribution) {
        case DELAY_DIST_NORMAL:
                z = rng_normal(rng);
                break;
        case DELAY_DIST_PARETO:
                z = pareto_std(rng);
                break;
        case DELAY_DIST_PARETONORMAL: {
                double n = rng_normal(rng);

                z = (PN_NORMAL * n + PN_PARETO * pareto_std(rng)) / PN_NORM;
                break;
        }
        case DELAY_DIST_UNIFORM:
        default: {
                /* Integer uniform over [delay - jitter, delay + jitter], as netem does. */
                uint64_t span = 2 * (uint64_t) c->jitter_usec + 1;

                d = (double) c->delay_usec - (double) c->jitter_usec + (double) rng_below(rng, span);
                return d <= 0.0 ? 0 : (usec_t) d;
        }
        }

        d = (double) c->delay_usec + (double) c->jitter_usec * z;
        if (d <= 0.0)
                return 0;
        return (usec_t) llround(d);
}

void impair_decide(const ConfEcho *c, Rng *rng, ImpairLossState *st, ImpairDecision *ret) {
        assert(c);
        assert(rng);
        assert(st);
        assert(ret);

        if (impair_loss(c, rng, st)) {
                *ret = (ImpairDecision) { .drop = true };
                return;
        }

        *ret = (ImpairDecision) {
                .delay_usec = impair_delay(c, rng),
                .copies = rng_chance(rng, c->duplicate) ? 2 : 1,
                .reorder = c->reorder_gap > 0 && rng_chance(rng, c->reorder),
        };
}

bool impair_bucket_take(ImpairBucket *b, double rate, unsigned burst, usec_t now_usec) {
        double cap = burst > 0 ? (double) burst : 1.0;

        assert(b);

        if (rate <= 0.0)
                return true;

        if (!b->primed) {
                b->tokens = cap;
                b->last_usec = now_usec;
                b->primed = true;
        } else if (now_usec > b->last_usec) {
                b->tokens += (double) (now_usec - b->last_usec) * rate / (double) USEC_PER_SEC;
                if (b->tokens > cap)
                        b->tokens = cap;
                b->last_usec = now_usec;
        }

        if (b->tokens < 1.0)
                return false;
        b->tokens -= 1.0;
        return true;
}

/* Loss per datagram and the mean loss-run length of a two-state chain that first moves
 * (GOOD->BAD with p, BAD->GOOD with r), then loses with l[state]:
 *   pi_B = p / (p + r)          (0 if p + r == 0: the chain stays in GOOD)
 *   P(L) = pi_G l_G + pi_B l_B
 *   P(LL) = sum_s pi_s l_s sum_s' T(s, s') l_s'      (two consecutive losses)
 * A run of losses ends at each "loss followed by no loss", so the mean run length is
 *   P(L) / (P(L) - P(LL)).
 * The random model is the special case l_G = l_B = loss (P(LL) = loss^2, mean run
 * 1 / (1 - loss)). */
static void describe_loss(const ConfEcho *c, ImpairSummary *ret) {
        double p, r, lg, lb, pib, pig, pl, pll, ends;

        if (c->loss_model == LOSS_MODEL_GILBERT_ELLIOTT) {
                p = c->ge_p;
                r = c->ge_r;
                lg = c->ge_loss_good;
                lb = c->ge_loss_bad;
        } else {
                p = 0.0;
                r = 1.0;
                lg = lb = c->loss;
        }

        pib = p + r > 0.0 ? p / (p + r) : 0.0;
        pig = 1.0 - pib;
        pl = pig * lg + pib * lb;
        pll = pig * lg * ((1.0 - p) * lg + p * lb) + pib * lb * (r * lg + (1.0 - r) * lb);
        ends = pl - pll;

        ret->bad_fraction = c->loss_model == LOSS_MODEL_GILBERT_ELLIOTT ? pib : 0.0;
        ret->mean_loss = pl;
        if (pl <= 0.0)
                ret->mean_burst = 0.0;
        else if (ends <= 1e-15)
                ret->mean_burst = INFINITY;
        else
                ret->mean_burst = pl / ends;
}

void impair_describe(const ConfEcho *c, ImpairSummary *ret) {
        assert(c);
        assert(ret);

        *ret = (ImpairSummary) {};
        describe_loss(c, ret);

        ret->mean_delay_usec = (double) c->delay_usec;
        ret->stddev_delay_usec = (double) c->jitter_usec;
        if (c->distribution == DELAY_DIST_UNIFORM)
                ret->stddev_delay_usec /= sqrt(3.0);
}

char *impair_format_summary(const ConfEcho *c, char *buf, size_t len) {
        char d[32], j[32], sd[32];
        ImpairSummary s;
        int n;

        assert(c);
        assert(buf || len == 0);

        if (len == 0)
                return buf;

        impair_describe(c, &s);
        n = snprintf(buf, len, _("loss %.2f%% per round trip (%s"), 100.0 * s.mean_loss,
                     loss_model_to_string(c->loss_model));
        if (n >= 0 && (size_t) n < len && c->loss_model == LOSS_MODEL_GILBERT_ELLIOTT)
                n += snprintf(buf + n, len - (size_t) n, _(", %.2f%% of the time in BAD"),
                              100.0 * s.bad_fraction);
        if (n >= 0 && (size_t) n < len)
                n += snprintf(buf + n, len - (size_t) n, _("), mean loss burst %.2f datagrams"), s.mean_burst);
        if (n >= 0 && (size_t) n < len)
                n += snprintf(buf + n, len - (size_t) n, _("; delay %s +- %s %s (stddev %s)"),
                              format_usec(d, sizeof(d), c->delay_usec),
                              format_usec(j, sizeof(j), c->jitter_usec),
                              delay_distribution_to_string(c->distribution),
                              format_usec(sd, sizeof(sd), (usec_t) llround(s.stddev_delay_usec)));
        if (n >= 0 && (size_t) n < len)
                (void) snprintf(buf + n, len - (size_t) n, _("; duplicate %.2f%%; reorder %.2f%% (gap %u)"),
                                100.0 * c->duplicate, 100.0 * c->reorder, c->reorder_gap);
        return buf;
}
