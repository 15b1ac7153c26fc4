/* ping_dgram.c — the datagram prober under netlab-ping's UDP and STAMP modes: probe N at
 * start + N*interval (loss does not slow the schedule), replies read with their kernel
 * receive stamp (SO_TIMESTAMPNS) and handed to the mode, ICMP errors (IP_RECVERR) settled
 * per probe, and a timer at the oldest in-flight probe's timeout. Calls stats.c, ping.c,
 * the mode's PingDgramOps and sd-event. */
#include <assert.h>
#include <errno.h>
#include <time.h>
#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/ip_icmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "i18n.h"
#include "log.h"
#include "ping_dgram.h"

void ping_dgram_done(PingDgram *d) {
        if (!d || !d->ping)
                return;         /* zeroed, never initialised: fd 0 is not ours */
        d->io_source = sd_event_source_disable_unref(d->io_source);
        d->send_source = sd_event_source_disable_unref(d->send_source);
        d->timeout_source = sd_event_source_disable_unref(d->timeout_source);
        d->fd = safe_close(d->fd);
        free(d->send_buf);
        d->send_buf = NULL;
}

static void maybe_finish(PingDgram *d) {
        if (d->ops->maybe_finish)
                d->ops->maybe_finish(d->userdata);
        else
                ping_maybe_finish(d->ping);
}

static void arm_timeout(PingDgram *d) {
        Ping *p = d->ping;
        int enabled = SD_EVENT_OFF;

        /* The earliest deadline only moves when the oldest probe settles, and then the
         * timer fires, finds nothing due and re-arms: no need to touch it per send. */
        (void) sd_event_source_get_enabled(d->timeout_source, &enabled);
        if (enabled != SD_EVENT_OFF)
                return;

        nsec_t t = stats_next_deadline(p->stats, p->conf.timeout);
        if (t == NSEC_INFINITY)
                return;
        (void) sd_event_source_set_time(d->timeout_source, ping_usec_ceil(t));
        (void) sd_event_source_set_enabled(d->timeout_source, SD_EVENT_ONESHOT);
}

static void emit_timeout(PingDgram *d, uint64_t seq) {
        ping_emit(d->ping, &(PingEvent) {
                .kind = PING_EVENT_TIMEOUT,
                .seq = seq,
                .wall_usec = ping_now(CLOCK_REALTIME) / NSEC_PER_USEC,
        });
}

static void schedule_send(PingDgram *d, nsec_t when) {
        (void) sd_event_source_set_time(d->send_source, ping_usec_ceil(when));
        (void) sd_event_source_set_enabled(d->send_source, SD_EVENT_ONESHOT);
}

void ping_dgram_stop(PingDgram *d) {
        if (!d || !d->ping)
                return;
        d->ping->sending_done = true;
        (void) sd_event_source_set_enabled(d->send_source, SD_EVENT_OFF);
}

/* Sends probe next_seq. Errors the network reports for this send (no route, ICMP error
 * pending) end the probe as failed; only a broken socket or encoder fails the run. */
static int send_probe(PingDgram *d) {
        Ping *p = d->ping;
        uint64_t seq = d->next_seq, evicted;
        ssize_t n;
        int r;

        r = d->ops->encode(d->userdata, seq, d->send_buf, p->conf.size);
        if (r < 0)
                return r;

        nsec_t t = ping_now(CLOCK_MONOTONIC);
        d->last_send = t;
        for (int attempt = 0;; attempt++) {
                n = send(d->fd, d->send_buf, p->conf.size, MSG_DONTWAIT);
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
                r = ping_arm_deadline(p);
                if (r < 0)
                        return r;
        }

        d->next_seq++;
        if (stats_on_send(p->stats, seq, t, &evicted) > 0)
                emit_timeout(d, evicted);

        if (n < 0) {
                int e = errno;

                (void) stats_on_error(p->stats, seq);
                ping_emit(p, &(PingEvent) {
                                     .kind = PING_EVENT_UNREACHABLE,
                                     .seq = seq,
                                     .wall_usec = ping_now(CLOCK_REALTIME) / NSEC_PER_USEC,
                                     .error = strerrordesc_np(e), /* English: JSON; text looks it up in "libc" */
                             });
        }

        if (ping_count_reached(p, d->next_seq))
                ping_dgram_stop(d);

        arm_timeout(d);
        return 0;
}

static int on_send_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        PingDgram *d = userdata;
        Ping *p = d->ping;
        int r;

        if (p->sending_done)
                return 0;

        /* -f: replies send the next probe themselves (ping_dgram_emit_reply); this timer is
         * only the fallback when none came for PING_FLOOD_INTERVAL. It is moved lazily,
         * here, rather than re-armed per probe, which would cost a timerfd_settime() per
         * probe. */
        if (p->conf.flood && p->started &&
            ping_now(CLOCK_MONOTONIC) < d->last_send + PING_FLOOD_INTERVAL) {
                schedule_send(d, d->last_send + PING_FLOOD_INTERVAL);
                return 0;
        }

        r = send_probe(d);
        if (r < 0) {
                log_error_errno(r, _("Failed to send probe: %m"));
                ping_finish(p, r);
                return 0;
        }

        if (!p->sending_done) {
                if (p->conf.flood)
                        schedule_send(d, d->last_send + PING_FLOOD_INTERVAL);
                else
                        /* Drift-free: probe N is due at start + N * interval. If the loop fell
                         * behind, the next one goes out at once. */
                        schedule_send(d, p->start + d->next_seq * p->conf.interval);
        }
        maybe_finish(d);
        return 0;
}

