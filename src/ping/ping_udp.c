/* ping_udp.c — the netlab-probe mode of netlab-ping: the wire format on top of the
 * datagram prober (ping_dgram.c, which owns the socket, the schedule, the receive and
 * error queues and the timeouts). Probes carry a random session id and the server's stamps
 * come back in the reply; replies of the lab's original text server are understood too.
 * When the last probe has settled, the run ends with a short final phase (a timer of its
 * own): it waits a little for late replies if the server sends them, then asks a netlab
 * server for the flow's final counters (doc/protocol.md) so the loss split covers the last
 * probes too. Calls ping_dgram.c, probe.c, stats.c and ping.c. */
#include <assert.h>
#include <errno.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "i18n.h"
#include "log.h"
#include "ping_dgram.h"
#include "ping_udp.h"
#include "probe.h"

#define FINAL_QUERY_TRIES 3             /* counters queries sent, -W / 3 apart */
#define LINGER_MAX (10 * NSEC_PER_SEC)  /* longest wait for late replies after the last probe */

typedef enum FinalState {
        FINAL_NONE,                     /* probing */
        FINAL_LINGER,                   /* last probe settled; waiting for late replies */
        FINAL_QUERY,                    /* counters query sent, waiting for the answer */
        FINAL_DONE,
} FinalState;

struct PingUdp {
        PingDgram dgram;                /* socket, schedule, receive loops, timeouts */
        uint64_t session_id;
        sd_event_source *final_source;  /* linger end, query retries */
        FinalState final_state;
        unsigned final_tries;
        bool told_unstamped;
        bool told_invalid;
        uint64_t foreign;               /* netlab probes of another session */
        uint64_t invalid;               /* replies that are not netlab probes */
};

PingUdp *ping_udp_free(PingUdp *u) {
        if (!u)
                return NULL;
        sd_event_source_disable_unref(u->final_source);
        ping_dgram_done(&u->dgram);
        free(u);
        return NULL;
}

void ping_udp_stop(PingUdp *u) {
        if (u)
                ping_dgram_stop(&u->dgram);
}

static int encode_probe(void *userdata, uint64_t seq, uint8_t *buf, size_t len) {
        PingUdp *u = userdata;

        assert(len >= PROBE_HEADER_SIZE);
        probe_encode(&(Probe) {
                .session_id = u->session_id,
                .seq = seq,
                .client_send_usec = ping_now(CLOCK_MONOTONIC) / NSEC_PER_USEC,
        }, buf);
        return 0;
}

/* ---- final phase ------------------------------------------------------------------ */

static void final_arm(PingUdp *u, nsec_t when) {
        (void) sd_event_source_set_time(u->final_source, ping_usec_ceil(when));
        (void) sd_event_source_set_enabled(u->final_source, SD_EVENT_ONESHOT);
}

/* Sends counters query number final_tries (seq = the number of probes sent, one past the
 * last; the server answers it without counting it). */
static void final_send_query(PingUdp *u) {
        Ping *p = u->dgram.ping;
        uint8_t buf[PROBE_COUNTERS_SIZE] = {};

        probe_encode(&(Probe) {
                .flags = PROBE_FLAG_COUNTERS,
                .session_id = u->session_id,
                .seq = u->dgram.next_seq,
                .client_send_usec = ping_now(CLOCK_MONOTONIC) / NSEC_PER_USEC,
        }, buf);
        if (send(u->dgram.fd, buf, sizeof(buf), MSG_DONTWAIT) < 0)
                log_debug_errno(errno, "Failed to send the counters query, ignoring: %m");
        u->final_tries++;
        final_arm(u, ping_now(CLOCK_MONOTONIC) + p->conf.timeout / FINAL_QUERY_TRIES);
}

static void final_done(PingUdp *u) {
        u->final_state = FINAL_DONE;
        (void) sd_event_source_set_enabled(u->final_source, SD_EVENT_OFF);
        ping_finish(u->dgram.ping, 0);
}

