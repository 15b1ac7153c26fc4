/* ping.c — the run object shared by the UDP and HTTP probers: clock reads, event output,
 * and the rules for when a run is over (count reached and nothing in flight, -w deadline,
 * SIGINT, or a fatal error). */
#include <assert.h>
#include <time.h>

#include "log.h"
#include "macro.h"
#include "ping.h"

nsec_t ping_now(clockid_t clock) {
        struct timespec ts;

        /* Always evaluated: under -DNDEBUG a plain assert() would drop the call itself. */
        assert_se(clock_gettime(clock, &ts) == 0);
        return (nsec_t) ts.tv_sec * NSEC_PER_SEC + (nsec_t) ts.tv_nsec;
}

uint64_t ping_usec_ceil(nsec_t t) {
        return (t + NSEC_PER_USEC - 1) / NSEC_PER_USEC;
}

/* The kernel stamps arrival on CLOCK_REALTIME. Move it to our monotonic timeline by the
 * (tiny) realtime distance between the stamp and now; a clock step in between would show
 * as a negative or huge distance, and then "now" is the better estimate. */
nsec_t ping_receive_time(Stats *st, const struct timespec *stamp) {
        nsec_t mono = 0, real = 0;

        if (!stamp) {
                st->no_kernel_stamp++;
                return ping_now(CLOCK_MONOTONIC);
        }

        /* Read the two clocks back to back; if we were preempted between the reads, the
         * pair does not describe one instant and would shift the stamp, so read again. */
        for (int i = 0; i < 3; i++) {
                nsec_t r1 = ping_now(CLOCK_REALTIME);
                mono = ping_now(CLOCK_MONOTONIC);
                nsec_t r2 = ping_now(CLOCK_REALTIME);

                real = r1 + (r2 - r1) / 2;
                if (r2 - r1 < 2 * NSEC_PER_USEC)
                        break;
        }

        nsec_t k = (nsec_t) stamp->tv_sec * NSEC_PER_SEC + (nsec_t) stamp->tv_nsec;
        if (k > real || real - k > NSEC_PER_SEC || real - k > mono) {
                st->no_kernel_stamp++;
                return mono;
        }
        stats_welford_add(&st->rx_delay, (double) (real - k));
        return mono - (real - k);
}

void ping_emit(Ping *p, const PingEvent *e) {
        assert(p);
        assert(e);

        if (p->on_event)
                p->on_event(p, e, p->session_userdata);
        if (!p->out)
                return;
        ping_output_event(p->out, &p->conf, e);
        /* Per-probe lines must appear as they happen even through a pipe (ping does the
         * same); -q and --json print nothing here, so floods cost no flush. */
        if (!p->conf.quiet && !p->conf.json)
                (void) fflush(p->out);
}

void ping_finish(Ping *p, int error) {
        assert(p);

        if (p->finished)
                return;
        p->finished = true;
        p->sending_done = true;
        if (error < 0 && p->error == 0)
                p->error = error;
        if (p->on_finish)
                p->on_finish(p, p->session_userdata);
        else
                (void) sd_event_exit(p->event, 0);
}

bool ping_count_reached(const Ping *p, uint64_t next_seq) {
        assert(p);

        if (p->conf.count == 0)
                return false;
        /* ping(8) -w: "ping does not stop after count packet are sent, it waits either for
         * deadline expire or until count probes are answered or for some error
         * notification from network." */
        if (p->conf.deadline > 0)
                return p->stats->received + p->stats->failed >= p->conf.count;
        return next_seq >= p->conf.count;
}

bool ping_run_complete(const Ping *p) {
        assert(p);

        if (p->finished)
                return false;
        if (p->conf.deadline > 0 && ping_count_reached(p, 0))
                return true;
        return p->sending_done && stats_in_flight(p->stats) == 0;
}

void ping_maybe_finish(Ping *p) {
        assert(p);

        if (ping_run_complete(p))
                ping_finish(p, 0);
}

static int on_deadline(sd_event_source *s, uint64_t usec, void *userdata) {
        Ping *p = userdata;
        uint64_t seq;

        /* ping -w: exit when the deadline passes, whatever is still in flight; as ping(8)
         * does, a probe still unanswered then counts as lost (Ctrl-C, by contrast, leaves
         * it in flight). */
        while (stats_expire(p->stats, NSEC_INFINITY, 0, &seq) > 0)
                ;
        p->summary.interrupted = true;
        ping_finish(p, 0);
        return 0;
}

int ping_arm_deadline(Ping *p) {
        assert(p);

        if (p->conf.deadline == 0)
                return 0;
        return sd_event_add_time(p->event, &p->deadline_source, CLOCK_MONOTONIC,
                                 ping_usec_ceil(p->start + p->conf.deadline), 1, on_deadline, p);
}
