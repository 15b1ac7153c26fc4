/* ping_stamp.c — the STAMP Session-Sender of netlab-ping (--stamp). Same shape as
 * ping_udp.c: a timer sends test packet N at start + N*interval (built by stamp.c with
 * the sender's clock state from clock_sync.c), the socket's io source reads replies with
 * their kernel receive stamp and hands them to stats.c, ICMP errors come from the error
 * queue, a second timer expires the oldest probe. What differs is the packet: STAMP's
 * 32-bit sequence number, a random SSID per run, and the reflector's T2/T3, TTL and
 * Direct Measurement counters read back from each reply. */
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

#include "clock_sync.h"
#include "i18n.h"
#include "log.h"
#include "ping_stamp.h"
#include "stamp.h"

#define RECV_BATCH 64
#define CLOCK_REFRESH_NSEC NSEC_PER_SEC /* re-read adjtimex() at most once a second */

struct PingStamp {
        Ping *ping;
        int fd;
        uint16_t ssid;
        bool direct_measurement;
        uint64_t next_seq;
        nsec_t last_send;
        ClockSync clock;
        nsec_t clock_read;
        sd_event_source *io_source;
        sd_event_source *send_source;
        sd_event_source *timeout_source;
        uint8_t *send_buf;
        uint8_t recv_buf[PING_SIZE_MAX + 1];
        bool told_invalid, told_no_dm, told_no_ssid;
        uint64_t foreign;               /* replies carrying another session's SSID */
        uint64_t invalid;               /* datagrams too short to be STAMP */
};

PingStamp *ping_stamp_free(PingStamp *s) {
        if (!s)
                return NULL;
        sd_event_source_disable_unref(s->io_source);
        sd_event_source_disable_unref(s->send_source);
        sd_event_source_disable_unref(s->timeout_source);
        safe_close(s->fd);
        free(s->send_buf);
        free(s);
        return NULL;
}

static void arm_timeout(PingStamp *s) {
        Ping *p = s->ping;
        int enabled = SD_EVENT_OFF;

        (void) sd_event_source_get_enabled(s->timeout_source, &enabled);
        if (enabled != SD_EVENT_OFF)
                return;

        nsec_t d = stats_next_deadline(p->stats, p->conf.timeout);
        if (d == NSEC_INFINITY)
                return;
        (void) sd_event_source_set_time(s->timeout_source, ping_usec_ceil(d));
        (void) sd_event_source_set_enabled(s->timeout_source, SD_EVENT_ONESHOT);
}

static void emit_timeout(PingStamp *s, uint64_t seq) {
        ping_emit(s->ping, &(PingEvent) {
                .kind = PING_EVENT_TIMEOUT,
                .seq = seq,
                .wall_usec = ping_now(CLOCK_REALTIME) / NSEC_PER_USEC,
        });
}

static void schedule_send(PingStamp *s, nsec_t when) {
        (void) sd_event_source_set_time(s->send_source, ping_usec_ceil(when));
        (void) sd_event_source_set_enabled(s->send_source, SD_EVENT_ONESHOT);
}

void ping_stamp_stop(PingStamp *s) {
        if (!s)
                return;
        s->ping->sending_done = true;
        (void) sd_event_source_set_enabled(s->send_source, SD_EVENT_OFF);
}

/* STAMP numbers are 32 bits; ours count from 0 in 64. A reply's number is the one of
 * the latest 2^32 sent that ends in those bits. */
static uint64_t widen_seq(const PingStamp *s, uint32_t seq32) {
        uint64_t seq = (s->next_seq & ~UINT64_C(0xffffffff)) | seq32;

        if (seq >= s->next_seq && seq >= (UINT64_C(1) << 32))
                seq -= UINT64_C(1) << 32;
        return seq;
}