/* Only a netlab server (one whose replies carried stamps) is asked: a plain echo would
 * just echo the query, and nothing changes against it. */
static void final_query_or_done(PingUdp *u) {
        if (!u->dgram.ping->stats->server_stamps || u->dgram.ping->stats->flow_reset) {
                final_done(u);
                return;
        }
        u->final_state = FINAL_QUERY;
        final_send_query(u);
}

/* PingDgramOps.maybe_finish, instead of ping_maybe_finish(): once probing is complete, run
 * the final phase. */
static void maybe_finish(void *userdata) {
        PingUdp *u = userdata;
        Ping *p = u->dgram.ping;
        const Stats *st = p->stats;

        if (!ping_run_complete(p))
                return;

        switch (u->final_state) {

        case FINAL_NONE:
                /* Like ping, wait for late replies when the server sends them (twice the
                 * slowest one so far, from the last send), so a reply held by an emulated
                 * delay is counted late, not lost on the way back. */
                if (st->late > 0 && st->timeouts > st->late) {
                        nsec_t until = u->dgram.last_send + MIN(2 * u->dgram.max_late_rtt, LINGER_MAX);

                        if (until > ping_now(CLOCK_MONOTONIC)) {
                                u->final_state = FINAL_LINGER;
                                final_arm(u, until);
                                return;
                        }
                }
                final_query_or_done(u);
                return;

        case FINAL_LINGER:
                if (st->timeouts == st->late)           /* every timed-out probe came back */
                        final_query_or_done(u);
                return;

        default:
                return;
        }
}

static int on_final_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        PingUdp *u = userdata;

        if (u->final_state == FINAL_LINGER)
                final_query_or_done(u);
        else if (u->final_state == FINAL_QUERY) {
                if (u->final_tries < FINAL_QUERY_TRIES)
                        final_send_query(u);
                else
                        final_done(u);          /* no answer within -W: the split stays as it is */
        }
        return 0;
}

/* A reply with PROBE_FLAG_COUNTERS: the answer to our query (FINAL set), or our query
 * echoed by a server that does not implement it (FINAL clear: its counts would include
 * the query itself, so they are not used). */
static void handle_counters_reply(PingUdp *u, const Probe *pr, const uint8_t *buf, size_t len) {
        Ping *p = u->dgram.ping;

        if (u->final_state != FINAL_QUERY || pr->seq != u->dgram.next_seq)
                return;
        if ((pr->flags & (PROBE_FLAG_REPLY | PROBE_FLAG_FINAL)) == (PROBE_FLAG_REPLY | PROBE_FLAG_FINAL))
                (void) stats_on_final_counters(p->stats, pr->flow_received, pr->flow_dropped,
                                               probe_counters_burst_mean(buf, len));
        else
                log_debug("The server echoed the counters query without answering it (an older netlabd?)");
        final_done(u);
}

/* The lab's original server (and netlabd's lab_compat mode for non-probes) answers
 * "<its clock in ms> <the request>": find our probe after such a prefix. The reply is
 * then treated like a plain echo's (no netlab stamps). */
static int decode_lab_reply(const uint8_t *buf, size_t len, Probe *ret) {
        size_t i = 0;

        while (i < len && i < 24 && buf[i] >= '0' && buf[i] <= '9')
                i++;
        if (i == 0 || i >= len || buf[i] != ' ')
                return -EBADMSG;
        if (probe_decode(buf + i + 1, len - i - 1, ret) < 0)
                return -EBADMSG;
        ret->flags &= (uint8_t) ~PROBE_FLAG_REPLY;
        return 0;
}

/* PingDgramOps.on_reply: a netlab probe of our session (or the answer to the counters
 * query); anything else is counted and ignored. */
