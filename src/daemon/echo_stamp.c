/* echo_stamp.c — the STAMP Session-Reflector's side of echo.c's data path: the classify
 * hook (is it STAMP, which session), the receive facts a reply needs (kernel T2, TTL,
 * TOS, local address from control messages) and the reply hooks that call the codec's
 * stamp_reflect() when a reply leaves, now or from the delay queue, and put it into the
 * loop memory. Calls stamp.c, echo_loop.c, sockaddr.c, clock_sync.c (adjtimex, at most
 * once a second) and the clock; no logging but debug. */
#include <assert.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "echo_stamp.h"
#include "log.h"
#include "sockaddr.h"
#include "stamp.h"
#include "time_util.h"

struct EchoStamp {
        StampMode mode;
        ClockSync clock;
        usec_t clock_read_usec; /* CLOCK_MONOTONIC of the last adjtimex(); 0 never */
        StampCounters counters;
};

/* What the kernel told about one received datagram. */
typedef struct EchoStampRx {
        uint64_t rx_ns;    /* SO_TIMESTAMPNS, CLOCK_REALTIME; 0 if absent */
        int ttl;           /* -1 unknown */
        int tos;           /* -1 unknown */
        uint8_t local[16]; /* destination address, IPv4 as ::ffff:a.b.c.d; 0 unknown */
} EchoStampRx;

int echo_stamp_new(const Conf *conf, EchoStamp **ret) {
        EchoStamp *s;

        assert(conf);
        assert(ret);

        s = calloc(1, sizeof(EchoStamp));
        if (!s)
                return -ENOMEM;
        s->mode = conf->stamp.mode;
        *ret = s;
        return 0;
}

void echo_stamp_set_conf(EchoStamp *s, const Conf *conf) {
        assert(s);
        assert(conf);
        s->mode = conf->stamp.mode;
}

int echo_stamp_setup_socket(int fd) {
        static const struct {
                int level, opt;
        } opts[] = {
                { IPPROTO_IP, IP_RECVTTL },        { IPPROTO_IP, IP_RECVTOS },
                { IPPROTO_IP, IP_PKTINFO },        { IPPROTO_IPV6, IPV6_RECVHOPLIMIT },
                { IPPROTO_IPV6, IPV6_RECVTCLASS }, { IPPROTO_IPV6, IPV6_RECVPKTINFO },
        };
        int one = 1, n = 0;

        /* An IPv4 socket refuses the IPv6 options; an IPv6 one takes both sets, the IPv4
         * ones for v4-mapped clients of a dual-stack socket. */
        for (size_t i = 0; i < ELEMENTSOF(opts); i++)
                if (setsockopt(fd, opts[i].level, opts[i].opt, &one, sizeof(one)) >= 0)
                        n++;
        return n;
}

static int cmsg_int(const struct cmsghdr *c) {
        int v;

        if (c->cmsg_len < CMSG_LEN(sizeof(int)))
                return -1;
        memcpy(&v, CMSG_DATA(c), sizeof(v));
        return v;
}

static void rx_parse(const struct msghdr *m, EchoStampRx *ret) {
        *ret = (EchoStampRx) { .ttl = -1, .tos = -1 };

        for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR((struct msghdr *) m, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS &&
                    c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
                        struct timespec ts;

                        memcpy(&ts, CMSG_DATA(c), sizeof(ts));
                        ret->rx_ns = (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
                } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL)
                        ret->ttl = cmsg_int(c);
                else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)
                        ret->ttl = cmsg_int(c);
                else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TOS && c->cmsg_len >= CMSG_LEN(1))
                        ret->tos = *CMSG_DATA(c); /* IP_TOS comes as one byte */
                else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_TCLASS)
                        ret->tos = cmsg_int(c);
                else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO &&
                         c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
                        struct in_pktinfo pi;

                        memcpy(&pi, CMSG_DATA(c), sizeof(pi));
                        memset(ret->local, 0, 10);
                        ret->local[10] = ret->local[11] = 0xff;
                        memcpy(ret->local + 12, &pi.ipi_addr, 4);
                } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO &&
                           c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
                        struct in6_pktinfo pi;

                        memcpy(&pi, CMSG_DATA(c), sizeof(pi));
                        memcpy(ret->local, &pi.ipi6_addr, 16);
                }
        }
        if (ret->ttl > 255)
                ret->ttl = -1;
        if (ret->tos > 255)
                ret->tos = -1;
}

/* FNV-1a over the local address: 32 bits of it go into the session key. */
static uint32_t addr_hash(const uint8_t a[static 16]) {
        uint32_t h = 2166136261u;

        for (size_t i = 0; i < 16; i++)
                h = (h ^ a[i]) * 16777619u;
        return h;
}

