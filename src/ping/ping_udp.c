/* ping_udp.c — the UDP prober of netlab-ping. A timer sends probe N at start + N*interval
 * whether or not earlier replies came (so loss does not slow the schedule); the socket's
 * io source reads replies, takes their kernel receive stamp (SO_TIMESTAMPNS) and passes
 * them to stats.c to be classified, and reads ICMP errors (IP_RECVERR) so "port
 * unreachable" is reported per probe instead of as a timeout. A second timer fires at the
 * oldest in-flight probe's timeout. When the last probe has settled, the run ends with a
 * short final phase (a third timer): it waits a little for late replies if the server
 * sends them, then asks a netlab server for the flow's final counters (doc/protocol.md)
 * so the loss split covers the last probes too. */
#include <assert.h>
#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "log.h"
#include "probe.h"
#include "ping_udp.h"

#define RECV_BATCH 64                   /* datagrams read per wake-up before yielding */
#define FINAL_QUERY_TRIES 3             /* counters queries sent, -W / 3 apart */
#define LINGER_MAX (10 * NSEC_PER_SEC)  /* longest wait for late replies after the last probe */

typedef enum FinalState {
        FINAL_NONE,                     /* probing */
        FINAL_LINGER,                   /* last probe settled; waiting for late replies */
        FINAL_QUERY,                    /* counters query sent, waiting for the answer */
        FINAL_DONE,
} FinalState;

struct PingUdp {
        Ping *ping;
        int fd;
        uint64_t session_id;
        uint64_t next_seq;
        nsec_t last_send;               /* monotonic time of the latest probe */
        sd_event_source *io_source;
        sd_event_source *send_source;
        sd_event_source *timeout_source;
        sd_event_source *final_source;  /* linger end, query retries */
        FinalState final_state;
        unsigned final_tries;
        nsec_t max_late_rtt;            /* the slowest late reply so far */
        uint8_t *send_buf;              /* conf.size bytes: header + zero padding */
        uint8_t recv_buf[PING_SIZE_MAX + 1];
        bool told_unstamped;
        bool told_invalid;
        uint64_t foreign;               /* netlab probes of another session */
        uint64_t invalid;               /* replies that are not netlab probes */
};

PingUdp *ping_udp_free(PingUdp *u) {
        if (!u)
                return NULL;
        sd_event_source_disable_unref(u->io_source);
        sd_event_source_disable_unref(u->send_source);
        sd_event_source_disable_unref(u->timeout_source);
        sd_event_source_disable_unref(u->final_source);
        safe_close(u->fd);
        free(u->send_buf);
        free(u);
        return NULL;
}

static void arm_timeout(PingUdp *u) {
        Ping *p = u->ping;
        int enabled = SD_EVENT_OFF;

        /* The earliest deadline only moves when the oldest probe settles, and then the
         * timer fires, finds nothing due and re-arms: no need to touch it per send. */
        (void) sd_event_source_get_enabled(u->timeout_source, &enabled);
        if (enabled != SD_EVENT_OFF)
                return;

        nsec_t d = stats_next_deadline(p->stats, p->conf.timeout);
        if (d == NSEC_INFINITY)
                return;
        (void) sd_event_source_set_time(u->timeout_source, ping_usec_ceil(d));
        (void) sd_event_source_set_enabled(u->timeout_source, SD_EVENT_ONESHOT);
}

static void emit_timeout(PingUdp *u, uint64_t seq) {
        ping_emit(u->ping, &(PingEvent) {
                .kind = PING_EVENT_TIMEOUT,
                .seq = seq,
                .wall_usec = ping_now(CLOCK_REALTIME) / NSEC_PER_USEC,
        });
}

static void schedule_send(PingUdp *u, nsec_t when) {
        (void) sd_event_source_set_time(u->send_source, ping_usec_ceil(when));
        (void) sd_event_source_set_enabled(u->send_source, SD_EVENT_ONESHOT);
}

void ping_udp_stop(PingUdp *u) {
        if (!u)
                return;
        u->ping->sending_done = true;
        (void) sd_event_source_set_enabled(u->send_source, SD_EVENT_OFF);
}