static int send_probe(PingStamp *s) {
        Ping *p = s->ping;
        uint64_t seq = s->next_seq, evicted;
        ssize_t n;
        int r;

        nsec_t t = ping_now(CLOCK_MONOTONIC);
        if (s->clock_read == 0 || t - s->clock_read >= CLOCK_REFRESH_NSEC) {
                r = clock_sync_read(&s->clock);
                if (r < 0)
                        log_debug_errno(r, "Failed to read the clock state, sending S=0: %m");
                s->clock_read = t;
        }

        r = stamp_build_sender(s->send_buf, p->conf.size, &(StampSenderParams) {
                .seq = (uint32_t) seq,
                .tx_ns = ping_now(CLOCK_REALTIME),
                .clock = s->clock,
                .ssid = s->ssid,
                .direct_measurement = s->direct_measurement,
                .tx_count = (uint32_t) (seq + 1),        /* S_TxC: sent so far, this one included */
        });
        if (r < 0)
                return r;

        t = ping_now(CLOCK_MONOTONIC);
        s->last_send = t;
        for (int attempt = 0;; attempt++) {
                n = send(s->fd, s->send_buf, p->conf.size, MSG_DONTWAIT);
                if (n < 0 && errno == ECONNREFUSED && attempt == 0)
                        continue;       /* a pending ICMP error; the error queue has it */
                break;
        }
        if (n < 0 && (errno == EAGAIN || errno == ENOBUFS || errno == EINTR)) {
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

        s->next_seq++;
        if (stats_on_send(p->stats, seq, t, &evicted) > 0)
                emit_timeout(s, evicted);

        if (n < 0) {
                int e = errno;

                (void) stats_on_error(p->stats, seq);
                ping_emit(p, &(PingEvent) {
                        .kind = PING_EVENT_UNREACHABLE,
                        .seq = seq,
                        .wall_usec = ping_now(CLOCK_REALTIME) / NSEC_PER_USEC,
                        .error = strerrordesc_np(e),       /* English: JSON; text looks it up in "libc" */
                });
        }

        if (ping_count_reached(p, s->next_seq))
                ping_stamp_stop(s);

        arm_timeout(s);
        return 0;
}

static int on_send_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        PingStamp *s = userdata;
        Ping *p = s->ping;
        int r;

        if (p->sending_done)
                return 0;

        if (p->conf.flood && p->started &&
            ping_now(CLOCK_MONOTONIC) < s->last_send + PING_FLOOD_INTERVAL) {
                schedule_send(s, s->last_send + PING_FLOOD_INTERVAL);
                return 0;
        }

        r = send_probe(s);
        if (r < 0) {
                log_error_errno(r, _("Failed to send probe: %m"));
                ping_finish(p, r);
                return 0;
        }

        if (!p->sending_done) {
                if (p->conf.flood)
                        schedule_send(s, s->last_send + PING_FLOOD_INTERVAL);
                else
                        schedule_send(s, p->start + s->next_seq * p->conf.interval);
        }
        ping_maybe_finish(p);
        return 0;
}

static int on_timeout_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        PingStamp *s = userdata;
        Ping *p = s->ping;
        nsec_t now = ping_now(CLOCK_MONOTONIC);
        uint64_t seq;

        while (stats_expire(p->stats, now, p->conf.timeout, &seq) > 0)
                emit_timeout(s, seq);
        arm_timeout(s);
        ping_maybe_finish(p);
        return 0;
}