static int on_timeout_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        PingDgram *d = userdata;
        Ping *p = d->ping;
        nsec_t now = ping_now(CLOCK_MONOTONIC);
        uint64_t seq;

        while (stats_expire(p->stats, now, p->conf.timeout, &seq) > 0)
                emit_timeout(d, seq);
        arm_timeout(d);

        /* -f: a lost probe must not stall the flood longer than the flood interval (the
         * send timer covers that); nothing else to do here. */
        maybe_finish(d);
        return 0;
}

bool ping_dgram_match(PingDgram *d, uint64_t seq, size_t len, nsec_t t, PingEvent *ret) {
        Ping *p = d->ping;
        nsec_t rtt = 0;
        bool reordered = false;

        assert(ret);

        StatsVerdict v = stats_on_reply(p->stats, seq, t, p->conf.timeout, &rtt, &reordered);
        if (v == STATS_VERDICT_UNKNOWN || v == STATS_VERDICT_STALE) {
                log_debug("Ignoring reply to %s probe %llu", v == STATS_VERDICT_STALE ? "stale" : "unknown",
                          (unsigned long long) seq);
                return false;
        }

        if (v == STATS_VERDICT_LATE)
                d->max_late_rtt = MAX(d->max_late_rtt, rtt);

        *ret = (PingEvent) {
                .kind = v == STATS_VERDICT_REPLY ? PING_EVENT_REPLY :
                        v == STATS_VERDICT_LATE ? PING_EVENT_LATE : PING_EVENT_DUP,
                .seq = seq,
                .wall_usec = ping_now(CLOCK_REALTIME) / NSEC_PER_USEC,
                .bytes = len,
                .rtt = rtt,
                .reordered = reordered,
        };
        return true;
}

void ping_dgram_emit_reply(PingDgram *d, const PingEvent *e) {
        Ping *p = d->ping;

        ping_emit(p, e);

        /* -f (ping's flood): the next probe goes out as soon as a reply comes back, or
         * after PING_FLOOD_INTERVAL; a duplicate does not count as a reply. Sent from here,
         * not through the timer, so a round trip costs no extra loop iteration. */
        if (p->conf.flood && !p->sending_done && e->kind != PING_EVENT_DUP) {
                int r = send_probe(d);
                if (r < 0) {
                        log_error_errno(r, _("Failed to send probe: %m"));
                        ping_finish(p, r);
                }
        }
}

static const char *icmp_reason(const struct sock_extended_err *ee) {
        if (ee->ee_origin == SO_EE_ORIGIN_ICMP && ee->ee_type == ICMP_DEST_UNREACH)
                switch (ee->ee_code) {
                case ICMP_PORT_UNREACH:
                        return N_("Destination port unreachable");
                case ICMP_HOST_UNREACH:
                        return N_("Destination host unreachable");
                case ICMP_NET_UNREACH:
                        return N_("Destination net unreachable");
                case ICMP_PROT_UNREACH:
                        return N_("Destination protocol unreachable");
                case ICMP_FRAG_NEEDED:
                        return N_("Fragmentation needed");
                default:
                        return N_("Destination unreachable");
                }
        if (ee->ee_origin == SO_EE_ORIGIN_ICMP6 && ee->ee_type == ICMP6_DST_UNREACH)
                return ee->ee_code == ICMP6_DST_UNREACH_NOPORT ? N_("Destination port unreachable") :
                                                                 N_("Destination unreachable");
        if (ee->ee_origin == SO_EE_ORIGIN_ICMP && ee->ee_type == ICMP_TIME_EXCEEDED)
                return N_("Time to live exceeded");
        if (ee->ee_origin == SO_EE_ORIGIN_ICMP6 && ee->ee_type == ICMP6_TIME_EXCEEDED)
                return N_("Hop limit exceeded");
        return NULL;
}

/* What one recvmsg() read besides the data: the control messages of either queue (a
 * receive stamp, or an extended error and the offender's address), and pointers into
 * them. */
typedef struct RecvInfo {
        union {
                struct cmsghdr align;
                uint8_t buf[CMSG_SPACE(sizeof(struct timespec)) +
                            CMSG_SPACE(sizeof(struct sock_extended_err) + sizeof(SockAddr))];
        } control;
        const struct timespec *stamp;           /* SCM_TIMESTAMPNS, or NULL */
        const struct sock_extended_err *ee;     /* IP_RECVERR / IPV6_RECVERR, or NULL */
} RecvInfo;

/* Reads one datagram (or, with MSG_ERRQUEUE, one queued error) into buf[0..size) without
 * blocking. Returns its length, or a negative errno from recvmsg(). */