/* Sends probe next_seq. Errors the network reports for this send (no route, ICMP error
 * pending) end the probe as failed; only a broken socket fails the run. */
static int send_probe(PingUdp *u) {
        Ping *p = u->ping;
        uint64_t seq = u->next_seq, evicted;
        ssize_t n;

        probe_encode(&(Probe) {
                .session_id = u->session_id,
                .seq = seq,
                .client_send_usec = ping_now(CLOCK_MONOTONIC) / NSEC_PER_USEC,
        }, u->send_buf);

        nsec_t t = ping_now(CLOCK_MONOTONIC);
        u->last_send = t;
        for (int attempt = 0;; attempt++) {
                n = send(u->fd, u->send_buf, p->conf.size, MSG_DONTWAIT);
                /* A connected UDP socket reports a pending ICMP error on the next call; the
                 * error queue carries it for the probe it belongs to, so just retry. */
                if (n < 0 && errno == ECONNREFUSED && attempt == 0)
                        continue;
                break;
        }
        if (n < 0 && (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)) {
                /* Socket buffer full: this slot is skipped, not counted as sent. */
                log_debug_errno(errno, "Failed to send probe %llu, skipping: %m", (unsigned long long) seq);
                return 0;
        }

        if (!p->started) {
                p->started = true;
                p->start = t;
                p->summary.start_wall_usec = ping_now(CLOCK_REALTIME) / NSEC_PER_USEC;
                int r = ping_arm_deadline(p);
                if (r < 0)
                        return r;
        }

        u->next_seq++;
        if (stats_on_send(p->stats, seq, t, &evicted) > 0)
                emit_timeout(u, evicted);

        if (n < 0) {
                int e = errno;

                (void) stats_on_error(p->stats, seq);
                ping_emit(p, &(PingEvent) {
                        .kind = PING_EVENT_UNREACHABLE,
                        .seq = seq,
                        .wall_usec = ping_now(CLOCK_REALTIME) / NSEC_PER_USEC,
                        .error = strerror(e),
                });
        }

        if (ping_count_reached(p, u->next_seq))
                ping_udp_stop(u);

        arm_timeout(u);
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
        Ping *p = u->ping;
        uint8_t buf[PROBE_COUNTERS_SIZE] = {};

        probe_encode(&(Probe) {
                .flags = PROBE_FLAG_COUNTERS,
                .session_id = u->session_id,
                .seq = u->next_seq,
                .client_send_usec = ping_now(CLOCK_MONOTONIC) / NSEC_PER_USEC,
        }, buf);
        if (send(u->fd, buf, sizeof(buf), MSG_DONTWAIT) < 0)
                log_debug_errno(errno, "Failed to send the counters query, ignoring: %m");
        u->final_tries++;
        final_arm(u, ping_now(CLOCK_MONOTONIC) + p->conf.timeout / FINAL_QUERY_TRIES);
}

static void final_done(PingUdp *u) {
        u->final_state = FINAL_DONE;
        (void) sd_event_source_set_enabled(u->final_source, SD_EVENT_OFF);
        ping_finish(u->ping, 0);
}

/* Only a netlab server (one whose replies carried stamps) is asked: a plain echo would
 * just echo the query, and nothing changes against it. */
static void final_query_or_done(PingUdp *u) {
        if (!u->ping->stats->server_stamps || u->ping->stats->flow_reset) {
                final_done(u);
                return;
        }
        u->final_state = FINAL_QUERY;
        final_send_query(u);
}