static void handle_reply(PingStamp *s, const uint8_t *buf, size_t len, nsec_t t) {
        Ping *p = s->ping;
        StampReflectorPacket rp;
        nsec_t rtt = 0;
        bool reordered = false;

        if (stamp_parse_reflector(buf, len, &rp) < 0) {
                s->invalid++;
                if (!s->told_invalid)
                        log_warning(_("Ignoring a %zu-byte reply that is not a STAMP packet"), len);
                s->told_invalid = true;
                return;
        }
        /* RFC 8972 §3: a reflector that does not know SSIDs returns the field zeroed; we
         * go on (the MAY to stop is ours to decline) and say so once. */
        if (rp.ssid == 0) {
                if (!s->told_no_ssid)
                        log_notice(_("The reflector returns no SSID (RFC 8762 only): matching replies by "
                                     "sequence number alone"));
                s->told_no_ssid = true;
        } else if (rp.ssid != s->ssid) {
                s->foreign++;
                return;
        }

        uint64_t seq = widen_seq(s, rp.sender_seq);
        StatsVerdict v = stats_on_reply(p->stats, seq, t, p->conf.timeout, &rtt, &reordered);
        if (v == STATS_VERDICT_UNKNOWN || v == STATS_VERDICT_STALE) {
                log_debug("Ignoring reply to %s probe %llu", v == STATS_VERDICT_STALE ? "stale" : "unknown",
                          (unsigned long long) seq);
                return;
        }

        /* T2 and T3 come from the reflector's one clock: their difference is its hold time
         * whatever that clock's offset from ours. */
        bool ptp = rp.error_estimate & STAMP_ERR_Z;
        uint64_t t2 = stamp_timestamp_to_ns(rp.receive_timestamp, ptp, 0);
        uint64_t t3 = stamp_timestamp_to_ns(rp.timestamp, ptp, 0);

        PingEvent e = {
                .kind = v == STATS_VERDICT_REPLY ? PING_EVENT_REPLY :
                        v == STATS_VERDICT_LATE ? PING_EVENT_LATE : PING_EVENT_DUP,
                .seq = seq,
                .wall_usec = ping_now(CLOCK_REALTIME) / NSEC_PER_USEC,
                .bytes = len,
                .rtt = rtt,
                .reordered = reordered,
                .has_server = true,
                .server_hold = t3 >= t2 ? t3 - t2 : 0,
                .ttl = rp.sender_ttl,
        };

        /* RFC 8972 §4.5 with a stateful reflector: R_RxC counts our packets it received,
         * R_TxC its replies, so R_RxC - R_TxC is what it held back (netlabd: emulated loss);
         * stats.c turns that into upstream/emulated/downstream. A stateless reflector has
         * no per-session count and leaves R_RxC 0. */
        if (rp.has_dm && rp.r_rxc > 0)
                stats_on_server(p->stats, seq, &(StatsServerInfo) {
                        .server_rx_usec = t2 / NSEC_PER_USEC,
                        .server_tx_usec = t3 / NSEC_PER_USEC,
                        .flow_received = rp.r_rxc,
                        .flow_dropped = rp.r_rxc >= rp.r_txc ? rp.r_rxc - rp.r_txc : 0,
                });
        else if (s->direct_measurement && !s->told_no_dm) {
                log_notice(_("The reflector does not fill the Direct Measurement TLV (stateless, or no "
                             "RFC 8972): loss is not split"));
                s->told_no_dm = true;
        }

        ping_emit(p, &e);

        if (p->conf.flood && !p->sending_done && v != STATS_VERDICT_DUP) {
                int r = send_probe(s);
                if (r < 0) {
                        log_error_errno(r, _("Failed to send probe: %m"));
                        ping_finish(p, r);
                }
        }
}

static const char *icmp_reason(const struct sock_extended_err *ee) {
        if (ee->ee_origin == SO_EE_ORIGIN_ICMP && ee->ee_type == ICMP_DEST_UNREACH)
                return ee->ee_code == ICMP_PORT_UNREACH ? N_("Destination port unreachable") :
                       ee->ee_code == ICMP_HOST_UNREACH ? N_("Destination host unreachable") :
                       ee->ee_code == ICMP_NET_UNREACH ? N_("Destination net unreachable") :
                                                         N_("Destination unreachable");
        if (ee->ee_origin == SO_EE_ORIGIN_ICMP6 && ee->ee_type == ICMP6_DST_UNREACH)
                return ee->ee_code == ICMP6_DST_UNREACH_NOPORT ? N_("Destination port unreachable") :
                                                                 N_("Destination unreachable");
        if (ee->ee_origin == SO_EE_ORIGIN_ICMP && ee->ee_type == ICMP_TIME_EXCEEDED)
                return N_("Time to live exceeded");
        if (ee->ee_origin == SO_EE_ORIGIN_ICMP6 && ee->ee_type == ICMP6_TIME_EXCEEDED)
                return N_("Hop limit exceeded");
        return NULL;
}

/* IP_RECVERR: the queued error carries our test packet, hence its sequence number and
 * SSID (octets 0-3 and 14-15). */