static void handle_reply(void *userdata, const uint8_t *buf, size_t len, nsec_t t) {
        PingUdp *u = userdata;
        Ping *p = u->dgram.ping;
        PingEvent e;
        Probe pr;

        if (probe_decode(buf, len, &pr) < 0 && decode_lab_reply(buf, len, &pr) < 0) {
                u->invalid++;
                if (!u->told_invalid)
                        log_warning(_("Ignoring a %zu-byte reply that is not a netlab probe"), len);
                u->told_invalid = true;
                return;
        }
        if (pr.session_id != u->session_id) {
                u->foreign++;
                return;
        }
        if (pr.flags & PROBE_FLAG_COUNTERS) {
                handle_counters_reply(u, &pr, buf, len);
                return;
        }
        /* ping(8) -w exits at COUNT replies: once they are in, the rest of this read loop
         * (up to RECV_BATCH replies that arrived together) is not counted. The counters
         * answer above is still taken. */
        if (p->conf.deadline > 0 && ping_count_reached(p, 0))
                return;

        if (!ping_dgram_match(&u->dgram, pr.seq, len, t, &e))
                return;

        if (pr.flags & PROBE_FLAG_REPLY) {
                stats_on_server(p->stats, pr.seq,
                                &(StatsServerInfo) {
                                        .server_rx_usec = pr.server_rx_usec,
                                        .server_tx_usec = pr.server_tx_usec,
                                        .flow_received = pr.flow_received,
                                        .flow_dropped = pr.flow_dropped,
                                        .profile = pr.profile,
                                });
                e.has_server = true;
                e.server_hold = pr.server_tx_usec >= pr.server_rx_usec ?
                                (pr.server_tx_usec - pr.server_rx_usec) * NSEC_PER_USEC : 0;
        } else {
                p->stats->unstamped++;
                if (!u->told_unstamped && !p->stats->server_stamps)
                        log_notice(_("Replies carry no netlab server stamps (plain echo server): "
                                     "reporting RTT and loss only"));
                u->told_unstamped = true;
        }

        ping_dgram_emit_reply(&u->dgram, &e);
}

/* PingDgramOps.decode_quoted: an ICMP error quotes our probe header, hence its sequence
 * number. */
static int decode_quoted(void *userdata, const uint8_t *buf, size_t len, uint64_t *ret_seq) {
        PingUdp *u = userdata;
        Probe pr;

        if (probe_decode(buf, len, &pr) < 0 || pr.session_id != u->session_id)
                return -EBADMSG;
        *ret_seq = pr.seq;
        return 0;
}

static const PingDgramOps udp_ops = {
        .encode = encode_probe,
        .on_reply = handle_reply,
        .decode_quoted = decode_quoted,
        .maybe_finish = maybe_finish,
        .quoted_max = PROBE_HEADER_SIZE + 64,
};

int ping_udp_new(Ping *p, PingUdp **ret) {
        int r;

        assert(p);
        assert(ret);

        PingUdp *u = calloc(1, sizeof(PingUdp));
        if (!u)
                return -ENOMEM;
        _cleanup_(ping_udp_freep) PingUdp *cleanup = u;

        if (getrandom(&u->session_id, sizeof(u->session_id), 0) != sizeof(u->session_id))
                u->session_id = ping_now(CLOCK_REALTIME) ^ ((uint64_t) getpid() << 32);
        /* Kurose & Ross's UDP Pinger server answers message.upper() to probes too (netlabd
         * never does): a session id without ASCII a-z bytes comes back unchanged, so the
         * replies stay ours. Costs under a bit of the 64. */
        for (unsigned i = 0; i < 64; i += 8)
                if (((u->session_id >> i) & 0xff) >= 'a' && ((u->session_id >> i) & 0xff) <= 'z')
                        u->session_id &= ~((uint64_t) 0x20 << i);

        r = ping_dgram_init(&u->dgram, p, &udp_ops, u);
        if (r < 0)
                return r;
        r = sd_event_add_time(p->event, &u->final_source, CLOCK_MONOTONIC, USEC_INFINITY, 1,
                              on_final_timer, u);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(u->final_source, SD_EVENT_OFF);

        *ret = TAKE_PTR(cleanup);
        return 0;
}