/* Instead of ping_maybe_finish(): once probing is complete, run the final phase. */
static void maybe_finish(PingUdp *u) {
        Ping *p = u->ping;
        const Stats *st = p->stats;

        if (!ping_run_complete(p))
                return;

        switch (u->final_state) {

        case FINAL_NONE:
                /* Like ping, wait for late replies when the server sends them (twice the
                 * slowest one so far, from the last send), so a reply held by an emulated
                 * delay is counted late, not lost on the way back. */
                if (st->late > 0 && st->timeouts > st->late) {
                        nsec_t until = u->last_send + MIN(2 * u->max_late_rtt, LINGER_MAX);

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
        Ping *p = u->ping;

        if (u->final_state != FINAL_QUERY || pr->seq != u->next_seq)
                return;
        if ((pr->flags & (PROBE_FLAG_REPLY | PROBE_FLAG_FINAL)) == (PROBE_FLAG_REPLY | PROBE_FLAG_FINAL))
                (void) stats_on_final_counters(p->stats, pr->flow_received, pr->flow_dropped,
                                               probe_counters_burst_mean(buf, len));
        else
                log_debug("The server echoed the counters query without answering it (an older netlabd?)");
        final_done(u);
}

static int on_send_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        PingUdp *u = userdata;
        Ping *p = u->ping;
        int r;

        if (p->sending_done)
                return 0;

        /* -f: replies send the next probe themselves (handle_reply); this timer is only the
         * fallback when none came for PING_FLOOD_INTERVAL. It is moved lazily, here, rather
         * than re-armed per probe, which would cost a timerfd_settime() per probe. */
        if (p->conf.flood && p->started &&
            ping_now(CLOCK_MONOTONIC) < u->last_send + PING_FLOOD_INTERVAL) {
                schedule_send(u, u->last_send + PING_FLOOD_INTERVAL);
                return 0;
        }

        r = send_probe(u);
        if (r < 0) {
                log_error_errno(r, "Failed to send probe: %m");
                ping_finish(p, r);
                return 0;
        }

        if (!p->sending_done) {
                if (p->conf.flood)
                        schedule_send(u, u->last_send + PING_FLOOD_INTERVAL);
                else
                        /* Drift-free: probe N is due at start + N * interval. If the loop fell
                         * behind, the next one goes out at once. */
                        schedule_send(u, p->start + u->next_seq * p->conf.interval);
        }
        maybe_finish(u);
        return 0;
}

static int on_timeout_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        PingUdp *u = userdata;
        Ping *p = u->ping;
        nsec_t now = ping_now(CLOCK_MONOTONIC);
        uint64_t seq;

        while (stats_expire(p->stats, now, p->conf.timeout, &seq) > 0)
                emit_timeout(u, seq);
        arm_timeout(u);

        /* -f: a lost probe must not stall the flood longer than the flood interval (the
         * send timer covers that); nothing else to do here. */
        maybe_finish(u);
        return 0;
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

static void handle_reply(PingUdp *u, const uint8_t *buf, size_t len, nsec_t t) {
        Ping *p = u->ping;
        Probe pr;
        nsec_t rtt = 0;
        bool reordered = false;

        if (probe_decode(buf, len, &pr) < 0 && decode_lab_reply(buf, len, &pr) < 0) {
                u->invalid++;
                if (!u->told_invalid)
                        log_warning("Ignoring a %zu-byte reply that is not a netlab probe", len);
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

        StatsVerdict v = stats_on_reply(p->stats, pr.seq, t, p->conf.timeout, &rtt, &reordered);
        if (v == STATS_VERDICT_UNKNOWN || v == STATS_VERDICT_STALE) {
                log_debug("Ignoring reply to %s probe %llu", v == STATS_VERDICT_STALE ? "stale" : "unknown",
                          (unsigned long long) pr.seq);
                return;
        }

        if (v == STATS_VERDICT_LATE)
                u->max_late_rtt = MAX(u->max_late_rtt, rtt);

        PingEvent e = {
                .kind = v == STATS_VERDICT_REPLY ? PING_EVENT_REPLY :
                        v == STATS_VERDICT_LATE ? PING_EVENT_LATE : PING_EVENT_DUP,
                .seq = pr.seq,
                .wall_usec = ping_now(CLOCK_REALTIME) / NSEC_PER_USEC,
                .bytes = len,
                .rtt = rtt,
                .reordered = reordered,
        };

        if (pr.flags & PROBE_FLAG_REPLY) {
                stats_on_server(p->stats, pr.seq, &(StatsServerInfo) {
                        .server_rx_usec = pr.server_rx_usec,
                        .server_tx_usec = pr.server_tx_usec,
                        .flow_received = pr.flow_received,
                        .flow_dropped = pr.flow_dropped,
                });
                e.has_server = true;
                e.server_hold = pr.server_tx_usec >= pr.server_rx_usec ?
                                (pr.server_tx_usec - pr.server_rx_usec) * NSEC_PER_USEC : 0;
        } else {
                p->stats->unstamped++;
                if (!u->told_unstamped && !p->stats->server_stamps)
                        log_notice("Replies carry no netlab server stamps (plain echo server): "
                                   "reporting RTT and loss only");
                u->told_unstamped = true;
        }

        ping_emit(p, &e);

        /* -f (ping's flood): the next probe goes out as soon as a reply comes back, or
         * after PING_FLOOD_INTERVAL; a duplicate does not count as a reply. Sent from here,
         * not through the timer, so a round trip costs no extra loop iteration. */
        if (p->conf.flood && !p->sending_done && v != STATS_VERDICT_DUP) {
                int r = send_probe(u);
                if (r < 0) {
                        log_error_errno(r, "Failed to send probe: %m");
                        ping_finish(p, r);
                }
        }
}

static const char *icmp_reason(const struct sock_extended_err *ee) {
        if (ee->ee_origin == SO_EE_ORIGIN_ICMP && ee->ee_type == ICMP_DEST_UNREACH)
                switch (ee->ee_code) {
                case ICMP_PORT_UNREACH:
                        return "Destination port unreachable";
                case ICMP_HOST_UNREACH:
                        return "Destination host unreachable";
                case ICMP_NET_UNREACH:
                        return "Destination net unreachable";
                case ICMP_PROT_UNREACH:
                        return "Destination protocol unreachable";
                case ICMP_FRAG_NEEDED:
                        return "Fragmentation needed";
                default:
                        return "Destination unreachable";
                }
        if (ee->ee_origin == SO_EE_ORIGIN_ICMP6 && ee->ee_type == ICMP6_DST_UNREACH)
                return ee->ee_code == ICMP6_DST_UNREACH_NOPORT ? "Destination port unreachable" :
                                                                 "Destination unreachable";
        if (ee->ee_origin == SO_EE_ORIGIN_ICMP && ee->ee_type == ICMP_TIME_EXCEEDED)
                return "Time to live exceeded";
        if (ee->ee_origin == SO_EE_ORIGIN_ICMP6 && ee->ee_type == ICMP6_TIME_EXCEEDED)
                return "Hop limit exceeded";
        return NULL;
}

/* IP_RECVERR: each queued error carries the ICMP type/code and, as data, the payload of
 * the datagram that caused it — our probe header, hence the sequence number. */
static void drain_errqueue(PingUdp *u) {
        Ping *p = u->ping;

        for (int i = 0; i < RECV_BATCH; i++) {
                uint8_t data[PROBE_HEADER_SIZE + 64];
                union {
                        struct cmsghdr align;
                        uint8_t buf[CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(struct sockaddr_in6))];
                } control;
                struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
                struct msghdr mh = {
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = &control,
                        .msg_controllen = sizeof(control),
                };
                const struct sock_extended_err *ee = NULL;
                Probe pr;

                ssize_t n = recvmsg(u->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
                if (n < 0)
                        return;

                for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                        if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                            (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR))
                                ee = (const struct sock_extended_err *) CMSG_DATA(c);
                if (!ee)
                        continue;

                const char *reason = icmp_reason(ee);
                if (!reason)
                        continue;
                if (probe_decode(data, (size_t) n, &pr) < 0 || pr.session_id != u->session_id) {
                        log_debug("ICMP error for a datagram that is not ours: %s", reason);
                        continue;
                }
                if (stats_on_error(p->stats, pr.seq) < 0)
                        continue;       /* already settled (e.g. timed out before the ICMP came) */

                ping_emit(p, &(PingEvent) {
                        .kind = PING_EVENT_UNREACHABLE,
                        .seq = pr.seq,
                        .wall_usec = ping_now(CLOCK_REALTIME) / NSEC_PER_USEC,
                        .error = reason,
                });
        }
}

static void drain_replies(PingUdp *u) {
        for (int i = 0; i < RECV_BATCH; i++) {
                union {
                        struct cmsghdr align;
                        uint8_t buf[CMSG_SPACE(sizeof(struct timespec))];
                } control;
                struct iovec iov = { .iov_base = u->recv_buf, .iov_len = sizeof(u->recv_buf) };
                struct msghdr mh = {
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = &control,
                        .msg_controllen = sizeof(control),
                };
                const struct timespec *stamp = NULL;

                ssize_t n = recvmsg(u->fd, &mh, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == ECONNREFUSED)
                                continue;       /* the error queue says which probe */
                        if (errno != EAGAIN && errno != EINTR)
                                log_debug_errno(errno, "Failed to receive, ignoring: %m");
                        return;
                }

                for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS)
                                stamp = (const struct timespec *) CMSG_DATA(c);

                handle_reply(u, u->recv_buf, (size_t) n, ping_receive_time(u->ping->stats, stamp));
        }
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        PingUdp *u = userdata;

        if (revents & EPOLLERR)
                drain_errqueue(u);
        if (revents & EPOLLIN)
                drain_replies(u);

        arm_timeout(u);
        maybe_finish(u);
        return 0;
}