static void drain_errqueue(PingStamp *s) {
        Ping *p = s->ping;

        for (int i = 0; i < RECV_BATCH; i++) {
                uint8_t data[STAMP_BASE_SIZE];
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
                StampSenderPacket sp;

                ssize_t n = recvmsg(s->fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT);
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
                if (stamp_parse_sender(data, (size_t) n, &sp) < 0 || sp.ssid != s->ssid)
                        continue;
                uint64_t seq = widen_seq(s, sp.seq);
                if (stats_on_error(p->stats, seq) < 0)
                        continue;

                ping_emit(p, &(PingEvent) {
                        .kind = PING_EVENT_UNREACHABLE,
                        .seq = seq,
                        .wall_usec = ping_now(CLOCK_REALTIME) / NSEC_PER_USEC,
                        .error = reason,
                });
        }
}

static void drain_replies(PingStamp *s) {
        for (int i = 0; i < RECV_BATCH; i++) {
                union {
                        struct cmsghdr align;
                        uint8_t buf[CMSG_SPACE(sizeof(struct timespec))];
                } control;
                struct iovec iov = { .iov_base = s->recv_buf, .iov_len = sizeof(s->recv_buf) };
                struct msghdr mh = {
                        .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = &control,
                        .msg_controllen = sizeof(control),
                };
                const struct timespec *stamp = NULL;

                ssize_t n = recvmsg(s->fd, &mh, MSG_DONTWAIT);
                if (n < 0) {
                        if (errno == ECONNREFUSED)
                                continue;
                        if (errno != EAGAIN && errno != EINTR)
                                log_debug_errno(errno, "Failed to receive, ignoring: %m");
                        return;
                }

                for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
                        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS)
                                stamp = (const struct timespec *) CMSG_DATA(c);

                handle_reply(s, s->recv_buf, (size_t) n, ping_receive_time(s->ping->stats, stamp));
        }
}

static int on_io(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        PingStamp *s = userdata;

        if (revents & EPOLLERR)
                drain_errqueue(s);
        if (revents & EPOLLIN)
                drain_replies(s);

        arm_timeout(s);
        ping_maybe_finish(s->ping);
        return 0;
}

int ping_stamp_new(Ping *p, PingStamp **ret) {
        const int one = 1;
        int r;

        assert(p);
        assert(ret);

        bool dm = p->conf.size >= STAMP_SENDER_DM_SIZE;
        if (!stamp_sender_size_ok(p->conf.size, dm))
                return -EINVAL;

        PingStamp *s = calloc(1, sizeof(PingStamp));
        if (!s)
                return -ENOMEM;
        _cleanup_(ping_stamp_freep) PingStamp *cleanup = s;
        s->fd = -EBADF;
        s->ping = p;
        s->direct_measurement = dm;

        s->send_buf = calloc(1, p->conf.size);
        if (!s->send_buf)
                return -ENOMEM;

        /* RFC 8972 §3: a non-zero SSID, locally unique: random per run. */
        while (s->ssid == 0)
                if (getrandom(&s->ssid, sizeof(s->ssid), 0) != sizeof(s->ssid))
                        s->ssid = (uint16_t) (ping_now(CLOCK_REALTIME) ^ (uint64_t) getpid()) | 1;

        int family = p->addr.ss_family;
        s->fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (s->fd < 0)
                return -errno;

        if (setsockopt(s->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) < 0)
                return -errno;
        if (family == AF_INET6) {
                if (setsockopt(s->fd, SOL_IPV6, IPV6_RECVERR, &one, sizeof(one)) < 0)
                        return -errno;
        } else if (setsockopt(s->fd, SOL_IP, IP_RECVERR, &one, sizeof(one)) < 0)
                return -errno;

        if (connect(s->fd, (const struct sockaddr *) &p->addr, p->addr_len) < 0)
                return -errno;

        r = sd_event_add_io(p->event, &s->io_source, s->fd, EPOLLIN, on_io, s);
        if (r < 0)
                return r;
        r = sd_event_add_time(p->event, &s->send_source, CLOCK_MONOTONIC, 0, 1, on_send_timer, s);
        if (r < 0)
                return r;
        r = sd_event_add_time(p->event, &s->timeout_source, CLOCK_MONOTONIC, USEC_INFINITY, 1,
                              on_timeout_timer, s);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(s->timeout_source, SD_EVENT_OFF);
        (void) sd_event_source_set_priority(s->io_source, SD_EVENT_PRIORITY_IMPORTANT);

        *ret = TAKE_PTR(cleanup);
        return 0;
}