static ssize_t recv_one(int fd, void *buf, size_t size, int flags, RecvInfo *ret) {
        struct iovec iov = { .iov_base = buf, .iov_len = size };
        struct msghdr mh = {
                .msg_iov = &iov,
                .msg_iovlen = 1,
                .msg_control = &ret->control,
                .msg_controllen = sizeof(ret->control),
        };

        ret->stamp = NULL;
        ret->ee = NULL;
        ssize_t n = recvmsg(fd, &mh, flags | MSG_DONTWAIT);
        if (n < 0)
                return -errno;

        for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS)
                        ret->stamp = (const struct timespec *) CMSG_DATA(c);
                else if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                         (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR))
                        ret->ee = (const struct sock_extended_err *) CMSG_DATA(c);
        return n;
}

/* IP_RECVERR: each queued error carries the ICMP type/code and, as data, the payload of
 * the datagram that caused it: our probe, hence its sequence number. */
static void drain_errqueue(PingDgram *d) {
        Ping *p = d->ping;

        for (int i = 0; i < PING_DGRAM_RECV_BATCH; i++) {
                uint8_t data[PING_DGRAM_QUOTED_MAX];
                RecvInfo info;
                uint64_t seq;

                ssize_t n = recv_one(d->fd, data, d->ops->quoted_max, MSG_ERRQUEUE, &info);
                if (n < 0)
                        return;
                if (!info.ee)
                        continue;

                const char *reason = icmp_reason(info.ee);
                if (!reason)
                        continue;
                if (d->ops->decode_quoted(d->userdata, data, (size_t) n, &seq) < 0) {
                        log_debug("ICMP error for a datagram that is not ours: %s", reason);
                        continue;
                }
                if (stats_on_error(p->stats, seq) < 0)
                        continue;       /* already settled (e.g. timed out before the ICMP came) */

                ping_emit(p, &(PingEvent) {
                        .kind = PING_EVENT_UNREACHABLE,
                        .seq = seq,
                        .wall_usec = ping_now(CLOCK_REALTIME) / NSEC_PER_USEC,
                        .error = reason,
                });
        }
}

static void drain_replies(PingDgram *d) {
        for (int i = 0; i < PING_DGRAM_RECV_BATCH; i++) {
                RecvInfo info;

                ssize_t n = recv_one(d->fd, d->recv_buf, sizeof(d->recv_buf), 0, &info);
                if (n == -ECONNREFUSED)
                        continue;       /* the error queue says which probe */
                if (n < 0) {
                        if (n != -EAGAIN && n != -EINTR)
                                log_debug_errno((int) n, "Failed to receive, ignoring: %m");
                        return;
                }

                d->ops->on_reply(d->userdata, d->recv_buf, (size_t) n, ping_receive_time(d->ping->stats, info.stamp));
        }
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        PingDgram *d = userdata;

        if (revents & EPOLLERR)
                drain_errqueue(d);
        if (revents & EPOLLIN)
                drain_replies(d);

        arm_timeout(d);
        maybe_finish(d);
        return 0;
}

int ping_dgram_init(PingDgram *d, Ping *p, const PingDgramOps *ops, void *userdata) {
        const int one = 1;
        int r;

        assert(d);
        assert(p);
        assert(ops && ops->encode && ops->on_reply && ops->decode_quoted);
        assert(ops->quoted_max > 0 && ops->quoted_max <= PING_DGRAM_QUOTED_MAX);

        d->fd = -EBADF;
        d->ping = p;
        d->ops = ops;
        d->userdata = userdata;

        d->send_buf = calloc(1, p->conf.size);
        if (!d->send_buf)
                return -ENOMEM;

        int family = p->addr.sa.sa_family;
        d->fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (d->fd < 0)
                return -errno;

        if (setsockopt(d->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
                return -errno;
        if (family == AF_INET6) {
                if (setsockopt(d->fd, SOL_IPV6, IPV6_RECVERR, &one, sizeof(one)) < 0)
                        return -errno;
        } else if (setsockopt(d->fd, SOL_IP, IP_RECVERR, &one, sizeof(one)) < 0)
                return -errno;

        /* Connected: the kernel then filters replies to our peer and reports its ICMP errors. */
        if (connect(d->fd, &p->addr.sa, sockaddr_len(&p->addr)) < 0)
                return -errno;

        r = sd_event_add_io(p->event, &d->io_source, d->fd, EPOLLIN, on_io, d);
        if (r < 0)
                return r;
        r = sd_event_add_time(p->event, &d->send_source, CLOCK_MONOTONIC, 0, 1, on_send_timer, d);
        if (r < 0)
                return r;
        r = sd_event_add_time(p->event, &d->timeout_source, CLOCK_MONOTONIC, USEC_INFINITY, 1,
                              on_timeout_timer, d);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(d->timeout_source, SD_EVENT_OFF);
        /* Replies before the send timer: a reply settles a probe before its timeout is
         * checked in the same iteration. */
        (void) sd_event_source_set_priority(d->io_source, SD_EVENT_PRIORITY_IMPORTANT);
        return 0;
}