int ping_udp_new(Ping *p, PingUdp **ret) {
        const int one = 1;
        int r;

        assert(p);
        assert(ret);

        PingUdp *u = calloc(1, sizeof(PingUdp));
        if (!u)
                return -ENOMEM;
        _cleanup_(ping_udp_freep) PingUdp *cleanup = u;
        u->fd = -EBADF;
        u->ping = p;

        u->send_buf = calloc(1, p->conf.size);
        if (!u->send_buf)
                return -ENOMEM;

        if (getrandom(&u->session_id, sizeof(u->session_id), 0) != sizeof(u->session_id))
                u->session_id = ping_now(CLOCK_REALTIME) ^ ((uint64_t) getpid() << 32);
        /* Kurose & Ross's UDP Pinger server answers message.upper() to probes too (netlabd
         * never does): a session id without ASCII a-z bytes comes back unchanged, so the
         * replies stay ours. Costs under a bit of the 64. */
        for (unsigned i = 0; i < 64; i += 8)
                if (((u->session_id >> i) & 0xff) >= 'a' && ((u->session_id >> i) & 0xff) <= 'z')
                        u->session_id &= ~((uint64_t) 0x20 << i);

        int family = p->addr.ss_family;
        u->fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (u->fd < 0)
                return -errno;

        if (setsockopt(u->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
                return -errno;
        if (family == AF_INET6) {
                if (setsockopt(u->fd, SOL_IPV6, IPV6_RECVERR, &one, sizeof(one)) < 0)
                        return -errno;
        } else if (setsockopt(u->fd, SOL_IP, IP_RECVERR, &one, sizeof(one)) < 0)
                return -errno;

        /* Connected: the kernel then filters replies to our peer and reports its ICMP errors. */
        if (connect(u->fd, (const struct sockaddr *) &p->addr, p->addr_len) < 0)
                return -errno;

        r = sd_event_add_io(p->event, &u->io_source, u->fd, EPOLLIN, on_io, u);
        if (r < 0)
                return r;
        r = sd_event_add_time(p->event, &u->send_source, CLOCK_MONOTONIC, 0, 1, on_send_timer, u);
        if (r < 0)
                return r;
        r = sd_event_add_time(p->event, &u->timeout_source, CLOCK_MONOTONIC, USEC_INFINITY, 1,
                              on_timeout_timer, u);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(u->timeout_source, SD_EVENT_OFF);
        r = sd_event_add_time(p->event, &u->final_source, CLOCK_MONOTONIC, USEC_INFINITY, 1,
                              on_final_timer, u);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(u->final_source, SD_EVENT_OFF);
        /* Replies before the send timer: a reply settles a probe before its timeout is
         * checked in the same iteration. */
        (void) sd_event_source_set_priority(u->io_source, SD_EVENT_PRIORITY_IMPORTANT);

        *ret = TAKE_PTR(cleanup);
        return 0;
}