bool echo_stamp_classify(EchoStamp *s, EchoDatagram *dg) {
        StampSenderPacket p;
        EchoStampRx rx;

        assert(s);
        assert(dg);
        assert(dg->buf || dg->len == 0);
        assert(dg->msg);

        /* RFC 8762 §4.2: the base is 44 octets, and the reply is as long as the request,
         * so anything shorter cannot be answered without amplification. */
        if (stamp_parse_sender(dg->buf, dg->len, &p) < 0) {
                s->counters.invalid++;
                return false;
        }
        s->counters.requests++;
        dg->stamp = true;
        dg->probe = s->mode == STAMP_MODE_STATEFUL;
        if (!dg->probe)
                return true;

        /* The flow key adds the sender's address and port: with the socket (local port)
         * and local address here, a session is the 4-tuple and the SSID (RFC 8972 §3). */
        rx_parse(dg->msg, &rx);
        dg->p.session_id = (uint64_t) p.ssid | (uint64_t) (dg->sock & 0xffff) << 16 |
                           (uint64_t) addr_hash(rx.local) << 32;
        dg->p.seq = p.seq;
        return true;
}

static void reflect(EchoStamp *s, uint8_t *buf, size_t len, const EchoStampRx *rx, uint64_t rx_count,
                    EchoFlow *flow) {
        StampReflectResult res = {};
        usec_t mono = now(CLOCK_MONOTONIC);
        struct timespec ts;
        int r;

        if (s->clock_read_usec == 0 || mono - s->clock_read_usec >= ECHO_STAMP_CLOCK_REFRESH_USEC) {
                r = clock_sync_read(&s->clock); /* fills "unsynchronized" on failure */
                if (r < 0 && s->clock_read_usec == 0)
                        log_debug_errno(r, "Failed to read the clock's synchronisation state, "
                                           "reporting it unsynchronized: %m");
                s->clock_read_usec = mono;
        }
        (void) clock_gettime(CLOCK_REALTIME, &ts);

        StampReflectParams p = {
                .tx_ns = (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec,
                .clock = s->clock,
                .ttl = rx->ttl,
                .tos = rx->tos,
                .stateful = s->mode == STAMP_MODE_STATEFUL && flow,
                /* The reply's DSCP is the socket's: a per-datagram IP_TOS is not set, so
                 * the CoS TLV says RP = 1 (DSCP1 not used). */
                .dscp_settable = false,
                .sync_source = s->clock.synchronized ? STAMP_SYNC_SRC_NTP : 0,
                .ts_method_in = STAMP_TS_METHOD_SW_LOCAL,
                .ts_method_out = STAMP_TS_METHOD_SW_LOCAL,
        };
        p.rx_ns = rx->rx_ns ?: p.tx_ns;
        if (p.stateful) {
                /* A duplicate made by the impairment is a second copy of this packet, as a
                 * duplicating link delivers it: one sequence number, one transmission. */
                p.seq = flow->stamp_tx++;
                p.rx_count = (uint32_t) rx_count;
                p.tx_count = flow->stamp_tx;
        }

        r = stamp_reflect(buf, len, &p, &res);
        assert(r >= 0); /* len >= STAMP_BASE_SIZE: classify checked */
        s->counters.tlv_unrecognized += res.n_unrecognized;
        if (res.n_malformed > 0)
                s->counters.tlv_malformed++;
}

void echo_stamp_reflect_now(EchoStamp *s, EchoDatagram *dg, EchoLoop *loop, usec_t now_usec) {
        EchoStampRx rx;

        assert(s);
        assert(dg);
        assert(loop);

        rx_parse(dg->msg, &rx);
        reflect(s, dg->buf, dg->len, &rx, dg->flow ? dg->flow->received : 0, dg->flow);
        echo_loop_remember(loop, echo_loop_hash(loop, dg->key.addr, dg->port, dg->buf, dg->len), now_usec);
}

void echo_stamp_keep(const struct msghdr *m, const EchoFlow *flow, EchoReply *q) {
        EchoStampRx rx;

        assert(m);
        assert(q);

        rx_parse(m, &rx);
        q->stamp_rx_ns = rx.rx_ns;
        q->stamp_rx_count = flow ? flow->received : 0;
        q->stamp_ttl = (int16_t) rx.ttl;
        q->stamp_tos = (int16_t) rx.tos;
}

void echo_stamp_reflect_queued(EchoStamp *s, EchoReply *q, EchoFlow *flow, EchoLoop *loop, usec_t now_usec) {
        EchoStampRx rx = {
                .rx_ns = q->stamp_rx_ns,
                .ttl = q->stamp_ttl,
                .tos = q->stamp_tos,
        };
        uint8_t addr[16];

        assert(s);
        assert(q);
        assert(loop);

        reflect(s, q->data, q->len, &rx, q->stamp_rx_count, flow);
        (void) sockaddr_v4mapped(&q->peer, addr);
        echo_loop_remember(loop, echo_loop_hash(loop, addr, htons(sockaddr_port(&q->peer)), q->data, q->len),
                           now_usec);
}

const StampCounters *echo_stamp_get_counters(const EchoStamp *s) {
        assert(s);
        return &s->counters;
}

EchoStamp *echo_stamp_free(EchoStamp *s) {
        free(s);
        return NULL;
}
